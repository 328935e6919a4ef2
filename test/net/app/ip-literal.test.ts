/** The shortcut in front of node:net's isIP answers exactly as isIP does (isIP is the oracle). */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipLiteralVersion } from '../../../src/net/app/ip-literal.js';

describe('ipLiteralVersion', () => {
  it('agrees with isIP on addresses, names and near misses (property)', () => {
    const host = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.domain(),
      fc.string({ unit: fc.constantFrom(...'0123456789.:abcdefABCDEF%xyz-[]') }),
      fc.string(),
    );
    fc.assert(
      fc.property(host, (h) => {
        expect(ipLiteralVersion(h)).toBe(isIP(h));
      }),
      { numRuns: 5000 },
    );
  });

  it('names, literals with zones, and digits that are not an address', () => {
    for (const h of [
      'localhost',
      'files.test',
      '198.18.0.1',
      '::1',
      'fe80::1%eth0',
      '1.2.3',
      '999.1.1.1',
      '',
    ])
      expect(ipLiteralVersion(h)).toBe(isIP(h));
  });
});

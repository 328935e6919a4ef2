/**
 * `claimsUnnamed` on an allowlist entry (policy/egress/unnamed-claim.ts): which host a connection
 * on an extra port that names none is taken to be for, and the limits the policy file keeps it to.
 */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { unnamedClaim } from '../../src/policy/egress/index.js';
import { parsePolicy } from '../../src/policy/index.js';

const policy = (entries: string) => parsePolicy(`network:\n  allow:\n${entries}`, 'p.yaml');
const refusal = (entries: string): string => {
  try {
    policy(entries);
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    return (e as Error).message;
  }
  throw new Error('the policy was accepted');
};

describe('claimsUnnamed', () => {
  it("names the claiming entry's host on its ports, and nothing elsewhere", () => {
    const p = policy(
      [
        '    - host: files.example',
        '    - host: RTK.Caster.example',
        '      ports: [2101, 2102]',
        '      claimsUnnamed: true',
        '    - host: other.example',
        '      ports: [2103]',
        '',
      ].join('\n'),
    );
    expect(p.network.allow[1]).toEqual({
      host: 'rtk.caster.example',
      ports: [2101, 2102],
      claimsUnnamed: true,
    });
    expect([2101, 2102, 2103, 443, 80].map((port) => unnamedClaim(p.network.allow, port))).toEqual([
      'rtk.caster.example',
      'rtk.caster.example',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('is refused on a pattern, without listed ports, on 443 or 80, and on a port two entries claim', () => {
    expect(
      refusal('    - host: "*.caster.example"\n      ports: [2101]\n      claimsUnnamed: true\n'),
    ).toMatch(/^p\.yaml:\d+:\d+: network\.allow\[0\]\.claimsUnnamed: claimsUnnamed needs an exact host name/);
    expect(refusal('    - host: rtk.example\n      claimsUnnamed: true\n')).toMatch(
      /network\.allow\[0\]\.claimsUnnamed: claimsUnnamed needs the entry to list its ports/,
    );
    expect(refusal('    - host: rtk.example\n      ports: [2101, 443]\n      claimsUnnamed: true\n')).toMatch(
      /claimsUnnamed cannot cover port 443: a connection there must name its host/,
    );
    expect(
      refusal(
        '    - host: a.example\n      ports: [2101]\n      claimsUnnamed: true\n' +
          '    - host: b.example\n      ports: [2102, 2101]\n      claimsUnnamed: true\n',
      ),
    ).toMatch(
      /network\.allow\[1\]\.claimsUnnamed: port 2101 is claimed for unnamed connections by a\.example already/,
    );
    // Two entries on one port are fine while only one claims it.
    expect(() =>
      policy(
        '    - host: a.example\n      ports: [2101]\n      claimsUnnamed: true\n    - host: b.example\n      ports: [2101]\n',
      ),
    ).not.toThrow();
  });
});

/**
 * The log writer's fast canonical text for rows (row-json.ts) is exactly core/canonical-json.ts's
 * (the oracle, a plain recursive sort), for any row, and survives the thread's wire: what the
 * chain MACs and stores is what `log verify` recomputes from the stored body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { chainMac, chainMacOfText } from '../../src/store/log-chain.js';
import { decodeRows, encodeRows } from '../../src/store/log-wire.js';
import { rowJson } from '../../src/store/row-json.js';
import type { LogRow } from '../../src/store/types.js';

// Any text a client can put in a row (host names, SNI, query names): unicode, quotes, controls.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\n\t', '\u2028'),
);
const num = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
);
const tsMs = fc.integer({ min: 0, max: 2 ** 45 });
const mode = fc.constantFrom('sealed' as const, 'one-way' as const, 'monitor' as const);
const verdict = fc.constantFrom('allow' as const, 'block' as const);
const connection = fc.record(
  {
    kind: fc.constant('connection' as const),
    tsMs,
    client: text,
    destination: text,
    name: text,
    ip: text,
    port: num,
    proto: fc.constantFrom('tcp' as const, 'udp' as const),
    mode,
    verdict,
    reason: text,
    bytesUp: num,
    bytesDown: num,
    cut: fc.option(text, { nil: undefined }),
    endMs: fc.option(num, { nil: undefined }),
    // A refusal summary row's (refusal-summary.ts).
    count: fc.option(num, { nil: undefined }),
    lastMs: fc.option(num, { nil: undefined }),
  },
  {
    requiredKeys: [
      'kind',
      'tsMs',
      'client',
      'destination',
      'ip',
      'port',
      'proto',
      'mode',
      'verdict',
      'reason',
      'bytesUp',
      'bytesDown',
    ],
  },
);
const dns = fc.record(
  {
    kind: fc.constant('dns' as const),
    tsMs,
    client: text,
    qname: text,
    qtype: text,
    mode,
    verdict,
    reason: text,
    proto: fc.option(fc.constant('tcp' as const), { nil: undefined }),
    count: fc.option(num, { nil: undefined }),
    lastMs: fc.option(num, { nil: undefined }),
    qnames: fc.option(text, { nil: undefined }),
    qnamesMore: fc.option(num, { nil: undefined }),
  },
  { requiredKeys: ['kind', 'tsMs', 'client', 'qname', 'qtype', 'mode', 'verdict', 'reason'] },
);
const unlock = fc.record({
  kind: fc.constant('unlock' as const),
  tsMs: fc.integer({ min: 0, max: 2 ** 45 }),
  window: fc.record({ host: text, fromMs: num, untilMs: num, reason: text }),
});
// Rows with a key the kind does not have, or a nested value where a flat one belongs.
const odd = fc.oneof(
  fc.tuple(connection, text, fc.jsonValue()).map(([r, k, v]) => ({ ...r, [k]: v })),
  fc.tuple(dns, fc.jsonValue()).map(([r, v]) => ({ ...r, qname: v })),
  connection.map((r) => Object.assign(Object.create({ inherited: 1 }), r)),
);
const anyRow = fc.oneof(connection, dns, unlock, odd) as fc.Arbitrary<LogRow>;

describe('rowJson', () => {
  it('is canonicalJson for any row, including ones off the fast path (property)', () => {
    fc.assert(
      fc.property(anyRow, (r) => {
        expect(rowJson(r)).toBe(canonicalJson(r));
      }),
      { numRuns: 5000 },
    );
  });

  it('is its own canonical form after a JSON round trip, as log verify reads it (property)', () => {
    fc.assert(
      fc.property(anyRow, (r) => {
        const t = rowJson(r);
        expect(canonicalJson(JSON.parse(t))).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('an undefined member is left out, as canonicalJson leaves it', () => {
    const r = {
      kind: 'dns',
      tsMs: 1,
      client: 'c',
      qname: 'q',
      qtype: 'A',
      mode: 'sealed',
      verdict: 'block',
      reason: 'sealed',
      proto: undefined,
    } as LogRow;
    expect(rowJson(r)).toBe(
      '{"client":"c","kind":"dns","mode":"sealed","qname":"q","qtype":"A","reason":"sealed","tsMs":1,"verdict":"block"}',
    );
  });
});

describe('the log thread wire', () => {
  it('carries kind, time and the canonical text of every row of a batch (property)', () => {
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 20 }), (rows) => {
        const got = decodeRows(encodeRows(rows));
        expect(got).toEqual(rows.map((r) => ({ kind: r.kind, tsMs: r.tsMs, body: canonicalJson(r) })));
      }),
      { numRuns: 1000 },
    );
  });

  it('the MAC over the text is the MAC over the row', () => {
    const key = new Uint8Array(32).fill(3);
    fc.assert(
      fc.property(anyRow, fc.nat(), (r, seq) => {
        expect(chainMacOfText(key, 'ab', seq, rowJson(r))).toBe(chainMac(key, 'ab', seq, r));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a line it could not have written', () => {
    expect(() => decodeRows('connection\t12\t{}\nbogus\t1\t{}')).toThrow(/line 2/);
    expect(() => decodeRows('dns\tsoon\t{}')).toThrow(/line 1/);
    expect(() => decodeRows('dns 1 {}')).toThrow(/line 1/);
  });
});

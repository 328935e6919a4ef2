/**
 * The DNS server's decisions under random traffic (fast-check): query names are an upload channel,
 * so whatever arrives — odd labels, upper case, long names, compression pointers, several
 * questions, EDNS records, responses, damaged bytes, two clients in bursts — these must hold:
 *   - judgeDnsQuery never throws, and never answers a response (no reflection);
 *   - sealed forwards nothing;
 *   - one-way forwards only a name under the allowlisted zone, no longer than maxNameLength, and
 *     no more than maxQueriesPerMinute a client in any minute;
 *   - what goes upstream is a query rebuilt with one question and nothing else, under a fresh ID,
 *     and its name is the one logged;
 *   - an answer carries the ID it was asked with.
 * The forwarded query is read back by a decoder written here from RFC 1035 §4.1, not Airlock's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DnsAction, judgeDnsQuery } from '../../src/gateway/dns/core.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { NetworkMode } from '../../src/policy/types.js';
import { runSeed } from '../helpers/prng.js';
import { policyWith, T0 } from './playbook.js';

const MAX_NAME = 60;
const PER_MINUTE = 7;
const SEED = runSeed();

/** RFC 1035 §4.1: header, then one question (no compression in what the server sends up). */
function decodeQuery(b: Uint8Array): { id: number; counts: number[]; name: string; end: number } {
  const u16 = (at: number) => ((b[at] as number) << 8) | (b[at + 1] as number);
  const labels: string[] = [];
  let p = 12;
  for (;;) {
    const len = b[p] as number;
    if (len === 0 || len === undefined) break;
    expect(len, 'no pointer in a rebuilt query').toBeLessThan(64);
    labels.push(Buffer.from(b.subarray(p + 1, p + 1 + len)).toString('latin1'));
    p += 1 + len;
  }
  return { id: u16(0), counts: [u16(4), u16(6), u16(8), u16(10)], name: labels.join('.'), end: p + 5 };
}

const label = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  fc.stringMatching(/^[A-Za-z0-9]{1,63}$/),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 }),
  fc.constantFrom('maps', 'example', 'MAPS', 'xmaps', 'tiles'),
);
const suffix = fc.constantFrom(
  ['maps', 'example'],
  ['MAPS', 'Example'],
  ['maps', 'example', 'evil'],
  ['xmaps', 'example'],
  ['example'],
  [],
);
const labels = fc
  .tuple(fc.array(label, { maxLength: 6 }), suffix)
  .map(([a, b]) => [...a, ...b].filter((l) => Buffer.byteLength(l, 'latin1') <= 63));

interface Wire {
  id: number;
  flags: number;
  labels: string[];
  questions: number;
  type: number;
  edns: boolean;
  pointer: boolean;
  damage: number;
  client: number;
  dt: number;
}
const wire: fc.Arbitrary<Wire> = fc.record({
  id: fc.nat(0xffff),
  flags: fc.oneof({ weight: 6, arbitrary: fc.constant(0x0100) }, { weight: 1, arbitrary: fc.nat(0xffff) }),
  labels,
  questions: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.nat(3) }),
  type: fc.constantFrom(1, 28, 16, 255, 65),
  edns: fc.boolean(),
  pointer: fc.nat(9).map((n) => n === 0),
  damage: fc.nat(19),
  client: fc.nat(1),
  dt: fc.oneof(fc.nat(200), fc.nat(70_000)),
});

/** A query written byte by byte from RFC 1035 §4.1 (and RFC 6891 for the OPT record). */
function bytesOf(w: Wire): Uint8Array {
  const name = w.pointer
    ? [3, ...Buffer.from('ptr'), 0xc0, 12] // a pointer into the header: hostile, never valid
    : [...w.labels.flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]), 0];
  const q = [...name, 0, w.type, 0, 1];
  const opt = w.edns ? [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0] : [];
  const head = [
    w.id >> 8,
    w.id & 0xff,
    w.flags >> 8,
    w.flags & 0xff,
    0,
    w.questions,
    0,
    0,
    0,
    0,
    0,
    opt.length ? 1 : 0,
  ];
  const all = Uint8Array.from([
    ...head,
    ...Array.from({ length: Math.max(1, w.questions) }, () => q).flat(),
    ...opt,
  ]);
  // One case in ten is damaged: a flipped byte, or cut short.
  if (w.damage === 0) {
    const at = (w.id % (all.length - 1)) + 1;
    all[at] = (all[at] as number) ^ 0x55;
  }
  if (w.damage === 1) return all.subarray(0, w.id % all.length);
  return all;
}

function run(mode: NetworkMode, wires: Wire[]): Set<string> {
  const policy = policyWith({
    mode,
    allow: [{ host: '*.maps.example' }],
    dns: { maxNameLength: MAX_NAME, maxQueriesPerMinute: PER_MINUTE },
  });
  const ctx = { gate: new EgressGate(policy), mode: () => mode, hasUpstream: true, nextId: () => 0xbeef };
  const reached = new Set<string>();
  const forwards = new Map<string, number[]>();
  let now = T0;
  for (const w of wires) {
    now += w.dt;
    const msg = bytesOf(w);
    const client = `10.0.0.${2 + w.client}:5353`;
    // A throw fails the property with the case that caused it.
    const a: DnsAction = judgeDnsQuery(msg, client, ctx, now);
    const isResponse = msg.length >= 3 && ((msg[2] as number) & 0x80) !== 0;
    reached.add(`${a.action}${'row' in a && a.row ? ` ${a.row.reason}` : ''}`);
    if (a.action === 'answer') {
      expect(isResponse, 'a response is never answered').toBe(false);
      expect(((a.bytes[0] as number) << 8) | (a.bytes[1] as number), 'answer ID').toBe(
        ((msg[0] as number) << 8) | (msg[1] as number),
      );
    }
    if (a.action !== 'forward') continue;
    expect(mode, 'sealed forwards nothing').not.toBe('sealed');
    expect(isResponse).toBe(false);
    const q = decodeQuery(a.query);
    expect(q.id).toBe(a.upstreamId);
    expect(q.counts, 'one question and nothing else').toEqual([1, 0, 0, 0]);
    expect(q.end, 'no bytes after the question').toBe(a.query.length);
    expect(q.name, 'the name logged is the name sent').toBe(a.row.qname);
    if (mode === 'one-way') {
      expect(q.name === 'maps.example' || q.name.endsWith('.maps.example'), q.name).toBe(true);
      expect(q.name.length, q.name).toBeLessThanOrEqual(MAX_NAME);
      const times = (forwards.get(client) ?? []).filter((t) => t > now - 60_000);
      times.push(now);
      forwards.set(client, times);
      expect(times.length, `${client}: forwards within a minute`).toBeLessThanOrEqual(PER_MINUTE);
    }
  }
  return reached;
}

const REACHES: Record<NetworkMode, string[]> = {
  sealed: ['answer sealed', 'drop', 'answer dns-malformed'],
  'one-way': [
    'forward allowlisted',
    'answer not-allowlisted',
    'answer dns-name-too-long',
    'answer dns-rate',
    'answer dns-malformed',
    'drop',
  ],
  monitor: ['forward monitor', 'answer dns-malformed', 'drop'],
};

describe('DNS core invariants under random traffic (property)', () => {
  for (const mode of ['sealed', 'one-way', 'monitor'] as const) {
    it(
      `${mode}: never throws, never reflects, forwards only what the policy allows, rebuilt`,
      () => {
        const reached = new Set<string>();
        fc.assert(
          fc.property(fc.array(wire, { minLength: 10, maxLength: 60 }), (wires) => {
            for (const r of run(mode, wires)) reached.add(r);
          }),
          // The suite's fixed seed by default: the same exploration in every CI run (helpers/prng.ts).
          { numRuns: Number(process.env.AIRLOCK_FUZZ_CASES ?? 400), seed: SEED },
        );
        expect(
          REACHES[mode].filter((x) => !reached.has(x)),
          'states no run reached',
        ).toEqual([]);
        // AIRLOCK_FUZZ_CASES=30000 takes minutes a mode: the fuzz harnesses' bound, not vitest's 30 s.
      },
      30 * 60_000,
    );
  }
});

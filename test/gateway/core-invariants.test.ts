/**
 * The proxy core under random traffic (fast-check, model-based): several connections on one gate,
 * each fed random events in a random order — heads split anywhere, garbage, tunnel bytes, real
 * ClientHellos, resolver answers naming public, private, loopback and metadata addresses, upstream
 * data, closes, timeouts, the shell's still-open sweep — and after every event the properties the
 * issue promises must hold, whatever came before:
 *   - handle() never throws, and a closed connection says nothing more;
 *   - sealed: no name is resolved, no upstream opened, no byte sent up;
 *   - one-way: only allowlisted names are resolved, no byte goes up past a destination's
 *     per-connection budget, nor past its hourly budget across all the run's connections;
 *   - no mode ever opens an upstream in loopback, private, link-local or metadata ranges;
 *   - the record: the final rows of a connection add up to exactly the bytes it sent up;
 * with upstreams that answer HTTP, raw bytes, or as an NTRIP 1.0 caster (ICY, which turns an
 * exchange into a stream both ways, or a source table).
 */
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import type { Front } from '../../src/gateway/core/front.js';
import { HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { NetworkMode } from '../../src/policy/types.js';
import { runSeed } from '../helpers/prng.js';
import { realClientHello } from './client-hello.js';
import { policyWith, T0 } from './playbook.js';

// files.example: two connections can spend its hour; up.example: its hour is below one connection's
// budget, so its cuts are hourly (both cut reasons, and the hourly ledger across connections).
const BUDGETS: Record<string, { perConnection: number; perHour: number }> = {
  'files.example': { perConnection: 1500, perHour: 2000 },
  'up.example': { perConnection: 500, perHour: 420 },
};
const ALLOW = Object.entries(BUDGETS).map(([host, b]) => ({
  host,
  budget: { upstreamBytesPerConnection: b.perConnection, upstreamBytesPerHour: b.perHour },
}));
// up.example twice: its small budgets are what two connections of a run can spend.
const NAMES = ['files.example', 'up.example', 'FILES.example', 'up.example', 'other.example', 'evil.example'];
const SEED = runSeed();
const PUBLIC = new Set(['198.18.0.10', '198.19.7.7']);
const ADDRESSES = [
  '198.18.0.10',
  '198.19.7.7',
  '127.0.0.1',
  '10.0.0.5',
  '169.254.169.254',
  '192.168.1.1',
  '::1',
  'fd00::1',
];

/** A real TLS client's first flight for each name. */
const hellos = new Map<string, Uint8Array>();
beforeAll(async () => {
  for (const n of NAMES) hellos.set(n, new Uint8Array(await realClientHello(n)));
});

type Front3 = 'proxy' | 'tls' | 'http';
const FRONTS: Record<Front3, Front | undefined> = { proxy: undefined, tls: TLS_FRONT, http: HTTP_FRONT };

/** What a client of each front opens with, before any splitting or damage. */
function opening(front: Front3, name: string, kind: number, body: number): Uint8Array {
  const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
  if (front === 'tls') return hellos.get(name) as Uint8Array;
  if (front === 'http')
    return b(`POST /u HTTP/1.1\r\nHost: ${name}\r\nContent-Length: ${body}\r\n\r\n${'b'.repeat(body)}`);
  if (kind === 0) return b(`CONNECT ${name}:443 HTTP/1.1\r\nHost: ${name}:443\r\n\r\n`);
  if (kind === 1) return b(`GET http://${name}/f HTTP/1.1\r\nHost: ${name}\r\n\r\n`);
  return b(
    `POST http://${name}/u HTTP/1.1\r\nHost: ${name}\r\nContent-Length: ${body}\r\n\r\n${'b'.repeat(body)}`,
  );
}

/** One step of the run: which connection, what happens to it, and how much time passes first. */
type Step =
  | { c: number; dt: number; ev: 'client'; cut: number; junk: number; extra: number }
  | { c: number; dt: number; ev: 'resolve'; pick: number; fail: boolean }
  | { c: number; dt: number; ev: 'connect'; fail: boolean }
  /** An upstream's answer: an HTTP response, raw bytes, or an NTRIP caster's (an ICY stream, a source table). */
  | { c: number; dt: number; ev: 'up-data'; n: number; answer: 'http' | 'raw' | 'icy' | 'table' }
  | { c: number; dt: number; ev: 'close' | 'client-ended' | 'timeout' | 'still-open' | 'down-relayed' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      c: fc.nat(3),
      dt: fc.nat(3000),
      ev: fc.constant('client' as const),
      cut: fc.nat(400),
      junk: fc.nat(9),
      extra: fc.nat(900),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.nat(3),
      dt: fc.nat(50),
      ev: fc.constant('resolve' as const),
      pick: fc.nat(63),
      fail: fc.nat(9).map((n) => n === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.nat(3),
      dt: fc.nat(50),
      ev: fc.constant('connect' as const),
      fail: fc.nat(9).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      c: fc.nat(3),
      dt: fc.nat(500),
      ev: fc.constant('up-data' as const),
      n: fc.nat(300),
      answer: fc.constantFrom('http' as const, 'raw' as const, 'icy' as const, 'table' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.nat(3),
      dt: fc.nat(15_000),
      ev: fc.constantFrom(
        'close' as const,
        'client-ended' as const,
        'timeout' as const,
        'still-open' as const,
        'down-relayed' as const,
      ),
    }),
  },
);

interface Conn {
  core: ProxyConnection;
  front: Front3;
  name: string;
  kind: number;
  body: number;
  /** Bytes of the opening still to send. */
  left: Uint8Array;
  closed: boolean;
  asked?: 'resolve' | 'open';
  up: boolean;
  sentUp: number;
  /** The destination the upstream was opened for (one-way budgets), by the last resolve asked. */
  dest?: string;
  rowsUp: number;
}

/** What the runs of one mode reached (commands, and rows by verdict and reason): the generator's own check. */
const reached = new Set<string>();

function run(mode: NetworkMode, fronts: Front3[], names: number[], kinds: number[], steps: Step[]): void {
  const policy = policyWith({ mode, allow: ALLOW });
  const gate = new EgressGate(policy, { windows: [] });
  let now = T0;
  const sentTo = new Map<string, number>();
  const conns: Conn[] = fronts.map((front, i) => {
    const name = NAMES[(names[i] ?? 0) % NAMES.length] as string;
    const kind = (kinds[i] ?? 0) % 3;
    // Bodies up to past the larger per-connection budget: a single request can be cut inside its body.
    const body = ((kinds[i] ?? 0) >> 2) % 1800;
    return {
      core: new ProxyConnection(`c${i}`, `10.0.0.2:${50000 + i}`, T0, {
        gate,
        mode: () => mode,
        maxHeaderBytes: 4096,
        ...(FRONTS[front] ? { front: FRONTS[front] } : {}),
      }),
      front,
      name,
      kind,
      body,
      left: opening(front, name, kind, body),
      closed: false,
      up: false,
      sentUp: 0,
      rowsUp: 0,
    };
  });

  const apply = (c: Conn, e: ProxyEvent): void => {
    let out: ProxyCommand[] = [];
    expect(() => {
      out = c.core.handle(e, now);
    }).not.toThrow();
    if (c.closed) {
      expect(out, `${e.type} after close`).toEqual([]);
      return;
    }
    for (const cmd of out) {
      reached.add(`${c.front} ${cmd.type}`);
      switch (cmd.type) {
        case 'resolve':
          expect(mode, 'sealed resolves nothing').not.toBe('sealed');
          if (mode === 'one-way') expect(Object.keys(BUDGETS), cmd.host).toContain(cmd.host.toLowerCase());
          c.asked = 'resolve';
          c.dest = cmd.host.toLowerCase();
          break;
        case 'open-upstream':
          expect(mode).not.toBe('sealed');
          expect(PUBLIC.has(cmd.ip), `opened ${cmd.ip}`).toBe(true);
          c.asked = 'open';
          break;
        case 'send-to-upstream': {
          expect(mode).not.toBe('sealed');
          c.sentUp += cmd.data.length;
          const d = c.dest ?? c.name.toLowerCase();
          sentTo.set(d, (sentTo.get(d) ?? 0) + cmd.data.length);
          const b = BUDGETS[d];
          if (mode === 'one-way') {
            expect(b, `upload to ${d}`).toBeDefined();
            expect(c.sentUp, `${d}: per connection`).toBeLessThanOrEqual(b?.perConnection ?? 0);
            expect(sentTo.get(d), `${d}: per hour`).toBeLessThanOrEqual(b?.perHour ?? 0);
          }
          break;
        }
        case 'log':
          if (!cmd.row.open) c.rowsUp += cmd.row.bytesUp;
          reached.add(`${c.front} ${cmd.row.verdict} ${cmd.row.cut ?? cmd.row.reason}`);
          break;
        case 'close':
          c.closed = true;
          break;
      }
    }
    if (c.closed) expect(c.rowsUp, `${c.front} ${c.name}: rows vs bytes sent up`).toBe(c.sentUp);
  };

  for (const s of steps) {
    const c = conns[s.c % conns.length] as Conn;
    now += s.dt;
    switch (s.ev) {
      case 'client': {
        const data =
          c.left.length > 0
            ? c.left.subarray(0, Math.max(1, s.cut))
            : new Uint8Array(s.extra).fill(0x61 + s.junk);
        c.left = c.left.subarray(data.length);
        // Now and then the bytes are damaged: a flipped byte in a head is garbage to judge.
        const sent =
          s.junk === 0 && data.length > 0
            ? Uint8Array.from(data, (x, i) => (i === s.cut % data.length ? x ^ 0x5a : x))
            : data;
        apply(c, { type: 'client-data', data: sent });
        break;
      }
      case 'resolve':
        if (c.asked !== 'resolve') break;
        c.asked = undefined;
        apply(
          c,
          s.fail
            ? { type: 'resolve-failed', detail: 'NXDOMAIN' }
            : {
                type: 'resolved',
                // Mostly public answers (so traffic flows), else any mix, rebinding included.
                addresses:
                  s.pick < 40
                    ? [ADDRESSES[s.pick % 2] as string]
                    : [
                        ADDRESSES[s.pick % ADDRESSES.length] as string,
                        ADDRESSES[(s.pick >> 3) % ADDRESSES.length] as string,
                      ],
              },
        );
        break;
      case 'connect':
        if (c.asked !== 'open') break;
        c.asked = undefined;
        c.up = !s.fail;
        apply(
          c,
          s.fail ? { type: 'upstream-failed', detail: 'ECONNREFUSED' } : { type: 'upstream-connected' },
        );
        break;
      case 'up-data':
        if (!c.up) break;
        apply(c, {
          type: 'upstream-data',
          data: new Uint8Array(
            Buffer.from(
              {
                http: `HTTP/1.1 200 OK\r\nContent-Length: ${s.n}\r\n\r\n`,
                raw: '',
                icy: 'ICY 200 OK\r\n',
                table: 'SOURCETABLE 200 OK\r\n\r\n',
              }[s.answer] + 'd'.repeat(s.n),
            ),
          ),
        });
        break;
      case 'close':
        apply(c, { type: c.up && s.dt % 2 === 0 ? 'upstream-closed' : 'client-closed' });
        break;
      case 'client-ended':
        apply(c, { type: 'client-ended' });
        break;
      case 'timeout':
        apply(c, { type: 'timeout', kind: s.dt % 2 === 0 ? 'handshake' : 'idle' });
        break;
      case 'still-open':
        apply(c, { type: 'still-open' });
        break;
      case 'down-relayed':
        if (c.up) apply(c, { type: 'down-relayed', bytes: s.dt });
        break;
    }
  }
  // The shell closes whatever is left: every connection ends, and its record adds up.
  for (const c of conns) apply(c, { type: 'client-closed' });
}

const REACHES: Record<NetworkMode, string[]> = {
  sealed: ['proxy block sealed', 'tls block sealed', 'http block sealed'],
  'one-way': [
    'proxy send-to-upstream',
    'tls send-to-upstream',
    'http send-to-upstream',
    'proxy allow connection-budget',
    'tls allow connection-budget',
    'http allow connection-budget',
    'proxy allow hour-budget',
    'proxy block private-destination',
    'proxy block metadata-destination',
    'proxy block not-allowlisted',
    'proxy pass-down',
    'proxy release-upstream',
  ],
  monitor: ['proxy send-to-upstream', 'tls send-to-upstream', 'http send-to-upstream', 'proxy pass-down'],
};

describe('proxy core invariants under random traffic (property)', () => {
  beforeEach(() => reached.clear());
  for (const mode of ['sealed', 'one-way', 'monitor'] as const) {
    it(
      `${mode}: never throws; no forbidden name, address or byte; the record adds up`,
      () => {
        fc.assert(
          fc.property(
            fc.array(fc.constantFrom<Front3>('proxy', 'tls', 'http'), { minLength: 1, maxLength: 4 }),
            fc.array(fc.nat(40), { minLength: 4, maxLength: 4 }),
            fc.array(fc.nat(4 * 1800), { minLength: 4, maxLength: 4 }),
            fc.array(step, { minLength: 30, maxLength: 120 }),
            (fronts, names, kinds, steps) => run(mode, fronts, names, kinds, steps),
          ),
          // The suite's fixed seed by default: the same exploration in every CI run (helpers/prng.ts).
          { numRuns: Number(process.env.AIRLOCK_FUZZ_CASES ?? 600), seed: SEED },
        );
        // The runs reached the states the properties are about (else they would hold vacuously).
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

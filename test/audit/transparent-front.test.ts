/**
 * How the audit reads the head of a connection to an egress address on 443 or 80
 * (src/net/app/transparent-front.ts): exactly as the gateway's transparent fronts read it
 * (gateway/core/transparent-head.ts, the oracle), byte string by byte string and prefix by
 * prefix: still waiting, refused for the same reason and detail, or read (then named by
 * transparent-name.ts, which transparent-name.test.ts holds to the fronts). On an allowlist's
 * extra port, the audit's FrontHeadReader is held to the gateway's extra-port front the same way,
 * the front its first byte chose included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrontHeadReader } from '../../src/audit/name-reader.js';
import type { Front, HeadOutcome } from '../../src/gateway/core/front.js';
import { extraPortFront, HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import { GATEWAY_REASONS } from '../../src/gateway/core/types.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';
import {
  FRONT_REASONS,
  type FrontPort,
  readFrontHead,
  requestRefusal,
} from '../../src/net/app/transparent-front.js';
import { realClientHello } from '../gateway/client-hello.js';

const FRONTS: Record<FrontPort, Front> = { tls: TLS_FRONT, http: HTTP_FRONT };

type Answer = 'need' | 'read' | { reason: string; detail?: string };

/** The gateway's answer: a refusal other than no-name keeps its reason (and detail, when it gives one). */
function gateway(front: FrontPort, b: Uint8Array, max: number): Answer {
  const o: HeadOutcome = FRONTS[front].readHead(b, max);
  if (o.kind === 'need') return 'need';
  // no-name is the naming rule's (transparent-name.ts), applied after the head is read.
  if (o.kind === 'target' || o.reason === 'no-name') return 'read';
  return o.detail === undefined ? { reason: o.reason } : { reason: o.reason, detail: o.detail };
}

function audit(front: FrontPort, b: Uint8Array, max: number, withDetail: boolean): Answer {
  const a = readFrontHead(front, b, max);
  if (a.kind === 'need') return 'need';
  if (a.kind !== 'refused') return 'read';
  return withDetail ? { reason: a.reason, detail: a.detail } : { reason: a.reason };
}

/** Compared with the gateway's answer; its header-too-large has no detail, the audit's says the limit. */
function expectSame(front: FrontPort, b: Uint8Array, max: number): Answer {
  const g = gateway(front, b, max);
  const withDetail = typeof g !== 'string' && g.detail !== undefined;
  expect([front, Buffer.from(b).toString('latin1').slice(0, 60), audit(front, b, max, withDetail)]).toEqual([
    front,
    Buffer.from(b).toString('latin1').slice(0, 60),
    g,
  ]);
  return g;
}

const text = (s: string) => Buffer.from(s, 'latin1');
const GET = 'GET / HTTP/1.1\r\nHost: files.test\r\n\r\n';
const pad = (n: number) => `GET / HTTP/1.1\r\nHost: files.test\r\nX-Pad: ${'a'.repeat(n)}\r\n\r\n`;

const SAMPLES: string[] = [
  GET,
  'get / HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'GET / HTTP/1.1\r\n\r\n',
  'CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n',
  'GET / HTTP/2.0\r\nHost: files.test\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'GET / HTTP/1.1\r\nX: a\x00b\r\nHost: a\r\n\r\n',
  'GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n',
  ' GET / HTTP/1.1\r\n\r\n',
  'SSH-2.0-OpenSSH_9.6\r\n',
  '\x00\x01\x02',
  pad(2000),
  pad(40_000),
  pad(70_000),
  `GET / HTTP/1.1\r\nHost: a\r\n${'X: y\r\n'.repeat(300)}\r\n`,
];

describe('readFrontHead', () => {
  it('FRONT_REASONS are reasons the gateway logs', () => {
    for (const r of FRONT_REASONS) expect(Object.keys(GATEWAY_REASONS)).toContain(r);
  });

  it('answers as both fronts do, sample by sample, whole and at every cut, at two size limits', async () => {
    const hellos = [await realClientHello('files.test'), await realClientHello('')];
    const samples = [...SAMPLES.map(text), ...hellos];
    const seen = new Set<string>();
    for (const max of [32 * 1024, 1024])
      for (const front of ['tls', 'http'] as const)
        for (const b of samples) {
          const whole = expectSame(front, b, max);
          seen.add(typeof whole === 'string' ? whole : whole.reason);
          // Every prefix of a short sample, a few of a long one.
          const step = b.length > 400 ? 997 : 1;
          for (let n = 0; n < b.length; n += step) {
            const cut = expectSame(front, b.subarray(0, n), max);
            seen.add(typeof cut === 'string' ? cut : cut.reason);
          }
        }
    // The samples reach every answer, each refusal included (agreement is not agreement on little).
    expect(seen).toEqual(new Set(['need', 'read', ...FRONT_REASONS]));
  });

  it('answers as both fronts do on generated bytes (property)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(
          fc.constantFrom('GET', 'get', 'CONNECT', 'OPTIONS', 'POST', 'PRI', 'G E'),
          fc.constantFrom('/', '*', 'files.test:443', 'http://a/'),
          fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1'),
          fc.array(
            fc.constantFrom(
              'Host: a',
              'Content-Length: 1',
              'Content-Length: 2',
              'Transfer-Encoding: chunked',
              'Transfer-Encoding: gzip',
              'X: \x00',
            ),
            { maxLength: 4 },
          ),
        )
        .map(([m, t, v, hs]) => text(`${m} ${t} ${v}\r\n${hs.map((h) => `${h}\r\n`).join('')}\r\n`)),
    );
    fc.assert(
      fc.property(
        bytes,
        fc.constantFrom<FrontPort>('tls', 'http'),
        fc.constantFrom(1024, 40),
        (b, front, max) => {
          expectSame(front, b, max);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('requestRefusal (a later request on a keep-alive connection)', () => {
  it("refuses a complete head as the HTTP front's first read of it would", () => {
    for (const max of [32 * 1024, 1024])
      for (const s of SAMPLES) {
        const d = readHttpRequestHead(text(s));
        if (d.kind !== 'value') continue;
        const g = gateway('http', text(s), max);
        const r = requestRefusal(d.value, max);
        expect([s.slice(0, 60), r === undefined ? 'read' : r.reason]).toEqual([
          s.slice(0, 60),
          typeof g === 'string' ? g : g.reason,
        ]);
      }
  });
});

describe("an extra port's head (the `other` listener): the audit's reader answers as the gateway's front", () => {
  /** The gateway's answer and the front its first byte chose ('http' until one is in). */
  function gatewayExtra(b: Uint8Array, max: number): [Answer, string] {
    const f = extraPortFront(2101);
    const o = f.readHead(b, max);
    const a: Answer =
      o.kind === 'need'
        ? 'need'
        : o.kind === 'target' || o.reason === 'no-name'
          ? 'read'
          : { reason: o.reason };
    return [a, f.name];
  }

  /** The audit's FrontHeadReader on a captured connection: its SYN, then `b` in one segment. */
  function auditExtra(b: Uint8Array, max: number): [Answer, string] {
    const r = new FrontHeadReader('extra', max);
    r.push({ seq: 0, flags: 0x002, payload: new Uint8Array(0) });
    if (b.length > 0) r.push({ seq: 1, flags: 0x018, payload: b });
    const refused = r.refusal();
    const a: Answer = refused
      ? { reason: refused.reason }
      : r.request() !== undefined || r.hello() !== undefined
        ? 'read'
        : 'need';
    return [a, r.front ?? 'http'];
  }

  it('sample by sample, whole and at every cut: the same front chosen, the same answer', async () => {
    const hellos = [await realClientHello('files.test'), await realClientHello('')];
    // A TLS handshake record that is no ClientHello (a ServerHello's type): TLS by its first byte.
    const notHello = Uint8Array.from([0x16, 3, 3, 0, 4, 2, 0, 0, 0]);
    const samples = [...SAMPLES.map(text), ...hellos, notHello];
    const seen = new Set<string>();
    for (const max of [32 * 1024, 1024])
      for (const b of samples) {
        const step = b.length > 400 ? 997 : 1;
        for (let n = 1; n <= b.length; n = n === b.length ? n + 1 : Math.min(n + step, b.length)) {
          const cut = b.subarray(0, n);
          const g = gatewayExtra(cut, max);
          expect([Buffer.from(cut).toString('latin1').slice(0, 40), ...auditExtra(cut, max)]).toEqual([
            Buffer.from(cut).toString('latin1').slice(0, 40),
            ...g,
          ]);
          seen.add(`${g[1]} ${typeof g[0] === 'string' ? g[0] : g[0].reason}`);
        }
      }
    // Both fronts reached, each with its refusals (agreement is not agreement on little).
    for (const a of ['tls read', 'tls not-tls', 'http read', 'http bad-request', 'http header-too-large'])
      expect(seen).toContain(a);
  });
});

/**
 * The gateway core reading a head sent in pieces: every front (proxy, transparent TLS and HTTP,
 * an extra port's) answers with its connection's progress exactly as it answers on all the bytes
 * so far read whole (the old reading, kept as the oracle), for every way of cutting the stream;
 * and a head trickled one byte per TCP segment costs time linear in its length (a hostile app
 * on the tablet sending a 32 kB head byte by byte cost the old core O(n²) per connection).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import type { Front } from '../../src/gateway/core/front.js';
import { PROXY_FRONT } from '../../src/gateway/core/proxy-head.js';
import { extraPortFront, HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand } from '../../src/gateway/core/types.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import { bytes, cuttings, inRecords, LARGE_STREAMS, paddedHello, STREAMS } from '../net/app/head-inputs.js';
import { realClientHello } from './client-hello.js';
import { policyWith, T0 } from './playbook.js';

const ALLOW = [{ host: 'files.example', ports: [443, 80, 8080, 2101] }, { host: 'example.com' }];
const FRONTS: Record<string, () => Front> = {
  proxy: () => PROXY_FRONT,
  tls: () => TLS_FRONT,
  http: () => HTTP_FRONT,
  'extra port': () => extraPortFront(2101),
};

function connection(policy: Policy, front: Front): ProxyConnection {
  return new ProxyConnection('c1', '10.0.0.2:50000', T0, {
    gate: new EgressGate(policy, { windows: [] }),
    mode: () => policy.network.mode,
    maxHeaderBytes: policy.gateway.maxHeaderBytes,
    front,
  });
}

/** The front as the old core used it: every byte so far read whole, nothing kept between pieces. */
const wholeReading = (front: Front, check: (buf: Uint8Array) => void): Front => ({
  get name() {
    return front.name;
  },
  readHead: (buf, max) => {
    check(buf);
    return front.readHead(buf, max);
  },
  refusal: (status, reason, detail) => front.refusal(status, reason, detail),
});

const streams: Record<string, Uint8Array> = { ...STREAMS };
beforeAll(async () => {
  streams['a real ClientHello (Node OpenSSL)'] = await realClientHello('files.example');
  streams['a real ClientHello re-framed in 1-byte records'] = inRecords(
    (await realClientHello('files.example')).subarray(5),
    1,
  );
});

describe('fronts read a head in pieces as they read it whole', () => {
  for (const [frontName, make] of Object.entries(FRONTS)) {
    it(`${frontName}: every stream, every cutting, the same commands at every piece`, () => {
      const all = { ...streams, ...LARGE_STREAMS };
      for (const [name, stream] of Object.entries(all)) {
        for (const max of [64, 4096, 32768]) {
          const policy = policyWith({ mode: 'one-way', allow: ALLOW }, max);
          const cuts = cuttings(stream.length).filter((c) => c.length <= 5000 || stream.length <= 6000);
          for (const ends of cuts) {
            const piecewise = connection(policy, make());
            let seen = 0;
            const whole = connection(
              policy,
              wholeReading(make(), (buf) => {
                // The core gathers the pieces into exactly the stream's first bytes.
                expect(Buffer.compare(buf, stream.subarray(0, buf.length))).toBe(0);
                seen = buf.length;
              }),
            );
            let from = 0;
            for (const end of ends) {
              const e = { type: 'client-data' as const, data: stream.slice(from, end) };
              const got: ProxyCommand[] = piecewise.handle(e, T0 + end);
              expect(got, `${name}, max ${max}, at ${end}`).toEqual(whole.handle(e, T0 + end));
              from = end;
              if (piecewise.phase !== 'head') break;
              expect(seen).toBe(end);
            }
          }
        }
      }
    });
  }
});

describe('the core fed a head one byte per segment does not go quadratic', () => {
  /** New code: 40-190 ms each; the old: 4.5-20 s. Room for a loaded CI machine. */
  const BOUND_MS = 2000;
  /** A policy's gateway.maxHeaderBytes near the HTTP decoder's 64 kB limit (the default is 32768). */
  const MAX = 60_000;

  function trickle(front: Front, stream: Uint8Array): { ms: number; at: number; cmds: ProxyCommand[] } {
    const c = connection(policyWith({ mode: 'one-way', allow: ALLOW }, MAX), front);
    const t0 = performance.now();
    for (let at = 0; at < stream.length; at++) {
      const cmds = c.handle({ type: 'client-data', data: stream.subarray(at, at + 1) }, T0);
      if (cmds.length > 0) return { ms: performance.now() - t0, at, cmds };
    }
    return { ms: performance.now() - t0, at: stream.length, cmds: [] };
  }

  const endless = (line: string) => bytes(`${line}\r\nHost: files.example\r\nX-A: ${'a'.repeat(70_000)}`);

  it('proxy front: a 60 kB head without its end, refused as too large', () => {
    const { ms, at, cmds } = trickle(PROXY_FRONT, endless('GET http://files.example/ HTTP/1.1'));
    expect(at).toBe(MAX);
    expect(cmds.map((c) => c.type)).toEqual(['send-to-client', 'log', 'close']);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('transparent http front: the same', () => {
    const { ms, at } = trickle(HTTP_FRONT, endless('GET / HTTP/1.1'));
    expect(at).toBe(MAX);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('transparent tls front: a ClientHello in 1-byte TLS records (50 kB)', () => {
    const stream = inRecords(paddedHello(8000), 1);
    const { ms, at, cmds } = trickle(TLS_FRONT, stream);
    expect(at).toBe(stream.length - 1);
    expect(cmds).toEqual([{ type: 'resolve', host: 'example.com' }]);
    expect(ms).toBeLessThan(BOUND_MS);
  });
});

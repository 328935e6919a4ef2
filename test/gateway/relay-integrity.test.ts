/**
 * Bytes through the relay arrive intact when the client reads slowly: the shell reads upstream
 * sockets into a reused buffer (io/upstream-reader.ts), and a write queued behind a slow client
 * must keep its bytes. A random blob through a CONNECT tunnel and through an absolute-URI
 * request, the client pausing often; checked with SHA-256 against the blob.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AddressInfo, connect, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { policyWith } from './playbook.js';
import { startTestProxy } from './proxy-fixture.js';

const BLOB = randomBytes(10 * 1024 * 1024 + 7);
const PIECE = 1500;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function setup(): Promise<{ proxyPort: number; upPort: number }> {
  // Answers every request head with the blob (Content-Length), then waits for the next.
  const up = createServer({ noDelay: true }, (s) => {
    let buf = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BLOB.length}\r\n\r\n`);
        // Small pieces, one per turn: the proxy reads small chunks, whose writes can queue
        // without reaching the high-water mark that would pause the upstream.
        let at = 0;
        const next = () => {
          if (at >= BLOB.length) return;
          s.write(BLOB.subarray(at, at + PIECE));
          at += PIECE;
          setImmediate(next);
        };
        next();
      }
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  closers.push(() => up.close());
  const policy = policyWith({ mode: 'monitor', allowedPrivateCidrs: ['127.0.0.0/8'] });
  const { port, proxy } = await startTestProxy({
    policy,
    resolveTo: '127.0.0.1',
    limits: { maxConnections: 10, maxConnectionsPerClient: 10, idleTimeoutMs: 10_000 },
  });
  closers.push(() => proxy.close());
  return { proxyPort: port, upPort: (up.address() as AddressInfo).port };
}

/**
 * Sends the heads one after the other (the next once the previous answer is in) and reads each
 * answer: a CONNECT's 200 head, or a head and `bytes` of body. Stops reading for a while first,
 * then pauses often: the proxy's writes to it queue up.
 */
function slowRead(proxyPort: number, heads: string[], bytes: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = connect(proxyPort, '127.0.0.1');
    const bodies: Buffer[] = [];
    let head = Buffer.alloc(0);
    let body: Buffer[] | undefined;
    let got = 0;
    let reads = 0;
    s.on('error', reject);
    s.once('connect', () => s.write(heads.shift()!));
    const onBytes = (d: Buffer): void => {
      if (body) {
        const n = Math.min(bytes - got, d.length);
        body.push(d.subarray(0, n));
        got += n;
        if (got < bytes) return;
        bodies.push(Buffer.concat(body));
        body = undefined;
        if (heads.length === 0) {
          s.destroy();
          resolve(bodies);
          return;
        }
        s.write(heads.shift()!);
        if (n < d.length) onBytes(d.subarray(n));
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const rest = head.subarray(end + 4);
      const connected = head.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 200 Connection');
      head = Buffer.alloc(0);
      if (connected) s.write(heads.shift()!);
      else {
        body = [];
        got = 0;
      }
      if (rest.length > 0) onBytes(rest);
    };
    s.on('data', (d: Buffer) => {
      onBytes(d);
      if (++reads % 16 === 1) {
        s.pause();
        setTimeout(() => s.resume(), reads === 1 ? 500 : 20);
      }
    });
  });
}

describe('relay integrity with a slow reader', () => {
  it('a CONNECT tunnel and two keep-alive requests deliver the blob byte for byte', async () => {
    const { proxyPort, upPort } = await setup();
    const target = `127.0.0.1:${upPort}`;
    const viaTunnel = await slowRead(
      proxyPort,
      [`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, `GET / HTTP/1.1\r\nHost: ${target}\r\n\r\n`],
      BLOB.length,
    );
    const get = `GET http://${target}/ HTTP/1.1\r\nHost: ${target}\r\n\r\n`;
    const viaRequests = await slowRead(proxyPort, [get, get], BLOB.length);
    expect([...viaTunnel, ...viaRequests].map(sha)).toEqual([sha(BLOB), sha(BLOB), sha(BLOB)]);
  }, 60_000);
});

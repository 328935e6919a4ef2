/**
 * Every listener shares one egress gate, keyed by connection id: a connection on the transparent
 * HTTP listener must never touch the budget of one on the proxy port (QA: the two listeners'
 * first connections were both `c1`; a refusal on one cut the other's tunnel, and one's bytes were
 * charged to the other's budget). Real sockets, an upstream counting what it receives.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/gateway.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { policyWith } from './playbook.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-ids-'));
let upstream: Server;
let port = 0;
/** Bytes each upstream connection received, in the order they closed. */
const received: number[] = [];

beforeAll(async () => {
  upstream = createServer((s) => {
    let n = 0;
    s.on('data', (d) => {
      n += d.length;
    });
    s.on('close', () => received.push(n));
    s.on('error', () => {});
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  port = (upstream.address() as { port: number }).port;
});
afterAll(() => {
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(at: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(at, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything a socket says until it ends. */
function answer(s: Socket): Promise<string> {
  let out = '';
  s.on('data', (d) => {
    out += d.toString('latin1');
  });
  return new Promise((r) => s.on('close', () => r(out)));
}

it('a refusal or a big budget on the transparent HTTP listener leaves a proxy tunnel as it was', async () => {
  const policy = policyWith({
    mode: 'one-way',
    allow: [
      { host: 'files.example', ports: [port], budget: { upstreamBytesPerConnection: 2000 } },
      { host: 'big.example', ports: [port], budget: { upstreamBytesPerConnection: 1_000_000 } },
    ],
    allowedPrivateCidrs: ['127.0.0.0/8'],
  });
  policy.gateway.transparent = { tls: null, http: '127.0.0.1:0', other: null };
  const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(9) });
  let gw: RunningGateway | undefined;
  try {
    gw = await startLoopbackGateway(policy, store, join(dir, 'anchor'), {
      resolve: async () => ['127.0.0.1'],
      transparentHttp: '127.0.0.1:0',
    });
    const http = gw.transparent.http?.port as number;

    // The proxy's first connection: a tunnel to files.example, 2,000 bytes a connection.
    const a = await open(gw.proxy.port);
    const aSaid = answer(a);
    a.write(`CONNECT files.example:${port} HTTP/1.1\r\n\r\n`);
    await sleep(200);
    a.write('first');
    // The HTTP listener's first connection: refused (no such name on the allowlist), then closed.
    const b = await open(http);
    const bSaid = answer(b);
    b.write('GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n');
    expect(await bSaid).toMatch(/^HTTP\/1\.1 403 /);
    // Its second: a held-open upload to big.example, whose budget is a megabyte.
    const c = await open(http);
    c.write(`POST / HTTP/1.1\r\nHost: big.example:${port}\r\nContent-Length: 100000\r\n\r\n`);
    await sleep(200);
    // The tunnel goes on, and is cut at its own 2,000 bytes, not big.example's megabyte.
    a.write('second');
    for (let i = 0; i < 10; i++) {
      a.write(Buffer.alloc(500, 0x61));
      await sleep(10);
    }
    await sleep(300);
    c.destroy();
    a.destroy();
    await aSaid;
    await sleep(300);
    await gw.flushLog();
    const rows = (await store.logRows()).flatMap((r) => (r.row.kind === 'connection' ? [r.row] : []));
    const tunnel = rows.find((r) => r.destination === 'files.example');
    expect(tunnel).toMatchObject({ verdict: 'allow', bytesUp: 2000, cut: 'connection-budget' });
    expect(rows.filter((r) => r.cut === 'unknown-connection')).toEqual([]);
    // Of the tunnel's bytes the upstream got exactly the budget: 'first', 'second' and the rest up to 2,000.
    expect(received).toContain(2000);
  } finally {
    await gw?.close();
    await store.close();
  }
});

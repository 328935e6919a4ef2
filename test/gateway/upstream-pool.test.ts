/**
 * The pool of idle upstream connections, with real sockets: the proxy shell (ProxyServer) in this
 * process, raw TCP upstreams that count their connections and record what each one received, and
 * a raw keep-alive client. Names resolve through a table.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ProxyServer } from '../../src/gateway/io/proxy-server.js';
import { UpstreamPool } from '../../src/gateway/io/upstream-pool.js';
import { readingInto } from '../../src/gateway/io/upstream-reader.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { policyWith } from './playbook.js';
import { startTestProxy } from './proxy-fixture.js';

/** a.test and b.test on the test upstreams' `ports` (an entry allows 443 and 80 unless it lists its own). */
const policyFor = (ports: number[]) =>
  policyWith({
    mode: 'one-way',
    allow: [
      { host: 'a.test', ports },
      { host: 'b.test', ports },
    ],
    allowedPrivateCidrs: ['127.0.0.0/8'],
  });

interface Upstream {
  server: Server;
  port: number;
  /** Request heads received, per upstream connection (in connection order). */
  conns: string[][];
}

/** An HTTP/1.1 upstream answering each request head with `answer(n)` (n: request index on its connection). */
async function upstream(answer: (sock: Socket, n: number) => void = ok): Promise<Upstream> {
  const conns: string[][] = [];
  const server = createServer((s) => {
    const heads: string[] = [];
    conns.push(heads);
    let buf = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        heads.push(buf.slice(0, end));
        buf = buf.slice(end + 4);
        answer(s, heads.length - 1);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, conns };
}
function ok(s: Socket): void {
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
}

const rows: ConnectionLogRow[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  rows.length = 0;
});
afterAll(async () => {
  for (const c of closers.splice(0)) await c();
});

async function proxy(...upstreamPorts: number[]): Promise<{ port: number; server: ProxyServer }> {
  const { port, proxy: server } = await startTestProxy({
    policy: policyFor(upstreamPorts),
    resolveTo: '127.0.0.1',
    limits: { idleTimeoutMs: 10_000 },
    onLog: (r) => rows.push(r),
  });
  closers.push(() => server.close());
  return { port, server };
}

/** A keep-alive client: one request at a time, each response read to its Content-Length. */
async function client(port: number): Promise<(req: string) => Promise<string>> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  closers.push(() => s.destroy());
  await new Promise((r) => s.once('connect', r));
  let buf = '';
  let waiting: (() => void) | undefined;
  s.on('data', (d) => {
    buf += d.toString('latin1');
    waiting?.();
  });
  s.on('close', () => waiting?.());
  return (req) =>
    new Promise((resolve) => {
      const check = () => {
        const end = buf.indexOf('\r\n\r\n');
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if ((end >= 0 && buf.length >= end + 4 + len) || s.destroyed) {
          const res = end >= 0 ? buf.slice(0, end + 4 + len) : buf;
          buf = buf.slice(res.length);
          waiting = undefined;
          resolve(res);
        }
      };
      waiting = check;
      s.write(req);
    });
}

const GET = (host: string, port: number, path = '/') =>
  `GET http://${host}:${port}${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;

describe('upstream connection pool (real sockets)', () => {
  it('keep-alive requests to one destination share one upstream connection, each judged and logged', async () => {
    const u = await upstream();
    closers.push(() => u.server.close());
    const { port, server } = await proxy(u.port);
    const send = await client(port);
    for (const path of ['/1', '/2', '/3']) expect(await send(GET('a.test', u.port, path))).toMatch(/ok$/);
    expect(u.conns.map((c) => c.length)).toEqual([3]);
    expect(server.pool.reused).toBe(2);
    expect(rows.map((r) => [r.destination, r.verdict])).toEqual([
      ['a.test', 'allow'],
      ['a.test', 'allow'],
      ['a.test', 'allow'],
    ]);
  });

  it('a pooled connection is never used for another destination (name or port)', async () => {
    const u1 = await upstream();
    const u2 = await upstream();
    closers.push(
      () => u1.server.close(),
      () => u2.server.close(),
    );
    const { port } = await proxy(u1.port, u2.port);
    const send = await client(port);
    // Same address and port, another name: its own connection. Another port: its own server.
    for (const [host, p] of [
      ['a.test', u1.port],
      ['b.test', u1.port],
      ['a.test', u2.port],
      ['a.test', u1.port],
      ['b.test', u1.port],
    ] as const)
      expect(await send(GET(host, p))).toMatch(/ok$/);
    const hosts = (u: Upstream) => u.conns.map((c) => c.map((h) => /\r\nHost: ([^\r]+)/.exec(h)?.[1]));
    expect(hosts(u1)).toEqual([
      [`a.test:${u1.port}`, `a.test:${u1.port}`],
      [`b.test:${u1.port}`, `b.test:${u1.port}`],
    ]);
    expect(hosts(u2)).toEqual([[`a.test:${u2.port}`]]);
  });

  it('a request refused by the gate never touches a pooled connection', async () => {
    const u = await upstream();
    closers.push(() => u.server.close());
    const { port, server } = await proxy(u.port);
    const send = await client(port);
    await send(GET('a.test', u.port));
    expect(server.pool.idle).toBe(1);
    const other = await client(port);
    expect(await other(GET('c.test', u.port))).toMatch(
      /^HTTP\/1\.1 403[\s\S]*X-Airlock-Reason: not-allowlisted/,
    );
    expect(server.pool.idle).toBe(1);
    expect(u.conns.flat()).toHaveLength(1);
  });

  it('an idle pooled connection closed by the upstream is dropped; the next request opens a new one', async () => {
    const u = await upstream((s) => {
      ok(s);
      setTimeout(() => s.end(), 20);
    });
    closers.push(() => u.server.close());
    const { port, server } = await proxy(u.port);
    const send = await client(port);
    await send(GET('a.test', u.port));
    await new Promise((r) => setTimeout(r, 200));
    expect(server.pool.idle).toBe(0);
    expect(await send(GET('a.test', u.port, '/again'))).toMatch(/ok$/);
    expect(u.conns.map((c) => c.length)).toEqual([1, 1]);
  });

  it('a pooled connection the upstream closes as it is reused: the request is sent again on a new one', async () => {
    // The upstream answers the first request of a connection and drops the connection on the
    // second without a word (a keep-alive timeout racing the next request).
    const u = await upstream((s, n) => (n === 0 ? ok(s) : s.destroy()));
    closers.push(() => u.server.close());
    const { port, server } = await proxy(u.port);
    const send = await client(port);
    await send(GET('a.test', u.port));
    expect(await send(GET('a.test', u.port, '/retried'))).toMatch(/^HTTP\/1\.1 200[\s\S]*ok$/);
    expect(server.pool.reused).toBe(1);
    expect(u.conns.map((c) => c.map((h) => h.split(' ')[1]))).toEqual([['/', '/retried'], ['/retried']]);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ verdict: 'allow', bytesDown: expect.any(Number) });
  });
});

describe('an exchange that ends before its answer, on a pooled connection', () => {
  /** A raw client: the first request answered, then `second` sent and `end` done to the socket before any answer. */
  async function abandon(port: number, upPort: number, second: string, end: (s: Socket) => void) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    closers.push(() => s.destroy());
    let got = '';
    await new Promise<void>((r) => {
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.endsWith('ok')) r();
      });
      s.write(GET('a.test', upPort));
    });
    s.write(second);
    await new Promise((r) => setTimeout(r, 50));
    end(s);
    await new Promise((r) => setTimeout(r, 300));
  }
  const silentAfterFirst = (s: Socket, n: number) => (n === 0 ? ok(s) : undefined);

  for (const [how, end] of [
    ['closes', (s: Socket) => s.destroy()],
    ['resets', (s: Socket) => s.resetAndDestroy()],
  ] as const)
    it(`the client ${how} before the answer: the request is not sent again on a new upstream connection`, async () => {
      const u = await upstream(silentAfterFirst);
      closers.push(() => u.server.close());
      const { port } = await proxy(u.port);
      await abandon(port, u.port, GET('a.test', u.port, '/abandoned'), end);
      expect(u.conns.map((c) => c.map((h) => h.split(' ')[1]))).toEqual([['/', '/abandoned']]);
      expect(rows).toHaveLength(2);
    });

  it('a request cut at its budget is not sent again: the upstream gets the budget once', async () => {
    const got: Buffer[][] = [];
    const server = createServer((s) => {
      const mine: Buffer[] = [];
      got.push(mine);
      s.on('error', () => {});
      s.on('data', (d) => {
        mine.push(d);
        if (got.length === 1 && Buffer.concat(mine).includes('\r\n\r\n') && mine.length === 1) ok(s);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const upPort = (server.address() as AddressInfo).port;
    const budget = 2000;
    const policy = policyWith({
      mode: 'one-way',
      allow: [{ host: 'a.test', ports: [upPort], budget: { upstreamBytesPerConnection: budget } }],
      allowedPrivateCidrs: ['127.0.0.0/8'],
    });
    const { port, proxy: p } = await startTestProxy({
      policy,
      resolveTo: '127.0.0.1',
      limits: { idleTimeoutMs: 10_000 },
      onLog: (r) => rows.push(r),
    });
    closers.push(() => p.close());
    const big = `GET http://a.test:${upPort}/big HTTP/1.1\r\nHost: a.test:${upPort}\r\nX-Pad: ${'p'.repeat(2500)}\r\n\r\n`;
    await abandon(port, upPort, big, () => {});
    expect(rows[1]).toMatchObject({ verdict: 'allow', cut: 'connection-budget' });
    // What each upstream connection received of the second request: the budget, on one of them.
    const second = got.map((c) => Buffer.concat(c).toString('latin1')).join('');
    expect(second.split('GET /big').length - 1).toBe(1);
    expect(got).toHaveLength(1);
  });
});

describe('UpstreamPool on its own (a clock of the test)', () => {
  /** A connected socket made the way the proxy makes upstream sockets (with its reader). */
  async function pooledSocket(port: number): Promise<Socket> {
    const read = readingInto();
    const s = connect({ host: '127.0.0.1', port, onread: read.onread });
    read.register(s);
    await new Promise((r) => s.once('connect', r));
    return s;
  }

  it('a connection idle past idleMs is never handed out again, and the sweep closes it', async () => {
    const server = createServer((c) => c.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    let now = 1_000_000;
    const pool = new UpstreamPool({ idleMs: 400, maxIdlePerKey: 4, maxIdle: 8 }, () => now);
    try {
      const a = await pooledSocket(port);
      pool.give('k', a);
      now += 399;
      expect(pool.take('k')).toBe(a); // just inside idleMs
      pool.give('k', a);
      now += 400;
      expect(pool.take('k')).toBeUndefined(); // stale: destroyed, not handed out
      expect(a.destroyed).toBe(true);
      expect(pool.idle).toBe(0);

      const b = await pooledSocket(port);
      pool.give('k', b);
      now += 401;
      // The sweep runs every idleMs / 4 of real time and reads the test's clock.
      await new Promise((r) => setTimeout(r, 250));
      expect(b.destroyed).toBe(true);
      expect(pool.idle).toBe(0);
    } finally {
      pool.close();
      server.close();
    }
  });

  it('an idle connection the upstream ends is dropped at once', async () => {
    const peers: Socket[] = [];
    const server = createServer((c) => {
      c.on('error', () => {});
      peers.push(c);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const pool = new UpstreamPool({ idleMs: 60_000, maxIdlePerKey: 4, maxIdle: 8 });
    try {
      const a = await pooledSocket((server.address() as AddressInfo).port);
      pool.give('k', a);
      expect(pool.idle).toBe(1);
      while (peers.length === 0) await new Promise((r) => setTimeout(r, 5));
      peers[0]!.end();
      await new Promise((r) => a.once('close', r));
      expect(pool.idle).toBe(0);
      expect(pool.take('k')).toBeUndefined();
    } finally {
      pool.close();
      server.close();
    }
  });
});

/**
 * Framing defects through real sockets (ProxyServer on loopback, a raw upstream): a smuggled
 * request cannot poison the upstream pool for another client, a response with ambiguous framing
 * is never pooled, a 101 does not hang the client, and a keep-alive connection's second head is
 * bounded by the handshake timeout, not the idle one.
 */
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyServer } from '../../src/gateway/io/proxy-server.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { policyWith } from './playbook.js';
import { startTestProxy } from './proxy-fixture.js';

/**
 * A keep-alive upstream that frames every request by its head alone (as one that reads the last
 * of two Content-Lengths, 0, would): each request line it sees is answered, in order, 60 ms apart,
 * so a smuggled request's answer arrives after the first one's.
 */
let upstream: Server;
let upPort = 0;
const seen: string[] = [];
/** Answers by path; default: 200 'resp-for PATH' with a Content-Length. */
const special: Record<string, string> = {
  '/bad-length': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\nok',
  '/ws': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
};

let proxy: ProxyServer;
let proxyPort = 0;
const rows: ConnectionLogRow[] = [];
const clients: Socket[] = [];

beforeAll(async () => {
  upstream = createServer((s) => {
    s.on('error', () => {});
    let k = 0;
    s.on('data', (d) => {
      for (const m of d.toString('latin1').matchAll(/^[A-Z]+ (\/\S*) HTTP\/1\.\d\r\n/gm)) {
        const path = m[1]!;
        seen.push(path);
        const text = `resp-for ${path}`;
        const resp = special[path] ?? `HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`;
        setTimeout(() => s.writable && s.write(resp), 60 * k++);
      }
    });
  });
  await new Promise<void>((res) => upstream.listen(0, '127.0.0.1', res));
  upPort = (upstream.address() as AddressInfo).port;
  const policy = policyWith({
    mode: 'one-way',
    allow: [{ host: 'files.test', ports: [upPort] }],
    allowedPrivateCidrs: ['127.0.0.0/8'],
  });
  const p = await startTestProxy({
    policy,
    resolveTo: '127.0.0.1',
    limits: { handshakeTimeoutMs: 300 },
    onLog: (r) => rows.push(r),
  });
  proxy = p.proxy;
  proxyPort = p.port;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((res) => upstream.close(() => res()));
});

/** A client connection with what it received so far and a promise of its close. */
function client(): { sock: Socket; got: () => string; closed: Promise<number> } {
  const sock = netConnect(proxyPort, '127.0.0.1');
  clients.push(sock);
  const parts: Buffer[] = [];
  const t0 = Date.now();
  sock.on('data', (d) => parts.push(d));
  sock.on('error', () => {});
  const closed = new Promise<number>((res) => sock.on('close', () => res(Date.now() - t0)));
  return { sock, got: () => Buffer.concat(parts).toString('latin1'), closed };
}

async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const url = (path: string) => `http://files.test:${upPort}${path}`;
const GET = (path: string) => `GET ${url(path)} HTTP/1.1\r\nHost: files.test:${upPort}\r\n\r\n`;

describe('framing through sockets', () => {
  it('a request with two Content-Lengths is refused: the next client on a pooled upstream gets its own response', async () => {
    const smuggled = `GET /smuggled HTTP/1.1\r\nHost: files.test\r\n\r\n`;
    const a = client();
    a.sock.write(
      `POST ${url('/a')} HTTP/1.1\r\nHost: files.test:${upPort}\r\nContent-Length: ${smuggled.length}\r\n` +
        `Content-Length: 0\r\n\r\n${smuggled}`,
    );
    await until(() => /\r\n\r\n(resp-for|airlock)/.test(a.got()));
    expect(a.got()).toMatch(/^HTTP\/1.1 400 .*X-Airlock-Reason: bad-framing\r\n/s);
    // Another client right away: a pooled connection carrying the smuggled answer would serve it.
    const b = client();
    b.sock.write(GET('/second'));
    await until(() => b.got().includes('resp-for') || b.got().includes('airlock'));
    await new Promise((r) => setTimeout(r, 150));
    expect(b.got()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\nresp-for /second');
    expect(seen).not.toContain('/smuggled');
    expect(rows).toContainEqual(expect.objectContaining({ verdict: 'block', reason: 'bad-framing' }));
  });

  it('a response with differing Content-Lengths: 502, its upstream connection is not pooled', async () => {
    const idleBefore = proxy.pool.idle;
    const a = client();
    a.sock.write(GET('/bad-length'));
    await a.closed;
    expect(a.got()).toMatch(/^HTTP\/1.1 502 .*X-Airlock-Reason: bad-response\r\n/s);
    expect(proxy.pool.idle).toBeLessThanOrEqual(idleBefore);
    const b = client();
    b.sock.write(GET('/after'));
    await until(() => b.got().endsWith('resp-for /after'));
  });

  it('an upstream answering 101 gets the client a 502 at once, not a connection left hanging', async () => {
    const a = client();
    a.sock.write(
      `GET ${url('/ws')} HTTP/1.1\r\nHost: files.test:${upPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    );
    expect(await a.closed).toBeLessThan(2000);
    expect(a.got()).toMatch(/^HTTP\/1.1 502 .*X-Airlock-Reason: protocol-switch\r\n/s);
    expect(rows).toContainEqual(expect.objectContaining({ verdict: 'allow', cut: 'protocol-switch' }));
  });

  it('slowloris on keep-alive: a second head trickled byte by byte is cut at the handshake timeout', async () => {
    const a = client();
    a.sock.write(GET('/one'));
    await until(() => a.got().endsWith('resp-for /one'));
    const second = GET('/two');
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < second.length && a.sock.writable) a.sock.write(second[sent++]!);
    }, 50);
    const ms = await Promise.race([a.closed, new Promise<number>((r) => setTimeout(() => r(-1), 2500))]);
    clearInterval(trickle);
    // 300 ms of head timeout (the idle timeout is 30 s and every byte refreshes it).
    expect(ms).toBeGreaterThan(0);
    expect(sent).toBeLessThan(second.length);
    expect(a.got()).toMatch(/HTTP\/1.1 408 .*X-Airlock-Reason: handshake-timeout\r\n/s);
  });
});

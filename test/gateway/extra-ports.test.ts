/**
 * The listener for the allowlist's extra ports (gateway.transparent.other), below the namespace
 * box of netns.test.ts:
 *  - conntrack's original port as the addon reads it (SO_ORIGINAL_DST, IP6T_SO_ORIGINAL_DST),
 *    in a namespace of its own with an nftables `redirect` of the box's kind (loopback traffic,
 *    so the output hook), against connections that were not redirected;
 *  - the I/O shell: the connection goes to the NAME on the port read, and one whose port cannot
 *    be read is refused and logged, the client told nothing (fail closed).
 * Needs root and nftables for the first part, as netns.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extraPortFront } from '../../src/gateway/core/transparent-head.js';
import { type ExtraPortFronts, ProxyServer } from '../../src/gateway/io/proxy-server.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { ensureBuilt } from '../cli/built.js';
import { ROOT } from '../helpers/corpus.js';
import { requireNetns } from './netns/box.js';
import { policyWith } from './playbook.js';

const IP = '/usr/sbin/ip';

/**
 * Runs in the namespace: listeners on 9000 (127.0.0.1, ::1) and 9001 (dual-stack '::'), one
 * connection to each `host:port` given, and the original port (or why not) of each accepted socket.
 */
const READER = `
import { createServer, connect } from 'node:net';
const { originalPort } = await import(${JSON.stringify(join(ROOT, 'dist/native/original-dst.js'))});
const listen = (host, port) => new Promise((res) => { const s = createServer(); s.listen(port, host, () => res(s)); });
const servers = [await listen('127.0.0.1', 9000), await listen('::1', 9000), await listen('::', 9001)];
const out = {};
for (const target of process.argv.slice(1)) {
  const i = target.lastIndexOf(':');
  const accepted = new Promise((res) => servers.forEach((s) => s.once('connection', res)));
  const c = connect({ host: target.slice(0, i).replace(/^\\[|\\]$/g, ''), port: Number(target.slice(i + 1)) });
  c.on('error', (e) => { out[target] = { error: 'connect: ' + e.code }; });
  const sock = await Promise.race([accepted, new Promise((res) => setTimeout(res, 3000))]);
  if (sock) { out[target] = originalPort(sock); sock.destroy(); }
  c.destroy();
  for (const s of servers) s.removeAllListeners('connection');
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

describe('the original port from conntrack (native addon)', () => {
  const ns = `alorig${process.pid % 100000}${randomBytes(2).toString('hex')}`;
  const inNs = (cmd: string, args: string[], input?: string): string =>
    execFileSync(IP, ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
    }).toString();
  const read = (...targets: string[]): Record<string, { port?: number; error?: string }> =>
    JSON.parse(inNs(process.execPath, ['--input-type=module', '-e', READER, ...targets]));

  beforeAll(() => {
    requireNetns();
    ensureBuilt();
    execFileSync(IP, ['netns', 'add', ns]);
    inNs(IP, ['link', 'set', 'lo', 'up']);
  }, 60_000);
  afterAll(() => {
    try {
      execFileSync(IP, ['netns', 'del', ns], { stdio: 'pipe' });
    } catch {}
  });

  it('a connection nothing redirected has no original port to read (refused by the listener)', () => {
    const r = read('127.0.0.1:9000');
    expect(r['127.0.0.1:9000']?.port).toBeUndefined();
    expect(r['127.0.0.1:9000']?.error).toMatch(/^ENOENT: conntrack has no redirect|^ENOPROTOOPT/);
  });

  it('a redirected connection gives the port it was aimed at: IPv4, IPv6, and IPv4 on a dual-stack listener', () => {
    inNs(
      '/usr/sbin/nft',
      ['-f', '-'],
      `table inet t {
  chain out {
    type nat hook output priority -100; policy accept;
    tcp dport { 2101, 5443 } redirect to :9000
    tcp dport 2102 redirect to :9001
  }
}
`,
    );
    const r = read('127.0.0.1:2101', '[::1]:5443', '127.0.0.1:2102', '127.0.0.1:9000');
    expect(r).toEqual({
      '127.0.0.1:2101': { port: 2101 },
      '[::1]:5443': { port: 5443 },
      '127.0.0.1:2102': { port: 2102 },
      // Tracked but not redirected: the port it was aimed at is the listener's own.
      '127.0.0.1:9000': { port: 9000 },
    });
  });
});

describe('the extra-port listener (I/O shell)', () => {
  let upstream: Server;
  let upPort: number;
  let listener: ProxyServer | undefined;
  const rows: ConnectionLogRow[] = [];
  const said: string[] = [];
  /** The request head the upstream got, per connection. */
  const got: string[] = [];

  beforeAll(async () => {
    upstream = createServer((s) => {
      s.once('data', (d: Buffer) => {
        got.push(d.toString('latin1'));
        s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nICY!\n');
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upPort = (upstream.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await listener?.close();
    upstream.close();
  });

  async function start(originalPort: ExtraPortFronts['originalPort']): Promise<number> {
    await listener?.close();
    rows.length = 0;
    said.length = 0;
    const policy = policyWith({
      mode: 'one-way',
      allow: [{ host: 'rtk.example', ports: [upPort] }],
      allowedPrivateCidrs: ['127.0.0.0/8'],
    });
    const gate = new EgressGate(policy, { windows: [] });
    listener = new ProxyServer({
      listen: { host: '127.0.0.1', port: 0 },
      extraPorts: {
        front: extraPortFront,
        unreadable: (d) => said.push(d),
        ...(originalPort ? { originalPort } : {}),
      },
      context: () => ({ gate, mode: () => 'one-way', maxHeaderBytes: 8192 }),
      limits: () => ({
        maxConnections: 10,
        maxConnectionsPerClient: 10,
        idleTimeoutMs: 5000,
        handshakeTimeoutMs: 5000,
      }),
      resolve: () => ['127.0.0.1'],
      refuseAll: () => undefined,
      onLog: (r) => rows.push(r),
    });
    return (await listener.start()).port;
  }

  /** Sends `text`, returns everything the listener answered before closing. */
  async function exchange(port: number, text: string): Promise<string> {
    const c = connect({ host: '127.0.0.1', port });
    c.on('error', () => {});
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.write(text);
    await once(c, 'close');
    return Buffer.concat(chunks).toString('latin1');
  }

  it('connects to the NAME on the port read for the connection, not the listening port', async () => {
    const port = await start(() => ({ port: upPort }));
    expect(port).not.toBe(upPort);
    const head = `GET /MOUNT HTTP/1.1\r\nHost: rtk.example:${upPort}\r\nConnection: close\r\n\r\n`;
    expect(await exchange(port, head)).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*ICY!\n$/);
    expect(got.at(-1)).toMatch(new RegExp(`^GET /MOUNT HTTP/1\\.1\r\nHost: rtk\\.example:${upPort}\r\n`));
    await expect.poll(() => rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ name: 'rtk.example', port: upPort, verdict: 'allow', ip: '127.0.0.1' });
  });

  it('the same name on a port its entry does not list is refused port-not-allowed', async () => {
    const port = await start(() => ({ port: 2101 }));
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: rtk.example\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: port-not-allowed/);
    expect(rows).toEqual([expect.objectContaining({ reason: 'port-not-allowed', port: 2101 })]);
  });

  it('a connection whose port cannot be read is refused, logged, said, and told nothing', async () => {
    const before = got.length;
    const port = await start(() => ({ error: 'ENOENT: conntrack has no redirect for this connection' }));
    expect(await exchange(port, `GET / HTTP/1.1\r\nHost: rtk.example:${upPort}\r\n\r\n`)).toBe('');
    expect(rows).toEqual([
      expect.objectContaining({ verdict: 'block', reason: 'no-original-port', port: 0, bytesUp: 0 }),
    ]);
    expect(said).toEqual(['ENOENT: conntrack has no redirect for this connection']);
    expect(got.length).toBe(before);
  });
});

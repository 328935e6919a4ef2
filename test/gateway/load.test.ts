/**
 * The gateway under load, as users run it (node bin/airlock.js gateway, a child process): 9,000
 * concurrent CONNECT tunnels to a local upstream (another child: the hard file-descriptor limit
 * here is 20,000 per process, and each tunnel costs the gateway two), while /healthz answers and
 * a normal request goes through; maxConnections and maxConnectionsPerClient refuse the next ones
 * with 503 and a log row; then a slowloris (hundreds of sockets trickling a request head a byte a
 * second) is cut at the handshake timeout without starving anyone. Clients come from several
 * loopback addresses (127.0.0.2…) so the per-client limit can be reached without the global one.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { proxiedGet, type SpawnedGateway, spawnGateway } from './load-harness.js';

const TUNNELS_PER_CLIENT = 4500;
const CLIENTS = ['127.0.0.2', '127.0.0.3'];
const MAX_CONNECTIONS = TUNNELS_PER_CLIENT * CLIENTS.length + 1;
const SLOW_SOCKETS = 300;
const HANDSHAKE_S = 2;
const BATCH = 300;

const dir = mkdtempSync(join(tmpdir(), 'airlock-load-'));
const policyFile = join(dir, 'airlock.yaml');
let web: Server;
let gw: SpawnedGateway | undefined;
const echo = spawn(
  process.execPath,
  [
    '-e',
    `const s = require('node:net').createServer((c) => { c.on('error', () => {}); c.pipe(c); });
     s.maxConnections = 15000;
     s.listen(0, '127.0.0.1', 1024, () => console.log(s.address().port));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
afterAll(async () => {
  gw?.proc.kill('SIGKILL');
  echo.kill('SIGKILL');
  web?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a CONNECT tunnel from `from`; resolves with the socket and the gateway's status line. */
function tunnel(proxyPort: number, target: string, from: string): Promise<{ s: Socket; status: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: proxyPort, host: '127.0.0.1', localAddress: from });
    let head = '';
    s.on('error', reject);
    s.once('connect', () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      resolve({ s, status: head.slice(0, head.indexOf('\r\n')) });
    };
    s.on('data', onData);
    s.setTimeout(30_000, () => s.destroy(new Error('tunnel timed out')));
  });
}

function admin(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(`${res.statusCode}\n${body}`));
    }).on('error', reject);
  });
}
const healthz = async (port: number): Promise<number> =>
  Number((await admin(port, '/healthz')).split('\n')[0]);

async function rowsByReason(): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)('sqlite3', [
    join(dir, 'airlock.sqlite'),
    "SELECT json_extract(body,'$.reason'), count(*) FROM event_log GROUP BY 1",
  ]);
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|'))
      .map(([r, n]) => [r!, Number(n)]),
  );
}

describe('load and slow clients', () => {
  it('holds 9,000 tunnels, stays responsive, enforces both connection limits, and cuts a slowloris', async () => {
    const echoPort = await new Promise<number>((res) =>
      echo.stdout!.once('data', (d: Buffer) => res(Number(String(d).trim()))),
    );
    web = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
    writeFileSync(
      policyFile,
      `network:
  mode: monitor
  allowedPrivateCidrs: ['127.0.0.0/8']
gateway:
  maxConnections: ${MAX_CONNECTIONS}
  maxConnectionsPerClient: ${TUNNELS_PER_CLIENT}
  handshakeTimeoutSeconds: ${HANDSHAKE_S}
`,
    );
    gw = await spawnGateway(policyFile, dir);
    const target = `127.0.0.1:${echoPort}`;

    // 9,000 tunnels, opened a batch at a time so the listen backlog never overflows.
    const held: Socket[] = [];
    for (const from of CLIENTS) {
      for (let i = 0; i < TUNNELS_PER_CLIENT; i += BATCH) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(BATCH, TUNNELS_PER_CLIENT - i) }, () =>
            tunnel(gw!.proxyPort, target, from),
          ),
        );
        for (const t of batch) {
          expect(t.status).toMatch(/^HTTP\/1\.1 200/);
          held.push(t.s);
        }
      }
    }
    expect(held).toHaveLength(TUNNELS_PER_CLIENT * CLIENTS.length);
    // Every tunnel is live: the last one echoes through the upstream.
    const last = held[held.length - 1]!;
    const echoed = new Promise<string>((res) => last.once('data', (d: Buffer) => res(d.toString())));
    last.write('ping');
    expect(await echoed).toBe('ping');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))?.[1]);
    console.log(`load: ${held.length} tunnels held, gateway RSS ${(rssKb / 1024).toFixed(0)} MB`);

    expect(await healthz(gw.adminPort)).toBe(200);
    const normal = await proxiedGet(gw.proxyPort, webUrl, '127.0.0.4');
    expect([normal.status, normal.body]).toEqual([200, 'ok']);

    // The per-client limit: a 4,501st tunnel from 127.0.0.2 is refused.
    const perClient = await tunnel(gw.proxyPort, target, CLIENTS[0]!);
    expect(perClient.status).toMatch(/^HTTP\/1\.1 503/);
    perClient.s.destroy();
    // The global limit: 9,001 are allowed, the next from a fresh address is refused.
    const lastAllowed = await tunnel(gw.proxyPort, target, '127.0.0.5');
    expect(lastAllowed.status).toMatch(/^HTTP\/1\.1 200/);
    const global = await tunnel(gw.proxyPort, target, '127.0.0.6');
    expect(global.status).toMatch(/^HTTP\/1\.1 503/);
    global.s.destroy();
    lastAllowed.s.destroy();
    for (const s of held) s.destroy();
    held.length = 0;
    // Wait until the gateway has let go of the tunnels (its /metrics counts open connections).
    let open = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 300 && open > 0; i++) {
      open = Number(
        /^airlock_gateway_connections_active (\d+)/m.exec(await admin(gw.adminPort, '/metrics'))?.[1],
      );
      if (open > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(open).toBe(0);

    // Slowloris: each socket trickles a request head a byte a second and never finishes it.
    const head = Buffer.from(`GET ${webUrl} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(64)}\r\n`);
    const slow = Array.from({ length: SLOW_SOCKETS }, () => {
      const s = connect({ port: gw!.proxyPort, host: '127.0.0.1', localAddress: '127.0.0.7' });
      let answer = '';
      let sent = 0;
      s.on('error', () => {});
      s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const t = setInterval(() => {
        if (!s.destroyed && sent < head.length) s.write(head.subarray(sent, ++sent));
      }, 1000);
      return new Promise<{ answer: string; sent: number }>((res) =>
        s.on('close', () => {
          clearInterval(t);
          res({ answer, sent });
        }),
      );
    });
    // Others are served while the slow sockets hold their place.
    await new Promise((r) => setTimeout(r, 500));
    const during = await proxiedGet(gw.proxyPort, webUrl, '127.0.0.4');
    expect([during.status, during.body]).toEqual([200, 'ok']);
    expect(await healthz(gw.adminPort)).toBe(200);
    const cut = await Promise.all(slow);
    for (const c of cut) {
      expect(c.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(c.sent).toBeLessThan(head.length);
    }

    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    gw = undefined;
    const reasons = await rowsByReason();
    expect(reasons.get('connection-limit')).toBe(2);
    expect(reasons.get('handshake-timeout')).toBe(SLOW_SOCKETS);
    expect(reasons.get('monitor') ?? 0).toBeGreaterThanOrEqual(TUNNELS_PER_CLIENT * CLIENTS.length + 1);
  }, 240_000);
});

/**
 * The gateway on loopback with real clients (Debian's curl; Node's http/tls clients — Node 20's
 * fetch has no proxy agent without the undici package, which is not installed) against real
 * HTTP and HTTPS servers started here with a self-signed certificate made by Debian's openssl.
 *
 * The private-destination protection stays ON: the test "internet" is 127.0.0.1, reachable only
 * because the policy lists 127.0.0.0/8 in allowedPrivateCidrs (198.18.0.0/15 would need a network
 * namespace). Test names resolve through an injected table, never the system resolver. The test
 * servers listen on random ports, so each allowlist entry lists its server's (an entry allows 443
 * and 80 unless it lists its own); the unlock window's host is served on 443 (what a window
 * opens) of an address of its own, as splice.test.ts does (root, as the suite runs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type RunningGateway, startGateway } from '../../src/gateway/gateway.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { selfSignedCert } from './self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-gw-'));
const policyFile = join(dir, 'airlock.yaml');
const BLOB = randomBytes(3 * 1024 * 1024 + 17);
const BLOB_SHA = createHash('sha256').update(BLOB).digest('hex');
const UP_BUDGET = 4096;
const NAMES: Record<string, string> = {
  'files.test': '127.0.0.1',
  'up.test': '127.0.0.1',
  'flysafe.test': '127.0.4.43',
};

let httpsPort = 0;
let httpPort = 0;
let sinkPort = 0;
let resolverPort = 0;
const servers: { close(cb?: () => void): unknown }[] = [];
/** Bytes the upload sink received, per connection, in order. */
const sinkReceived: number[] = [];
let gw: RunningGateway;
let rec: Awaited<ReturnType<typeof openRecord>>;
const resolverCalls: string[] = [];

function policyYaml(mode: string): string {
  return `network:
  mode: ${mode}
  allow:
    - host: files.test
      ports: [${httpsPort}, ${httpPort}]
    - host: up.test
      ports: [${sinkPort}]
      budget: {upstreamBytesPerConnection: ${UP_BUDGET}}
  allowedPrivateCidrs: ['127.0.0.0/8']
gateway:
  handshakeTimeoutSeconds: 2
store:
  groupCommitMs: 10
`;
}

const listenOn = (s: Server | ReturnType<typeof createTcpServer>): Promise<number> =>
  new Promise((res) => s.listen(0, '127.0.0.1', () => res((s.address() as AddressInfo).port)));

/** curl runs asynchronously: the gateway under test lives in this process's event loop. */
function curl(args: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('/usr/bin/curl', [
      '-sS',
      '--max-time',
      '20',
      '-x',
      `http://127.0.0.1:${gw.proxy.port}`,
      ...args,
    ]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
  });
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Writes `text` to the proxy on one connection (then half-closes it when `end`); all bytes back. */
function rawExchange(text: string, end: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port: gw.proxy.port, allowHalfOpen: true }, () => {
      s.write(text);
      if (end) s.end();
    });
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => {
      s.destroy();
      resolve(Buffer.concat(chunks));
    });
    s.on('error', reject);
  });
}

async function rowsNow() {
  await gw.flushLog();
  return (await rec.store.logRows(0, 100_000)).map((r) => r.row);
}

/** A fake upstream resolver: answers every A query with 198.18.0.5. */
function startFakeResolver(): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (q, r) => {
    // Header: same ID, QR|RD|RA, 1 question, 1 answer; the question copied; A 198.18.0.5 TTL 60.
    const qEnd = 12 + q.subarray(12).indexOf(0) + 5;
    const head = Buffer.from(q.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(1, 6);
    head.writeUInt32BE(0, 8);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 5]);
    s.send(Buffer.concat([head, q.subarray(12, qEnd), answer]), r.port, r.address);
  });
  servers.push(s);
  return new Promise((res) => s.bind(0, '127.0.0.1', () => res(s.address().port)));
}

beforeAll(async () => {
  selfSignedCert(dir, ['files.test', 'flysafe.test']);
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url === '/blob') res.writeHead(200, { 'Content-Length': BLOB.length }).end(BLOB);
    else res.writeHead(404).end();
  };
  const https = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    handler,
  );
  const http = createHttpServer(handler);
  // The sink counts every byte the gateway lets through on each connection.
  const sink = createTcpServer((s) => {
    const i = sinkReceived.push(0) - 1;
    s.on('data', (d) => {
      sinkReceived[i]! += d.length;
    });
    s.on('error', () => {});
  });
  // flysafe.test (reached only through an unlock window) on 443, which a window opens.
  const flysafe = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    handler,
  );
  servers.push(https, http, sink, flysafe);
  [httpsPort, httpPort, sinkPort, resolverPort] = await Promise.all([
    listenOn(https),
    listenOn(http),
    listenOn(sink),
    startFakeResolver(),
    new Promise<void>((res) => flysafe.listen(443, NAMES['flysafe.test'], res)),
  ]);

  writeFileSync(policyFile, policyYaml('one-way'));
  const policy = loadPolicyFile(policyFile);
  rec = await openRecord(policy.store, dir, 'create');
  gw = await startGateway({
    policy,
    policyFile,
    store: rec.store,
    anchorPath: rec.paths.anchor,
    listen: '127.0.0.1:0',
    dnsListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    dnsUpstream: `127.0.0.1:${resolverPort}`,
    resolve: async (host) => {
      resolverCalls.push(host);
      const ip = NAMES[host];
      if (!ip) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [ip];
    },
    windowPollMs: 200,
    say: () => {},
  });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await rec?.store.close();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway on loopback: one-way', () => {
  it('the HMAC key file is created 0600', () => {
    expect(statSync(rec.paths.key).mode & 0o777).toBe(0o600);
  });

  it('curl downloads over CONNECT (HTTPS) intact', async () => {
    const r = await curl(['--cacert', join(dir, 'cert.pem'), `https://files.test:${httpsPort}/blob`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBe(BLOB.length);
    expect(sha(r.stdout)).toBe(BLOB_SHA);
  });

  it('curl downloads an absolute-URI http:// request intact', async () => {
    const r = await curl([`http://files.test:${httpPort}/blob`]);
    expect(sha(r.stdout)).toBe(BLOB_SHA);
  });

  it("Node's TLS client through a CONNECT tunnel downloads intact", async () => {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gw.proxy.port,
        method: 'CONNECT',
        path: `files.test:${httpsPort}`,
      });
      req.on('connect', (res, socket) => {
        expect(res.statusCode).toBe(200);
        const tls = tlsConnect(
          { socket, servername: 'files.test', ca: readFileSync(join(dir, 'cert.pem')) },
          () => {
            tls.write(`GET /blob HTTP/1.1\r\nHost: files.test\r\nConnection: close\r\n\r\n`);
          },
        );
        const chunks: Buffer[] = [];
        tls.on('data', (d: Buffer) => chunks.push(d));
        tls.on('end', () => resolve(Buffer.concat(chunks)));
        tls.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const split = body.indexOf('\r\n\r\n');
    expect(body.subarray(0, split).toString()).toMatch(/^HTTP\/1\.1 200 /);
    expect(sha(body.subarray(split + 4))).toBe(BLOB_SHA);
  });

  it('keep-alive: curl sends several requests over one proxy connection, each judged and logged', async () => {
    const before = (await rowsNow()).filter((x) => x.kind === 'connection').length;
    const url = `http://files.test:${httpPort}/blob`;
    const r = await curl(['-w', '%{num_connects}\\n', '-o', '/dev/null', url, '-o', '/dev/null', url]);
    expect(r.stderr).toBe('');
    // The second transfer made no new connection: it rode the first one.
    expect(r.stdout.toString()).toBe('1\n0\n');
    await vi.waitFor(async () => {
      const rows = (await rowsNow())
        .filter((x) => x.kind === 'connection')
        .slice(before)
        .filter((x) => x.kind === 'connection' && x.port === httpPort);
      expect(rows).toHaveLength(2);
      for (const row of rows)
        expect(row).toMatchObject({ destination: 'files.test', verdict: 'allow', reason: 'allowlisted' });
      for (const row of rows) expect(row.kind === 'connection' && row.bytesDown).toBeGreaterThan(BLOB.length);
      expect(rows[0]!.client).toBe(rows[1]!.client);
    });
  });

  it('keep-alive: a pipelined request for another host is judged on its own, never sent up the first', async () => {
    const head = (host: string) =>
      `GET http://${host}:${httpPort}/blob HTTP/1.1\r\nHost: ${host}:${httpPort}\r\n\r\n`;
    const got = await rawExchange(head('files.test') + head('elsewhere.test'), false);
    const text = got.toString('latin1');
    expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(text).toMatch(/HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Airlock-Reason: not-allowlisted/);
    expect(resolverCalls).not.toContain('elsewhere.test');
  });

  it('half-close: a client that shuts its write side after the request still gets the whole response', async () => {
    const got = await rawExchange(
      `GET http://files.test:${httpPort}/blob HTTP/1.1\r\nHost: files.test:${httpPort}\r\nConnection: close\r\n\r\n`,
      true,
    );
    const split = got.indexOf('\r\n\r\n');
    expect(got.subarray(0, split).toString()).toMatch(/^HTTP\/1\.1 200 /);
    expect(sha(got.subarray(split + 4))).toBe(BLOB_SHA);
  });

  it('an upload is cut at the budget: the server receives exactly the budget', async () => {
    writeFileSync(join(dir, 'upload.bin'), randomBytes(50_000));
    const before = sinkReceived.length;
    const r = await curl([
      '-H',
      'Expect:',
      '--data-binary',
      `@${join(dir, 'upload.bin')}`,
      `http://up.test:${sinkPort}/flight-records`,
    ]);
    expect(r.status).not.toBe(0);
    await vi.waitFor(() => expect(sinkReceived.length).toBe(before + 1));
    await new Promise((res) => setTimeout(res, 200));
    expect(sinkReceived[before]).toBe(UP_BUDGET);
    const rows = await rowsNow();
    const row = rows.find((x) => x.kind === 'connection' && x.destination === 'up.test');
    expect(row).toMatchObject({
      verdict: 'allow',
      cut: 'connection-budget',
      bytesUp: UP_BUDGET,
      port: sinkPort,
    });
  });

  it('an allowlisted host on a port its entry does not list is refused (403, logged); its listed port passes', async () => {
    const sinkBefore = sinkReceived.length;
    const calls = resolverCalls.length;
    // CONNECT to files.test's sink-side port (files.test lists only its HTTPS and HTTP ports).
    const refused = await rawExchange(
      `CONNECT files.test:${sinkPort} HTTP/1.1\r\nHost: files.test:${sinkPort}\r\n\r\n`,
      false,
    );
    expect(refused.toString('latin1')).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Airlock-Reason: port-not-allowed\r\n/,
    );
    // curl's tunnel and an absolute-URI request alike.
    const tunnel = await curl(['-p', `http://files.test:${sinkPort}/x`]);
    expect(tunnel.stderr).toMatch(/403/);
    const plain = await curl(['-i', `http://files.test:${sinkPort}/x`]);
    expect(plain.stdout.toString()).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: port-not-allowed\r\n/);
    // Refused before the name is looked up or the port dialled.
    expect(resolverCalls.length).toBe(calls);
    await new Promise((res) => setTimeout(res, 100));
    expect(sinkReceived.length).toBe(sinkBefore);
    // The listed port of the same host passes.
    const ok = await curl(['--cacert', join(dir, 'cert.pem'), `https://files.test:${httpsPort}/blob`]);
    expect(sha(ok.stdout)).toBe(BLOB_SHA);
    await vi.waitFor(async () => {
      const rows = (await rowsNow()).filter(
        (x) => x.kind === 'connection' && x.destination === 'files.test' && x.port === sinkPort,
      );
      expect(rows).toHaveLength(3);
      for (const row of rows)
        expect(row).toMatchObject({ verdict: 'block', reason: 'port-not-allowed', ip: '' });
    });
  });

  it('a name off the allowlist is refused with 403 and never resolved', async () => {
    const r = await curl(['-i', `http://elsewhere.test:${httpPort}/blob`]);
    expect(r.stdout.toString()).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: not-allowlisted/);
    expect(resolverCalls).not.toContain('elsewhere.test');
  });

  it('DNS answers allowlisted names through the upstream and NXDOMAINs the rest', async () => {
    const r = new Resolver();
    r.setServers([`127.0.0.1:${gw.dns.port}`]);
    expect(await r.resolve4('files.test')).toEqual(['198.18.0.5']);
    await expect(r.resolve4('exfil-4a6f686e.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const rows = (await rowsNow()).filter((x) => x.kind === 'dns');
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ qname: 'files.test', verdict: 'allow', reason: 'allowlisted', qtype: 'A' }),
        expect.objectContaining({
          qname: 'exfil-4a6f686e.example',
          verdict: 'block',
          reason: 'not-allowlisted',
        }),
      ]),
    );
  });

  it('an unlock window written by `airlock gateway unlock` opens the host within a second', async () => {
    const refused = await curl(['-i', '--cacert', join(dir, 'cert.pem'), 'https://flysafe.test/blob']);
    expect(refused.stderr).toMatch(/403/);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main([
        'node',
        'airlock',
        'gateway',
        'unlock',
        'flysafe.test',
        '--for',
        '10m',
        '--reason',
        'geofence unlock for job 7',
        '--policy',
        policyFile,
      ]);
      expect(code).toBe(0);
    } finally {
      out.mockRestore();
    }
    await new Promise((res) => setTimeout(res, 1000));
    const r = await curl(['--cacert', join(dir, 'cert.pem'), 'https://flysafe.test/blob']);
    expect(sha(r.stdout)).toBe(BLOB_SHA);
    // A window is for its host on 443 and 80, not every port on it.
    const other = await rawExchange(`CONNECT flysafe.test:${httpsPort} HTTP/1.1\r\nHost: x\r\n\r\n`, false);
    expect(other.toString('latin1')).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: port-not-allowed\r\n/);
    // The row is written when the gateway sees the tunnel end, which may be just after curl exits.
    await vi.waitFor(async () => {
      const rows = await rowsNow();
      expect(rows.some((x) => x.kind === 'unlock' && x.window.host === 'flysafe.test')).toBe(true);
      expect(
        rows.some(
          (x) => x.kind === 'connection' && x.destination === 'flysafe.test' && x.reason === 'unlock-window',
        ),
      ).toBe(true);
    });
  });

  it('/metrics and /healthz answer on the admin port', async () => {
    const h = await fetch(`http://127.0.0.1:${gw.admin.port}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`http://127.0.0.1:${gw.admin.port}/metrics`)).text();
    expect(m).toMatch(
      /^airlock_gateway_connections_total\{verdict="allow",reason="allowlisted",cut="connection-budget"\} 1$/m,
    );
    expect(m).toMatch(/^airlock_gateway_log_healthy 1$/m);
    // The gateway wires the process's splice relays in (none running between requests).
    expect(m).toMatch(/^airlock_gateway_spliced_tunnels 0$/m);
    expect(m).toMatch(/^airlock_gateway_dns_tcp_connections 0$/m);
    // Node's own process metrics: event-loop lag is the proxy's latency health.
    expect(m).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(m).toMatch(/^airlock_gateway_spliced_bytes_total \d+$/m);
  });
});

describe('gateway on loopback: reload to sealed', () => {
  it('an invalid policy on reload is refused and the old one stays', async () => {
    writeFileSync(policyFile, 'network:\n  mode: wide-open\n');
    expect(gw.reload()).toBe(false);
    expect(sha((await curl([`http://files.test:${httpPort}/blob`])).stdout)).toBe(BLOB_SHA);
  });

  it('sealed blocks every connection and DNS query, and logs them', async () => {
    writeFileSync(policyFile, policyYaml('sealed'));
    expect(gw.reload()).toBe(true);
    const calls = resolverCalls.length;
    const a = await curl(['-i', `http://files.test:${httpPort}/blob`]);
    expect(a.stdout.toString()).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: sealed/);
    const b = await curl(['--cacert', join(dir, 'cert.pem'), `https://files.test:${httpsPort}/blob`]);
    expect(b.status).not.toBe(0);
    expect(resolverCalls.length).toBe(calls);
    const r = new Resolver();
    r.setServers([`127.0.0.1:${gw.dns.port}`]);
    await expect(r.resolve4('files.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const rows = await rowsNow();
    const sealed = rows.filter((x) => x.kind !== 'unlock' && x.mode === 'sealed');
    expect(sealed.filter((x) => x.kind === 'connection' && x.reason === 'sealed')).toHaveLength(2);
    expect(sealed.filter((x) => x.kind === 'dns' && x.reason === 'sealed').length).toBeGreaterThanOrEqual(1);
  });
});

describe('the record', () => {
  async function verify(): Promise<{ code: number; out: string }> {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    try {
      return { code: await main(['node', 'airlock', 'log', 'verify', '--policy', policyFile]), out };
    } finally {
      spy.mockRestore();
    }
  }
  const sql = (stmt: string) => execFileSync('/usr/bin/sqlite3', [rec.paths.sqlite, stmt]).toString();

  it('log verify passes on the untouched log, then detects an edited, a removed and a truncated row', async () => {
    await gw.close();
    const ok = await verify();
    expect(ok.out).toMatch(/^ok: \d+ rows/);
    expect(ok.code).toBe(0);
    const n = Number(sql('SELECT COUNT(*) FROM event_log;').trim());
    expect(n).toBeGreaterThan(8);

    // Closing checkpoints the WAL into the file: then the file alone is the whole log.
    await rec.store.close();
    const original = readFileSync(rec.paths.sqlite);
    const restore = () => {
      for (const side of ['-wal', '-shm']) rmSync(rec.paths.sqlite + side, { force: true });
      writeFileSync(rec.paths.sqlite, original);
    };

    sql(
      `UPDATE event_log SET body = replace(body, '"bytesUp":${UP_BUDGET}', '"bytesUp":1') WHERE body LIKE '%connection-budget%';`,
    );
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/FAILED: mac-mismatch at seq \d+/);

    restore();
    sql('DELETE FROM event_log WHERE seq = 3;');
    expect((await verify()).out).toMatch(/FAILED: seq-gap at seq 3/);

    restore();
    sql(`DELETE FROM event_log WHERE seq = ${n};`);
    expect((await verify()).out).toMatch(/FAILED: head-mismatch/);

    restore();
    // Reordering: swap two rows' bodies.
    sql(
      'UPDATE event_log SET body = CASE seq WHEN 1 THEN (SELECT body FROM event_log WHERE seq = 2) ELSE (SELECT body FROM event_log WHERE seq = 1) END WHERE seq IN (1, 2);',
    );
    expect((await verify()).out).toMatch(/FAILED: mac-mismatch at seq 1/);

    restore();
    expect((await verify()).code).toBe(0);
  });

  it('log export --csv and --json give one line per row', async () => {
    const run = async (args: string[]) => {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
        out += String(s);
        return true;
      });
      try {
        expect(await main(['node', 'airlock', 'log', ...args, '--policy', policyFile])).toBe(0);
      } finally {
        spy.mockRestore();
      }
      return out;
    };
    const n = Number(sql('SELECT COUNT(*) FROM event_log;').trim());
    const csv = (await run(['export', '--csv'])).trimEnd().split('\n');
    expect(csv[0]).toMatch(/^seq,ts,kind,client,/);
    expect(csv).toHaveLength(n + 1);
    const json = (await run(['export', '--json']))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json).toHaveLength(n);
    expect(json[0]).toMatchObject({ seq: 1, prevMac: '' });
    const shown = (await run(['show', '--limit', '3'])).trimEnd().split('\n');
    expect(shown).toHaveLength(3);
    // A time window: the rows Debian's sqlite3 counts in it, as ISO 8601 with milliseconds.
    const ts = (seq: number) => Number(sql(`SELECT ts_ms FROM event_log WHERE seq = ${seq};`).trim());
    const [from, to] = [ts(2), ts(n)];
    const inWindow = Number(
      sql(`SELECT COUNT(*) FROM event_log WHERE ts_ms >= ${from} AND ts_ms < ${to};`).trim(),
    );
    const iso = (ms: number) => new Date(ms).toISOString();
    const windowed = await run(['show', '--since', iso(from), '--until', iso(to)]);
    expect(windowed === '' ? 0 : windowed.trimEnd().split('\n').length).toBe(inWindow);
    const exported = (await run(['export', '--json', '--since', iso(from)])).trimEnd().split('\n');
    expect(exported.map((l) => (JSON.parse(l) as { row: { tsMs: number } }).row.tsMs >= from)).not.toContain(
      false,
    );
    expect(exported).toHaveLength(
      Number(sql(`SELECT COUNT(*) FROM event_log WHERE ts_ms >= ${from};`).trim()),
    );
    // verify's result above used a fresh store handle; keep rec usable for afterAll.
    rec = await openRecord(loadPolicyFile(policyFile).store, dir, 'read');
  });
});

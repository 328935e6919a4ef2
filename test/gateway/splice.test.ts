/**
 * Tunnel downloads moved by the kernel (splice, src/native/relay.c) on loopback with real
 * clients: Debian's curl through --proxytunnel and a Node client, checked with SHA-256 against
 * the upstream's bytes, the log row's bytesDown exact; the same through the JS path (a registry
 * allowing no relay) so both stay tested. Then the ways a spliced tunnel ends: the client closing,
 * the upstream resetting, a slow reader, the idle timeout, an upload budget cut; and no
 * descriptor (pipes included) left behind.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import { SPLICE_AFTER_BYTES, SpliceRegistry } from '../../src/gateway/io/down-splice.js';
import type { ProxyLimits, ProxyServer } from '../../src/gateway/io/proxy-server.js';
import { GatewayMetrics } from '../../src/gateway/metrics.js';
import { loadRelay, nativeRelay } from '../../src/native/relay.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { policyWith } from './playbook.js';
import { startTestProxy } from './proxy-fixture.js';
import { selfSignedCert } from './self-signed.js';

const MIB = 1024 * 1024;
const BLOB = randomBytes(64 * MIB);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const headFor = (n: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`;
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

/** What the upstream wrote on each connection, in order of connection. */
const served: { bytes: number; closed: boolean; socket: Socket }[] = [];
let upPort = 0;

/**
 * A minimal HTTP upstream: `GET /N` answers N bytes of BLOB (Content-Length) and ends;
 * `/N?hold` leaves the connection open after; `/N?reset` resets it once the bytes are written.
 */
beforeAll(async () => {
  const up = createServer({ noDelay: true }, (s) => {
    const me = { bytes: 0, closed: false, socket: s };
    served.push(me);
    s.on('error', () => {});
    s.on('close', () => {
      me.closed = true;
    });
    let head = '';
    const onHead = (d: Buffer): void => {
      head += d.toString('latin1');
      const m = /^GET \/(\d+)(\?\w+)? /.exec(head);
      if (!head.includes('\r\n\r\n') || !m) return;
      s.off('data', onHead);
      s.on('data', () => {});
      const n = Number(m[1]);
      const h = headFor(n);
      me.bytes += h.length;
      s.write(h);
      // 1 MiB at a time, waiting for 'drain': what is not yet written stays here, countable.
      let at = 0;
      const pump = (): void => {
        while (at < n) {
          const piece = BLOB.subarray(at, Math.min(n, at + MIB));
          at += piece.length;
          me.bytes += piece.length;
          const last = at === n;
          const ok = s.write(piece, last && m[2] === '?reset' ? () => s.resetAndDestroy() : undefined);
          if (last && m[2] === undefined) s.end();
          if (!ok) return void s.once('drain', pump);
        }
      };
      pump();
    };
    s.on('data', onHead);
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  upPort = (up.address() as AddressInfo).port;
  closers.push(() => new Promise((r) => up.close(r)));
});

interface Gw {
  port: number;
  rows: ConnectionLogRow[];
  splices: SpliceRegistry;
  proxy: ProxyServer;
}

async function gateway(opts: {
  splice: boolean;
  limits?: Partial<ProxyLimits>;
  uploadBudget?: number;
}): Promise<Gw> {
  const allow = [
    {
      host: 'localhost',
      ports: [upPort],
      ...(opts.uploadBudget === undefined
        ? {}
        : { budget: { upstreamBytesPerConnection: opts.uploadBudget } }),
    },
  ];
  const mode = opts.uploadBudget === undefined ? 'monitor' : 'one-way';
  const policy = policyWith({ mode, allow, allowedPrivateCidrs: ['127.0.0.0/8'] });
  const rows: ConnectionLogRow[] = [];
  const splices = new SpliceRegistry(opts.splice ? 1024 : 0);
  const { port, proxy } = await startTestProxy({
    policy,
    resolveTo: '127.0.0.1',
    ...(opts.limits ? { limits: opts.limits } : {}),
    onLog: (row) => rows.push(row),
    splices,
  });
  closers.push(() => proxy.close());
  return { port, rows, splices, proxy };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Got {
  /** Bytes after the CONNECT's 200 head: the upstream's response, head and body. */
  bytes: number;
  sha: string;
  ended: 'end' | 'error';
}

/**
 * CONNECT localhost:upPort, then GET `path`; hashes every byte after the 200. `onChunk` sees
 * the running count and the socket (to pause, write or close it).
 */
function tunnelGet(
  proxyPort: number,
  path: string,
  onChunk?: (got: number, s: Socket) => void,
): Promise<Got> {
  return new Promise((resolve) => {
    const s = netConnect(proxyPort, '127.0.0.1');
    const h = createHash('sha256');
    let got = 0;
    let head: Buffer | undefined = Buffer.alloc(0);
    let ended: Got['ended'] = 'end';
    s.on('error', () => {
      ended = 'error';
    });
    s.once('connect', () =>
      s.write(`CONNECT localhost:${upPort} HTTP/1.1\r\nHost: localhost:${upPort}\r\n\r\n`),
    );
    s.on('data', (d: Buffer) => {
      if (head) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        expect(head.subarray(0, 12).toString('latin1')).toBe('HTTP/1.1 200');
        d = head.subarray(end + 4);
        head = undefined;
        s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      }
      h.update(d);
      got += d.length;
      onChunk?.(got, s);
    });
    s.on('end', () => s.end());
    s.on('close', () => resolve({ bytes: got, sha: h.digest('hex'), ended }));
  });
}

/** The upstream's bytes for `GET /n`: its head and the first n bytes of BLOB. */
const answer = (n: number) => Buffer.concat([Buffer.from(headFor(n), 'latin1'), BLOB.subarray(0, n)]);
const answerLength = (n: number) => headFor(n).length + n;

function curlSha(proxyPort: number, n: number): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', [
      '-sS',
      '--proxytunnel',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
      `http://localhost:${upPort}/${n}`,
    ]);
    const h = createHash('sha256');
    let bytes = 0;
    c.stdout.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
    });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0 ? resolve({ sha: h.digest('hex'), bytes }) : reject(new Error(`curl ${code}: ${err}`)),
    );
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('splice: the addon', () => {
  it('loads on Linux (a build failure fails here, never a silent fallback)', () => {
    expect(process.platform).toBe('linux');
    const r = loadRelay();
    expect(r.error).toBeUndefined();
    expect(typeof r.addon?.start).toBe('function');
  });

  it('AIRLOCK_NO_SPLICE=1 turns it off', () => {
    const before = process.env.AIRLOCK_NO_SPLICE;
    process.env.AIRLOCK_NO_SPLICE = '1';
    try {
      expect(nativeRelay()).toBeUndefined();
      expect(new SpliceRegistry().available).toBe(false);
    } finally {
      if (before === undefined) delete process.env.AIRLOCK_NO_SPLICE;
      else process.env.AIRLOCK_NO_SPLICE = before;
    }
    expect(nativeRelay()).toBeDefined();
  });
});

describe('splice: 64 MiB through CONNECT', () => {
  const N = BLOB.length;
  for (const splice of [true, false]) {
    const path = splice ? 'spliced' : 'JS path';
    it(`curl --proxytunnel (${path}): body SHA-256 equal, row bytesDown exact`, async () => {
      const gw = await gateway({ splice });
      const got = await curlSha(gw.port, N);
      expect(got.bytes).toBe(N);
      expect(got.sha).toBe(sha(BLOB));
      await until('row', () => gw.rows.length === 1);
      expect(gw.rows[0]).toMatchObject({ verdict: 'allow', bytesDown: headFor(N).length + N });
      // The spliced run moved all but the first bytes in the kernel; the JS run none.
      if (splice) expect(gw.splices.bytes).toBeGreaterThan(N - 2 * SPLICE_AFTER_BYTES - 64 * 1024);
      else expect(gw.splices.bytes).toBe(0);
      expect(gw.splices.active).toBe(0);
    }, 60_000);

    it(`a Node client (${path}): SHA-256 equal, row bytesDown exact`, async () => {
      const gw = await gateway({ splice });
      const got = await tunnelGet(gw.port, `/${N}`, (n, s) => {
        if (n === answerLength(N)) s.end();
      });
      expect(got.bytes).toBe(answerLength(N));
      expect(got.sha).toBe(sha(answer(N)));
      await until('row', () => gw.rows.length === 1);
      expect(gw.rows[0]!.bytesDown).toBe(answerLength(N));
      expect(gw.splices.bytes > 0).toBe(splice);
    }, 60_000);
  }
});

describe('splice: how a spliced tunnel ends', () => {
  it('the client closing mid-download: the relay stops, the row counts what was moved', async () => {
    const gw = await gateway({ splice: true });
    const at = served.length;
    let sawSplice = false;
    const got = await tunnelGet(gw.port, `/${BLOB.length}`, (n, s) => {
      if (gw.splices.active === 1) sawSplice = true;
      if (n >= 16 * MIB) s.destroy();
    });
    expect(sawSplice).toBe(true);
    await until('row', () => gw.rows.length === 1);
    const row = gw.rows[0]!;
    expect(row.bytesDown).toBeGreaterThanOrEqual(got.bytes);
    expect(row.bytesDown).toBeLessThan(answerLength(BLOB.length));
    expect(gw.splices.active).toBe(0);
    await until('upstream closed', () => served[at]!.closed === true);
  }, 30_000);

  it('the upstream resetting mid-download: every byte read before the reset arrives intact, and is counted', async () => {
    const gw = await gateway({ splice: true });
    const n = 24 * MIB;
    const got = await tunnelGet(gw.port, `/${n}?reset`);
    await until('row', () => gw.rows.length === 1);
    expect(got.bytes).toBeGreaterThan(SPLICE_AFTER_BYTES * 2);
    expect(got.bytes).toBeLessThanOrEqual(answerLength(n));
    expect(got.sha).toBe(sha(answer(n).subarray(0, got.bytes)));
    expect(gw.rows[0]!.bytesDown).toBe(got.bytes);
    expect(gw.splices.bytes).toBeGreaterThan(0);
    expect(gw.splices.active).toBe(0);
  }, 30_000);

  it('a slow reader: the gateway queues nothing in JS while it waits, the upstream is held back, bytes intact', async () => {
    const gw = await gateway({ splice: true });
    const at = served.length;
    const N = BLOB.length;
    // The gateway's own sockets (client and upstream sides): what JS holds for them to write.
    const sockets = (gw.proxy as unknown as { sockets: Set<Socket> }).sockets;
    const queued: number[] = [];
    const inFlight: number[] = [];
    let stops = 0;
    let spliced = true;
    const got = await tunnelGet(gw.port, `/${N}`, (n, s) => {
      if (n === answerLength(N)) s.end();
      // Three long stops: whatever the upstream sends meanwhile waits in kernel buffers and the
      // relay's one pipe, not in the gateway's memory (a JS queue would grow to tens of MiB).
      if (n >= (stops + 1) * 8 * MIB && stops < 3) {
        stops++;
        s.pause();
        setTimeout(() => {
          queued.push([...sockets].reduce((q, x) => q + x.writableLength + x.readableLength, 0));
          // Bytes the upstream's kernel took that the reader has not read: in flight in between.
          inFlight.push(served[at]!.bytes - served[at]!.socket.writableLength - n);
          if (gw.splices.active !== 1) spliced = false;
          s.resume();
        }, 400);
      }
    });
    expect(stops).toBe(3);
    expect(spliced).toBe(true);
    expect(got.sha).toBe(sha(answer(N)));
    expect(queued).toEqual([0, 0, 0]);
    // Between them only kernel buffers and one pipe (tens of MiB at most on loopback, 20-32
    // measured here); the upstream could not hand over its whole answer while the reader stopped.
    expect(Math.max(...inFlight)).toBeLessThan(N - 8 * MIB);
    await until('row', () => gw.rows.length === 1);
    expect(gw.rows[0]!.bytesDown).toBe(answerLength(N));
  }, 60_000);

  it('an idle spliced tunnel still times out, its row exact', async () => {
    const gw = await gateway({ splice: true, limits: { idleTimeoutMs: 300 } });
    const n = 4 * MIB;
    const t0 = Date.now();
    const got = await tunnelGet(gw.port, `/${n}?hold`);
    expect(got.sha).toBe(sha(answer(n)));
    await until('row', () => gw.rows.length === 1);
    expect(gw.rows[0]).toMatchObject({ cut: 'idle-timeout', bytesDown: answer(n).length });
    expect(gw.splices.bytes).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  }, 30_000);

  it('an upload over the one-way budget is cut at its byte while the download is spliced', async () => {
    const budget = 64 * 1024;
    const gw = await gateway({ splice: true, uploadBudget: budget });
    const N = BLOB.length;
    let sent = false;
    const got = await tunnelGet(gw.port, `/${N}`, (n, s) => {
      if (!sent && n >= 8 * MIB && gw.splices.active === 1) {
        sent = true;
        s.write(Buffer.alloc(100 * 1024, 'u'));
      }
    });
    expect(sent).toBe(true);
    await until('row', () => gw.rows.length === 1);
    const row = gw.rows[0]!;
    const request = `GET /${N} HTTP/1.1\r\nHost: localhost\r\n\r\n`.length;
    expect(row).toMatchObject({ cut: 'connection-budget', bytesUp: budget });
    expect(request).toBeLessThan(budget);
    expect(row.bytesDown).toBe(got.bytes);
    expect(got.bytes).toBeLessThan(answerLength(N));
    expect(got.sha).toBe(sha(answer(N).subarray(0, got.bytes)));
    expect(gw.splices.active).toBe(0);
  }, 30_000);
});

describe('splice: the transparent TLS listener', () => {
  it('a TLS download routed by SNI is spliced too; the decrypted body is intact', async () => {
    // The transparent front always dials NAME:443: the upstream listens on another loopback address.
    const dir = mkdtempSync(join(tmpdir(), 'airlock-splice-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const pem = selfSignedCert(dir, ['localhost']);
    const cert = readFileSync(pem.cert);
    const n = 32 * MIB;
    const up = createTlsServer({ key: readFileSync(pem.key), cert }, (s) => {
      s.on('error', () => {});
      s.once('data', () => s.end(BLOB.subarray(0, n)));
    });
    await new Promise<void>((r) => up.listen(443, '127.0.0.2', r));
    closers.push(() => new Promise((r) => up.close(r)));
    const policy = policyWith({ mode: 'monitor', allowedPrivateCidrs: ['127.0.0.0/8'] });
    const rows: ConnectionLogRow[] = [];
    const splices = new SpliceRegistry();
    const { port, proxy } = await startTestProxy({
      policy,
      resolveTo: '127.0.0.2',
      front: TLS_FRONT,
      limits: { maxConnections: 10, maxConnectionsPerClient: 10 },
      onLog: (row) => rows.push(row),
      splices,
    });
    closers.push(() => proxy.close());
    const got = await new Promise<{ sha: string; bytes: number }>((resolve, reject) => {
      const c = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert });
      const h = createHash('sha256');
      let bytes = 0;
      c.on('error', reject);
      c.once('secureConnect', () => c.write('GET'));
      c.on('data', (d: Buffer) => {
        h.update(d);
        bytes += d.length;
      });
      c.on('end', () => resolve({ sha: h.digest('hex'), bytes }));
    });
    expect(got.bytes).toBe(n);
    expect(got.sha).toBe(sha(BLOB.subarray(0, n)));
    await until('row', () => rows.length === 1);
    expect(rows[0]).toMatchObject({ name: 'localhost', port: 443, verdict: 'allow' });
    // The encrypted stream is longer than the body it carries.
    expect(rows[0]!.bytesDown).toBeGreaterThan(n);
    expect(splices.bytes).toBeGreaterThan(n / 2);
  }, 30_000);
});

describe('splice: descriptors', () => {
  it('no descriptor or pipe outlives its tunnels', async () => {
    const gw = await gateway({ splice: true });
    const base = openFds();
    const runs = await Promise.all([
      tunnelGet(gw.port, `/${16 * MIB}`, (n, s) => n === answerLength(16 * MIB) && s.end()),
      tunnelGet(gw.port, `/${16 * MIB}`, (n, s) => n >= 4 * MIB && s.destroy()),
      tunnelGet(gw.port, `/${16 * MIB}?reset`),
      tunnelGet(gw.port, `/${4 * MIB}?hold`, (n, s) => n === answerLength(4 * MIB) && s.destroy()),
    ]);
    expect(runs[0]!.sha).toBe(sha(answer(16 * MIB)));
    await until('rows', () => gw.rows.length === 4);
    expect(gw.splices.bytes).toBeGreaterThan(0);
    expect(gw.splices.active).toBe(0);
    await until(`descriptors back to ${base}`, () => openFds() <= base);
  }, 60_000);

  /** A quiet gateway's gauges for GatewayMetrics, with `spliced` when given. */
  const quiet = (spliced?: { active: number; bytes: number }) => () => ({
    activeConnections: 0,
    logHealthy: true,
    logRowsWritten: 0,
    logRowsDropped: 0,
    logWriteErrors: 0,
    policyReloads: { ok: 0, failed: 0 },
    ...(spliced ? { spliced } : {}),
  });

  it('/metrics shows spliced tunnels and bytes when given', async () => {
    const text = await new GatewayMetrics(quiet({ active: 2, bytes: 12345 })).render();
    expect(text).toContain('\nairlock_gateway_spliced_tunnels 2\n');
    expect(text).toContain('\nairlock_gateway_spliced_bytes_total 12345\n');
  });

  it('/metrics counts a long connection once, when it ends, not its row while open', async () => {
    const m = new GatewayMetrics(quiet());
    const row: ConnectionLogRow = {
      kind: 'connection',
      tsMs: 1,
      client: 'c',
      destination: 'd',
      ip: '198.18.0.1',
      port: 443,
      proto: 'tcp',
      mode: 'monitor',
      verdict: 'allow',
      reason: 'monitor',
      bytesUp: 10,
      bytesDown: 100,
    };
    m.count({ ...row, open: true });
    m.count({ ...row, bytesUp: 30, bytesDown: 300, endMs: 2 });
    const text = await m.render();
    expect(text).toContain('airlock_gateway_connections_total{verdict="allow",reason="monitor",cut=""} 1\n');
    expect(text).toContain('airlock_gateway_bytes_total{direction="up"} 30\n');
    expect(text).toContain('airlock_gateway_bytes_total{direction="down"} 300\n');
  });
});

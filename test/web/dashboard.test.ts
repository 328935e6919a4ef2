/**
 * `airlock serve` as users run it (the built CLI), over a record the built gateway wrote while
 * Debian's curl and dig went through it: downloads allowed, an upload cut at its budget, a name
 * off the allowlist refused, DNS queries refused. What the dashboard says is checked against what
 * the test did and against SQL run on the database directly (json_extract over the stored rows,
 * none of Airlock's reading code), and its HTTP shell against what a browser on the same machine
 * could be made to do (another Host, another method, a path out of the reports folder).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../src/gateway/record/open.js';
import type { TrafficSummary } from '../../src/gateway/record/traffic-tally.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { probeGateway } from '../../src/web/gateway-status.js';
import { recordView } from '../../src/web/record-view.js';
import { Dashboard } from '../../src/web/routes.js';
import { airlock, BIN, ensureBuilt } from '../cli/built.js';
import { spawnGateway } from '../gateway/load-harness.js';
import { chromiumHeadless } from '../helpers/chromium.js';
import { corpusFile } from '../helpers/corpus.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'airlock-serve-'));
const DOWNLOADS = 4;
const BODY = 3000;
const UPLOAD = 20_000;
const BUDGET = 4096;
const REFUSED_NAME = 'not-allowed.example';
const REFUSED_TRIES = 3;
const DNS_REFUSED = ['tunnel-a.example', 'tunnel-b.example'];
const REPORT_NAME = 'flight #7 100%.json';

let web: Server;
let serve: ChildProcess | undefined;
let base = '';
let port = 0;
/** The upstream web server's port, and an admin port nothing listens on. */
let up = 0;
let deadAdmin = 0;

/** Starts the built CLI and waits for the stderr line matching `ready`. */
function startCli(args: string[], ready: RegExp): Promise<{ p: ChildProcess; m: RegExpMatchArray }> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line from ${args[0]}: ${err}`)), 20_000);
    p.stderr!.on('data', (d) => {
      err += String(d);
      const m = ready.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ p, m });
      }
    });
    p.once('exit', (c) => reject(new Error(`${args[0]} exited ${c}: ${err}`)));
  });
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/** curl through the gateway: the status it printed. Asynchronous: the upstream runs in this process. */
async function curl(gw: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(
      'curl',
      ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-x', `http://127.0.0.1:${gw}`, ...args],
      { encoding: 'utf8', timeout: 15_000 },
    );
    return stdout;
  } catch (e) {
    // A connection cut mid-upload: curl exits non-zero, having printed what it got.
    return String((e as { stdout?: string }).stdout ?? '');
  }
}

/** Raw SQL over the stored rows: the oracle the dashboard's figures are compared with. */
function sql<T>(query: string, ...params: unknown[]): T {
  const db = new Database(join(root, 'airlock.sqlite'), { readonly: true });
  try {
    return db.prepare(query).get(...params) as T;
  } finally {
    db.close();
  }
}
const J = (field: string) => `json_extract(body, '$.${field}')`;
const COUNTED = `coalesce(${J('count')}, 1)`;

/** GET (or another method) on the dashboard with a Host header of the caller's choosing. */
function raw(
  path: string,
  opts: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const q = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${port}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    q.on('error', reject);
    q.end();
  });
}

const getJson = async <T>(path: string): Promise<T> => {
  const r = await fetch(`${base}${path}`);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  return (await r.json()) as T;
};

beforeAll(async () => {
  ensureBuilt();
  web = createServer((q, r) => {
    q.resume();
    q.on('end', () => {
      r.writeHead(200, { 'content-length': BODY });
      r.end(Buffer.alloc(BODY, 'd'));
    });
  });
  await new Promise<void>((r) => web.listen(0, '::', r));
  up = (web.address() as AddressInfo).port;
  writeFileSync(
    join(root, 'airlock.yaml'),
    `network:
  mode: one-way
  allow:
    - host: localhost
      ports: [${up}]
      budget: {upstreamBytesPerConnection: ${BUDGET}}
  allowedPrivateCidrs: ['127.0.0.0/8', '::1/128']
`,
  );
  const gw = await spawnGateway('airlock.yaml', root);
  const gwPort = gw.proxyPort;
  const dnsPort = gw.dnsPort;
  try {
    for (let i = 0; i < DOWNLOADS; i++)
      expect(await curl(gwPort, `http://localhost:${up}/map-tile-${i}`)).toBe('200');
    writeFileSync(join(root, 'upload.bin'), Buffer.alloc(UPLOAD, 'u'));
    await curl(
      gwPort,
      '--data-binary',
      `@${join(root, 'upload.bin')}`,
      `http://localhost:${up}/flight-record`,
    );
    for (let i = 0; i < REFUSED_TRIES; i++) expect(await curl(gwPort, `http://${REFUSED_NAME}/`)).toBe('403');
    for (const name of DNS_REFUSED)
      await run('dig', ['+short', '+tries=1', '+time=3', '-p', String(dnsPort), '@127.0.0.1', name, 'A']);
  } finally {
    await stop(gw.proc);
  }
  mkdirSync(join(root, 'reports'));
  // A port just freed: nothing answers there.
  const spare = createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  deadAdmin = (spare.address() as AddressInfo).port;
  await new Promise<void>((r) => spare.close(() => r()));
  // A real report whose name needs encoding in a link.
  const inspected = airlock([
    'inspect',
    corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg'),
    '--json',
  ]);
  writeFileSync(join(root, 'reports', REPORT_NAME), inspected.stdout);
  const s = await startCli(
    [
      'serve',
      '--policy',
      'airlock.yaml',
      '--reports',
      'reports',
      '--listen',
      '127.0.0.1:0',
      '--admin',
      `127.0.0.1:${deadAdmin}`,
    ],
    /http:\/\/127\.0\.0\.1:(\d+)\//,
  );
  serve = s.p;
  port = Number(s.m[1]);
  base = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  if (serve) await stop(serve);
  web?.close();
  rmSync(root, { recursive: true, force: true });
});

type Summary = TrafficSummary & { window: string; truncated: boolean };

describe('the overview agrees with the record', () => {
  it('counts what the test did through the gateway', async () => {
    const s = await getJson<Summary>('/api/summary.json');
    const local = s.destinations.find((d) => d.destination === 'localhost')!;
    // Every download and the cut upload were allowed; the upload was cut, once.
    expect(local.allowed).toBe(DOWNLOADS + 1);
    expect(local.cut).toBe(1);
    expect(s.cuts).toEqual([{ reason: 'connection-budget', count: 1 }]);
    expect(local.bytesDown).toBeGreaterThanOrEqual(DOWNLOADS * BODY);
    // The cut upload sent at most its budget (and at least its request head).
    expect(local.bytesUp).toBeLessThanOrEqual(BUDGET + DOWNLOADS * 200);
    const refused = s.destinations.find((d) => d.destination === REFUSED_NAME)!;
    expect(refused.refused).toBe(REFUSED_TRIES);
    expect(refused.bytesDown).toBe(0);
    for (const name of DNS_REFUSED)
      expect(s.destinations.find((d) => d.destination === name)?.dnsRefused).toBe(1);
    expect(s.dns.refused).toBe(DNS_REFUSED.length);
  });

  it('equals SQL over the stored rows', async () => {
    const s = await getJson<Summary>('/api/summary.json?since=7d');
    const conn = `kind = 'connection' AND ${J('open')} IS NULL`;
    const q = sql<{ allowed: number; refused: number; cut: number; up: number; down: number; rows: number }>(
      `SELECT
         (SELECT count(*) FROM event_log) AS rows,
         (SELECT sum(${COUNTED}) FROM event_log WHERE ${conn} AND ${J('verdict')} = 'allow') AS allowed,
         (SELECT coalesce(sum(${COUNTED}), 0) FROM event_log WHERE ${conn} AND ${J('verdict')} = 'block') AS refused,
         (SELECT coalesce(sum(${COUNTED}), 0) FROM event_log WHERE ${conn} AND ${J('cut')} IS NOT NULL) AS cut,
         (SELECT sum(${J('bytesUp')}) FROM event_log WHERE ${conn}) AS up,
         (SELECT sum(${J('bytesDown')}) FROM event_log WHERE ${conn}) AS down`,
    );
    expect(s.rows).toBe(q.rows);
    expect(s.connections).toEqual({
      allowed: q.allowed,
      refused: q.refused,
      cut: q.cut,
      bytesUp: q.up,
      bytesDown: q.down,
    });
    const dnsRefused = sql<{ n: number }>(
      `SELECT coalesce(sum(${COUNTED}), 0) AS n FROM event_log WHERE kind = 'dns' AND ${J('verdict')} = 'block'`,
    ).n;
    expect(s.dns.refused).toBe(dnsRefused);
    for (const r of s.reasons) {
      const n = sql<{ n: number }>(
        `SELECT sum(${COUNTED}) AS n FROM event_log WHERE kind IN ('connection','dns') AND ${J('verdict')} = 'block' AND ${J('reason')} = ?`,
        r.reason,
      ).n;
      expect(n, r.reason).toBe(r.count);
    }
  });

  it('a window that ended before the traffic holds none of it', async () => {
    const s = await getJson<Summary>(`/api/summary.json?since=2020-01-01&until=2020-01-02`);
    expect(s.rows).toBe(0);
    expect(s.destinations).toEqual([]);
  });

  it('the page shows the figures and links each destination to its rows', async () => {
    const r = await fetch(`${base}/`);
    expect(r.status).toBe(200);
    const page = await r.text();
    expect(page).toContain(`href="/log?q=${encodeURIComponent(REFUSED_NAME)}"`);
    expect(page).toContain('connection-budget');
    expect(page).toMatch(/anchor at row \d/);
  });
});

describe('the event log page', () => {
  it('filters by verdict: exactly the refused rows, newest first', async () => {
    const j = await getJson<{
      rows: Array<{ seq: string; verdict: string; destination: string; damaged: string }>;
    }>('/api/log.json?verdict=block');
    const n = sql<{ n: number }>(
      `SELECT count(*) AS n FROM event_log WHERE kind IN ('connection','dns') AND ${J('verdict')} = 'block'`,
    ).n;
    expect(j.rows.length).toBe(n);
    expect(j.rows.every((r) => r.verdict === 'block' && r.damaged === '')).toBe(true);
    const seqs = j.rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });

  it('finds rows by text, and pages back with before', async () => {
    const j = await getJson<{ rows: Array<{ destination: string; seq: string }> }>(
      `/api/log.json?q=${REFUSED_NAME.toUpperCase()}`,
    );
    expect(j.rows.map((r) => r.destination)).toEqual(Array(REFUSED_TRIES).fill(REFUSED_NAME));
    const older = await getJson<{ rows: Array<{ seq: string }> }>(`/api/log.json?before=${j.rows[0]!.seq}`);
    expect(Number(older.rows[0]!.seq)).toBe(Number(j.rows[0]!.seq) - 1);
  });

  it('a window that ends before it starts is a 400, not a page of no traffic', async () => {
    const r = await fetch(`${base}/?since=2026-11-25T12:00:00Z&until=2026-11-25T10:00:00Z`);
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('until 2026-11-25T10:00:00Z is not after since 2026-11-25T12:00:00Z');
  });

  it('a bad filter is a 400 naming it, not a crash', async () => {
    const r = await fetch(`${base}/log?verdict=maybe`);
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('verdict maybe: expected one of allow, block');
  });
});

/** The gateway's record (store, key, anchor, policy) copied to `name` beside it, to damage. */
function copyOfRecord(name: string): string {
  const copy = join(root, name);
  mkdirSync(copy);
  for (const f of ['airlock.sqlite', 'airlock.hmac.key', 'airlock.anchor', 'airlock.yaml'])
    copyFileSync(join(root, f), join(copy, f));
  return copy;
}

describe('verification', () => {
  it('says what airlock log verify says', async () => {
    const cli = airlock(['log', 'verify', '--policy', 'airlock.yaml'], { cwd: root });
    const r = await fetch(`${base}/api/verify.json`);
    expect(r.status).toBe(200);
    const v = (await r.json()) as { ok: boolean; text: string };
    expect(cli.code).toBe(0);
    expect(`${v.text}\n`).toBe(cli.stdout);
  });

  it('finds a row edited in the database, at its seq', async () => {
    const copy = copyOfRecord('tampered');
    const db = new Database(join(copy, 'airlock.sqlite'));
    const target = db
      .prepare(`SELECT seq FROM event_log WHERE ${J('destination')} = ? LIMIT 1`)
      .get(REFUSED_NAME) as {
      seq: number;
    };
    db.prepare(`UPDATE event_log SET body = replace(body, '"block"', '"allow"') WHERE seq = ?`).run(
      target.seq,
    );
    db.close();
    const rec = await openRecord(defaultPolicy().store, copy, 'read');
    try {
      const d = new Dashboard({
        record: recordView(rec),
        storePath: rec.paths.sqlite,
      });
      const v = await d.handle('/verify');
      expect(v.status).toBe(409);
      expect(v.body).toContain(`FAILED: mac-mismatch at seq ${target.seq}`);
      const damaged = JSON.parse((await d.handle('/api/log.json?damaged=1')).body) as {
        rows: Array<{ seq: string }>;
      };
      expect(damaged.rows.map((r) => Number(r.seq))).toEqual([target.seq]);
    } finally {
      await rec.store.close();
    }
  });

  it('a row whose body is not even JSON is left out of the figures and said, not a failed page', async () => {
    const copy = copyOfRecord('garbled');
    const db = new Database(join(copy, 'airlock.sqlite'));
    const { seq, total } = db
      .prepare(
        `SELECT min(seq) AS seq, (SELECT count(*) FROM event_log) AS total FROM event_log WHERE kind = 'connection'`,
      )
      .get() as { seq: number; total: number };
    db.prepare(`UPDATE event_log SET body = '{"kind":"connec' WHERE seq = ?`).run(seq);
    db.close();
    const rec = await openRecord(defaultPolicy().store, copy, 'read');
    try {
      const d = new Dashboard({ record: recordView(rec), storePath: rec.paths.sqlite });
      const home = await d.handle('/?since=7d');
      expect(home.status).toBe(200);
      expect(home.body).toContain(`1 rows could not be read (the first at seq ${seq})`);
      const s = JSON.parse((await d.handle('/api/summary.json?since=7d')).body) as Summary;
      expect(s).toMatchObject({ rows: total, damaged: 1, firstDamagedSeq: seq });
    } finally {
      await rec.store.close();
    }
  });
});

describe('the fleet page', () => {
  it('on a SQLite store says there is no fleet, page and API alike (404)', async () => {
    const d = new Dashboard({ storePath: '/nowhere/airlock.sqlite' });
    const page = await d.handle('/fleet');
    expect(page.status).toBe(404);
    expect(page.body).toContain('not a fleet&#39;s PostgreSQL database');
    const api = await d.handle('/api/fleet.json');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toEqual({
      error: "this dashboard's store is not a fleet's PostgreSQL database (store.postgresUrl)",
    });
  });
});

describe('the HTTP shell', () => {
  it('every page forbids scripts and outside resources, and fetches nothing itself', async () => {
    for (const path of ['/', '/log', '/verify', '/reports/']) {
      const r = await raw(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-security-policy']).toMatch(/^default-src 'none'/);
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.body).not.toMatch(/<script|src="http|href="http|@import|url\(/i);
    }
  });

  it('refuses a Host that does not name it (DNS rebinding)', async () => {
    const r = await raw('/api/summary.json', { host: `attacker.example:${port}` });
    expect(r.status).toBe(421);
    expect(r.body).not.toContain('localhost');
  });

  it('only reads: POST and DELETE are refused', async () => {
    for (const method of ['POST', 'DELETE']) expect((await raw('/verify', { method })).status).toBe(405);
  });

  it("links each report by a path its name survives ('#', '%', spaces)", async () => {
    const home = await (await fetch(`${base}/`)).text();
    const href = /<a href="(\/reports\/[^"]+)">flight #7 100%\.json<\/a>/.exec(home)?.[1];
    expect(href).toBe('/reports/flight%20%237%20100%25.json');
    const r = await fetch(`${base}${href}`);
    expect(r.status).toBe(200);
    const report = await r.text();
    expect(report).toContain('dji-mavic2pro-hasselblad-L1D-20c.jpg');
    expect(report).toContain('<a href="/reports/">← Reports</a>');
    // A malformed escape is the client's error, not the server's.
    expect((await raw('/reports/%E0%A4%A')).status).toBe(400);
  });

  it('serves nothing outside the reports folder', async () => {
    for (const path of [
      '/reports/..%2Fairlock.yaml',
      '/reports/%2Fetc%2Fpasswd',
      '/reports/../airlock.hmac.key',
    ])
      expect((await raw(path)).status, path).toBe(404);
  });

  it('will not listen beyond loopback', () => {
    const r = airlock(['serve', '--policy', 'airlock.yaml', '--listen', '0.0.0.0:0'], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('loopback only');
  });
});

describe('the gateway, asked on its admin port', () => {
  it('says when nothing answers there', async () => {
    const g = await getJson<{ state: string; at: string; why: string }>('/api/gateway.json');
    expect(g).toEqual({ state: 'down', at: `127.0.0.1:${deadAdmin}`, why: 'nothing listens there' });
    expect(await (await fetch(`${base}/`)).text()).toContain(`Not answering on 127.0.0.1:${deadAdmin}`);
  });

  it("shows a running gateway's health and the figures its own /metrics gives", async () => {
    const gw = await spawnGateway('airlock.yaml', root);
    try {
      expect(await curl(gw.proxyPort, `http://localhost:${up}/after-restart`)).toBe('200');
      const metrics = async () => {
        const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
        const own = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1]);
        return {
          active: own('airlock_gateway_connections_active'),
          healthy: own('airlock_gateway_log_healthy'),
          written: own('airlock_gateway_log_rows_written_total'),
          dropped: own('airlock_gateway_log_rows_dropped_total'),
          errors: own('airlock_gateway_log_write_errors_total'),
        };
      };
      const d = new Dashboard({
        storePath: join(root, 'airlock.sqlite'),
        gateway: () => probeGateway({ host: '127.0.0.1', port: gw.adminPort }),
      });
      const before = await metrics();
      const g = JSON.parse((await d.handle('/api/gateway.json')).body) as {
        state: string;
        metrics: Record<string, number>;
      };
      const after = await metrics();
      expect(g.state).toBe('healthy');
      expect(g.metrics.airlock_gateway_log_healthy).toBe(before.healthy);
      expect(before.healthy).toBe(1);
      expect(g.metrics.airlock_gateway_log_rows_dropped_total).toBe(before.dropped);
      expect(g.metrics.airlock_gateway_log_write_errors_total).toBe(before.errors);
      expect(g.metrics.airlock_gateway_connections_active).toBe(before.active);
      // Rows are committed on a timer: the dashboard's figure lies between two reads of its own.
      expect(g.metrics.airlock_gateway_log_rows_written_total).toBeGreaterThanOrEqual(before.written);
      expect(g.metrics.airlock_gateway_log_rows_written_total).toBeLessThanOrEqual(after.written);
      const home = await d.handle('/');
      expect(home.body).toContain('running, healthy');
    } finally {
      await stop(gw.proc);
    }
  });
});

describe('in a real browser (Debian chromium, headless)', () => {
  it('renders the pages under their own CSP without one violation, and the bars with them', async () => {
    const profile = join(root, 'chromium-profile');
    for (const path of ['/', '/log?verdict=block', `/reports/${encodeURIComponent(REPORT_NAME)}`]) {
      const { stdout, stderr } = await run(
        'chromium',
        [...chromiumHeadless(profile), '--enable-logging=stderr', '--v=0', '--dump-dom', `${base}${path}`],
        { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
      );
      // Chromium logs every blocked style, script or fetch as a console message naming the CSP.
      expect(stderr, path).not.toMatch(/Content Security Policy|Refused to/);
      expect(stdout, path).toMatch(/<\/html>\s*$/);
      if (path === '/') expect(stdout).toMatch(/<span class="bar" style="width:[\d.]+em"><\/span>/);
    }
  }, 90_000);
});

describe('without a gateway record', () => {
  it('starts, says the store is not there yet, and still serves the reports', async () => {
    const dir = join(root, 'no-store');
    mkdirSync(join(dir, 'reports'), { recursive: true });
    writeFileSync(join(dir, 'airlock.yaml'), 'network:\n  mode: sealed\n');
    const s = await startCli(
      [
        'serve',
        '--policy',
        join(dir, 'airlock.yaml'),
        '--reports',
        join(dir, 'reports'),
        '--listen',
        '127.0.0.1:0',
      ],
      /http:\/\/127\.0\.0\.1:(\d+)\/ · no store yet \((.+)\)/,
    );
    try {
      expect(s.m[2]).toBe(join(dir, 'airlock.sqlite'));
      const at = `http://127.0.0.1:${s.m[1]}`;
      const home = await fetch(`${at}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('does not exist yet');
      const log = await fetch(`${at}/api/log.json`);
      expect(log.status).toBe(404);
      expect(((await log.json()) as { error: string }).error).toContain('no gateway has written it yet');
      expect((await fetch(`${at}/reports/`)).status).toBe(200);
    } finally {
      await stop(s.p);
    }
  });
});

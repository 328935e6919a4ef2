/**
 * A box whose record is a fleet's PostgreSQL database (store.postgresUrl), through the built CLI
 * as an operator runs it: `gateway unlock` makes the schema, the real gateway logs what curl and
 * dig send it, `log verify|show|export` and the dashboard read it back. Debian's psql is the
 * independent reader, and the one who tampers: what it changes, Airlock names.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock, BIN, ensureBuilt } from '../cli/built.js';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.js';
import { spawnGateway } from './load-harness.js';

let pg: PgCluster;
let dir: string;
let policy: string;

beforeAll(async () => {
  ensureBuilt();
  pg = await startPgCluster();
  pg.createDatabase('fleet');
  dir = mkdtempSync(join(tmpdir(), 'airlock-pgbox-'));
  policy = join(dir, 'airlock.yaml');
  writeFileSync(
    policy,
    `network:\n  mode: sealed\nstore:\n  postgresUrl: '${pg.url('fleet')}'\n  postgresSchema: box1\n`,
  );
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sql = (q: string): string => pg.psql(q, 'fleet').trim();
const cli = (...args: string[]) => airlock([...args, '--policy', policy], { cwd: dir });

/** What the proxy answers `curl -x` for `url` (the status code). */
const viaProxy = (port: number, url: string): string =>
  execFileSync(
    'curl',
    ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-x', `http://127.0.0.1:${port}`, url],
    {
      encoding: 'utf8',
    },
  );

/** `airlock serve` on a port of the kernel's choosing, for `f`, stopped after. */
async function withServe(f: (url: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'serve', '--policy', policy, '--listen', '127.0.0.1:0'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    await f(url);
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

const exited = (c: ChildProcess): Promise<number | null> =>
  new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

describe('a box recording into PostgreSQL', () => {
  it('gateway unlock makes the schema: the window in the database, the key and anchor on the box', () => {
    const r = cli('gateway', 'unlock', 'flysafe-api.dji.com', '--for', '10m', '--reason', 'geofence');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(sql('SELECT id, host, reason FROM box1.unlock_windows')).toBe('1|flysafe-api.dji.com|geofence');
    expect(sql("SELECT count(*) FROM box1.event_log WHERE kind = 'unlock'")).toBe('1');
    // The key never in the database: a file on the box, as with SQLite; no SQLite file made.
    expect(readFileSync(join(dir, 'airlock.hmac.key')).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'airlock.sqlite'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'postgres-box1.anchor'), 'utf8'))).toMatchObject({ seq: 1 });
    expect(cli('gateway', 'windows').stdout).toMatch(/1\s+flysafe-api\.dji\.com .* open\s+ok/);
  });

  it('the gateway logs each refused request and DNS query as a chained row there', async () => {
    const gw = await spawnGateway(policy, dir);
    expect(gw.stderr()).toContain('(schema box1)');
    const codes = ['a', 'b', 'c'].map((p) => viaProxy(gw.proxyPort, `http://upload.example/${p}`));
    expect(codes).toEqual(['403', '403', '403']);
    const dig = execFileSync(
      'dig',
      ['+tries=1', '+time=3', '@127.0.0.1', '-p', String(gw.dnsPort), 'mydjiflight.dji.com'],
      {
        encoding: 'utf8',
      },
    );
    expect(dig).toMatch(/status: NXDOMAIN/);
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    // Read by psql from the stored JSON, not by Airlock.
    expect(
      sql(
        "SELECT string_agg(body::json->>'name', ',' ORDER BY seq) FROM box1.event_log WHERE kind = 'connection'",
      ),
    ).toBe('upload.example,upload.example,upload.example');
    expect(sql("SELECT body::json->>'qname' FROM box1.event_log WHERE kind = 'dns'")).toBe(
      'mydjiflight.dji.com',
    );
    expect(sql('SELECT count(*), max(seq) FROM box1.event_log')).toBe('5|5');
  }, 60_000);

  it('log verify, show and export read it back, and agree with psql', () => {
    const v = cli('log', 'verify');
    const head = sql("SELECT seq || ':' || mac FROM box1.event_log ORDER BY seq DESC LIMIT 1");
    expect(v.stdout).toBe(`ok: 5 rows, 1 unlock window, head ${head}; anchor seq 5\n`);
    expect(v.code).toBe(0);
    const exported = cli('log', 'export', '--json');
    expect(exported.code).toBe(0);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; mac: string });
    expect(rows.map((r) => `${r.seq}:${r.mac}`).join('\n')).toBe(
      sql("SELECT string_agg(seq || ':' || mac, E'\\n' ORDER BY seq) FROM box1.event_log"),
    );
  });

  it('the dashboard shows the PostgreSQL store', async () => {
    await withServe(async (url) => {
      const page = await (await fetch(url)).text();
      expect(page).toContain('(schema box1)');
      expect(page).toMatch(/5 rows/);
      const verify = await fetch(`${url}verify`);
      expect(verify.status).toBe(200);
    });
  }, 60_000);

  it('a row changed with psql fails verify at that row; show marks it', () => {
    sql("UPDATE box1.event_log SET body = replace(body, 'upload.example', 'update.example') WHERE seq = 3");
    const v = cli('log', 'verify');
    expect(v.stdout).toMatch(/^FAILED: mac-mismatch at seq 3: the MAC does not match the row/);
    expect(v.code).toBe(1);
    const shown = cli('log', 'show');
    expect(shown.stdout).toMatch(/^\s+3 DAMAGED \[the MAC does not match the row\] .*update\.example/m);
    expect(shown.code).toBe(1);
  });

  it('rows cut off the end: the gateway refuses to start, naming the PostgreSQL store', async () => {
    sql('DELETE FROM box1.event_log WHERE seq = 5');
    const refused = await spawnGateway(policy, dir).then(
      (g) => {
        g.proc.kill('SIGKILL');
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/gateway did not start \(exit [1-9]/);
    expect(refused).toMatch(
      /the event log in postgresql:\/\/postgres@\/fleet.*\(schema box1\) is not the chain the anchor recorded/,
    );
    expect(refused).toMatch(/the database ends at seq 4/);
    // Nothing written by the refused start.
    expect(sql('SELECT max(seq) FROM box1.event_log')).toBe('4');
  }, 60_000);

  it('the database gone mid-run: new connections refused (503) and logged once it is back, the chain whole', async () => {
    const other = box('box2');
    const gw = await spawnGateway(other, dir);
    const get = (host: string) => viaProxy(gw.proxyPort, `http://${host}/`);
    expect(get('before.example')).toBe('403');
    await pg.pause();
    const during: string[] = [];
    for (let i = 0; i < 4; i++) {
      during.push(get(`during${i}.example`));
      await new Promise((r) => setTimeout(r, 300));
    }
    await pg.resume();
    // The writer retries its batch once the server is back; until then new connections stay refused.
    let after = '';
    for (let i = 0; i < 50 && after !== '403'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = get('after.example');
    }
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(after).toBe('403');
    // Fail closed: once the log could not be written, the next connections were refused.
    expect(during).toContain('503');
    const refused = during.filter((c) => c === '503').length;
    // Every request has its row (psql reads them): the decided ones by name, the refused ones as
    // log-unwritable; none lost to the outage.
    const names = sql(
      "SELECT string_agg(body::json->>'name', ',' ORDER BY seq) FROM box2.event_log WHERE body::json->>'reason' = 'sealed'",
    ).split(',');
    expect(names[0]).toBe('before.example');
    expect(names.at(-1)).toBe('after.example');
    expect(names.length + refused).toBeGreaterThanOrEqual(2 + during.length);
    expect(sql("SELECT count(*) FROM box2.event_log WHERE body::json->>'reason' = 'log-unwritable'")).toBe(
      String(refused),
    );
    const v = airlock(['log', 'verify', '--policy', other], { cwd: dir });
    expect(v.stdout).toMatch(/^ok: \d+ rows/);
    expect(v.code).toBe(0);
  }, 90_000);

  it('SIGKILL under a burst: the gateway starts again on its anchor, and the chain verifies', async () => {
    const other = box('box3');
    const gw = await spawnGateway(other, dir);
    const urls = Array.from({ length: 5000 }, (_, i) => `http://burst${i}.example/`);
    const burst = spawn(
      'curl',
      [
        '-s',
        '-Z',
        '--parallel-max',
        '50',
        '-o',
        '/dev/null',
        '-x',
        `http://127.0.0.1:${gw.proxyPort}`,
        ...urls,
      ],
      {
        stdio: 'ignore',
      },
    );
    // Killed mid-burst, once the anchor follows the log (written at most once a second).
    const anchor = join(dir, 'postgres-box3.anchor');
    for (let i = 0; i < 100 && !existsSync(anchor); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(burst.exitCode).toBe(null);
    gw.proc.kill('SIGKILL');
    await gw.exited;
    burst.kill('SIGKILL');
    const written = Number(sql('SELECT count(*) FROM box3.event_log'));
    expect(written).toBeGreaterThan(0);
    const again = await spawnGateway(other, dir);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(again.stderr()).not.toMatch(/not the chain the anchor recorded/);
    const v = airlock(['log', 'verify', '--policy', other], { cwd: dir });
    expect(v.stdout).toMatch(/^ok: \d+ rows/);
    expect(v.code).toBe(0);
  }, 90_000);
  it('log fleet: every box of the database, its traffic as psql counts it, its chain where the key is here', async () => {
    // box2's key given (the boxes of this test share one key file); box3's not.
    const keys = join(dir, 'keys');
    mkdirSync(keys);
    copyFileSync(join(dir, 'airlock.hmac.key'), join(keys, 'box2.hmac.key'));
    const r = cli('log', 'fleet', '--since', '1h', '--keys', keys, '--json');
    expect(r.stderr).toBe('');
    // box1's row 3 was changed by psql: the run says so.
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      boxes: {
        box: string;
        own: boolean;
        rows: number;
        lastRow: { seq: number; time: string } | null;
        connections: { refused: number; allowed: number; bytesUp: number };
        dns: { refused: number };
        chain: { status: string; text: string };
      }[];
    };
    expect(out.boxes.map((b) => [b.box, b.own, b.chain.status])).toEqual([
      ['box1', true, 'failed'],
      ['box2', false, 'ok'],
      ['box3', false, 'unchecked'],
    ]);
    expect(out.boxes[0]!.chain.text).toMatch(/^FAILED: mac-mismatch at seq 3/);
    for (const b of out.boxes) {
      const t = `${b.box}.event_log`;
      // The oracle: psql over the stored JSON (a summary row stands for `count` refusals).
      const refused = sql(
        `SELECT coalesce(sum(coalesce((body::json->>'count')::int, 1)), 0) FROM ${t} WHERE kind = 'connection' AND body::json->>'verdict' = 'block'`,
      );
      expect(String(b.connections.refused), b.box).toBe(refused);
      expect(String(b.rows), b.box).toBe(sql(`SELECT count(*) FROM ${t}`));
      expect(b.connections.allowed + b.connections.bytesUp, b.box).toBe(0);
      expect(b.lastRow?.time, b.box).toBe(
        sql(
          `SELECT to_char(to_timestamp(max(ts_ms) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM ${t}`,
        ),
      );
    }
    // The dashboard's fleet page: the same boxes and figures (chains are the CLI's to check).
    await withServe(async (url) => {
      const api = (await (await fetch(`${url}api/fleet.json?since=1h`)).json()) as {
        boxes: { box: string; summary: { rows: number; connections: { refused: number } } }[];
      };
      expect(api.boxes.map((b) => [b.box, b.summary.rows, b.summary.connections.refused])).toEqual(
        out.boxes.map((b) => [b.box, b.rows, b.connections.refused]),
      );
      const page = await (await fetch(`${url}fleet?since=1h`)).text();
      expect(page).toMatch(/<h1>Fleet<\/h1>/);
      expect(page).toMatch(/>box1<\/a> <span class="meta">\(this policy/);
      expect(page).toContain('<td><a href="/fleet?box=box3&#38;since=1h">box3</a></td>');
      // One box's page: its destinations as psql lists the names its rows went to, not linked
      // to this dashboard's log (another box's rows are not served here); this box's are.
      const box2 = await (await fetch(`${url}fleet?box=box2&since=1h`)).text();
      expect(box2).toMatch(/<h1><a href="\/fleet\?since=1h">Fleet<\/a> › box2<\/h1>/);
      const names = sql(
        "SELECT string_agg(DISTINCT body::json->>'destination', ',') FROM box2.event_log WHERE kind = 'connection'",
      ).split(',');
      expect(names.length).toBeGreaterThanOrEqual(3);
      // The 503s of the outage named no destination: shown as such, not as an empty cell.
      const shown = [
        ...box2.matchAll(/<tr class="refused"><td class="v">([^<]+|<span class="meta">[^<]+<\/span>)<\/td>/g),
      ].map((m) => m[1]);
      expect(shown.sort()).toEqual(
        names
          .map((n) => (n === '' ? '<span class="meta">(none: refused before a name was read)</span>' : n))
          .sort(),
      );
      expect(box2).not.toContain('/log?q=');
      expect(box2).toContain('airlock log fleet --keys DIR');
      const box1 = await (await fetch(`${url}fleet?box=box1&since=1h`)).text();
      expect(box1).toContain('href="/log?q=');
      const one = (await (await fetch(`${url}api/fleet.json?box=box2&since=1h`)).json()) as {
        box: { box: string; summary: unknown };
      };
      // The same figures as the list's (the window's ends move with the clock between the calls).
      const figures = (x: unknown) => {
        const { sinceMs: _s, untilMs: _u, ...rest } = x as { sinceMs: number; untilMs: number };
        return rest;
      };
      const listed = api.boxes.find((b) => b.box === 'box2');
      expect(figures(one.box.summary)).toEqual(figures(listed?.summary));
      expect((await fetch(`${url}fleet?box=box9`)).status).toBe(404);
      const bad = await fetch(`${url}api/fleet.json?box=Box2%3B`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/not a box name/) });
    });
    const text = cli('log', 'fleet', '--since', '1h', '--keys', keys).stdout;
    expect(text).toMatch(/^3 boxes; traffic from /);
    expect(text).toMatch(/^box1 \(this policy\) .* failed$/m);
    expect(text).toMatch(/^box3 .* no key here$/m);
    expect(text).toMatch(/^box3: not checked: no key here/m);
  });

  it('log fleet on a SQLite policy is a usage error, nothing read', () => {
    const lite = join(dir, 'lite.yaml');
    writeFileSync(lite, 'network:\n  mode: sealed\n');
    const r = airlock(['gateway', 'unlock', 'a.example', '--for', '1m', '--reason', 'x', '--policy', lite], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const f = airlock(['log', 'fleet', '--policy', lite], { cwd: dir });
    expect(f.stderr).toMatch(/log fleet reads a fleet's PostgreSQL database/);
    expect(f.code).toBe(64);
  });
});

/** Another box's policy in the same folder: its own schema (and so its own anchor), the same key file. */
function box(schema: string): string {
  const f = join(dir, `${schema}.yaml`);
  writeFileSync(
    f,
    `network:\n  mode: sealed\nstore:\n  postgresUrl: '${pg.url('fleet')}'\n  postgresSchema: ${schema}\n`,
  );
  return f;
}

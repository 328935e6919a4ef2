/**
 * `airlock audit` (the built CLI) applies a store's unlock window only when the store's HMAC key
 * authenticates it: a window written into the database directly is reported as unauthenticated
 * and not applied; without the key none is applied (fail closed), each listed as unverified; a
 * window relocked and then put back as it was (an earlier authentic state, written with Debian's
 * sqlite3 shell) is not applied either: the chain says it was ended ('chain-mismatch').
 * The HTML and CSV reports list every window of the store, applied or not and why.
 * The capture: a 160-byte POST to httpbin.org:80, over a 64-byte budget unless a window is open.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';

const POST = corpusFile('pcap/zeek-http-post.pcap');
const UNTIL = Date.UTC(2100, 0, 1);
let dir: string;
let policy: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-audit-windows-'));
  policy = join(dir, 'airlock.yaml');
  // The policy's key path (airlock.hmac.key beside it) does not exist: --hmac-key names the key.
  writeFileSync(
    policy,
    'version: 1\nnetwork:\n  mode: one-way\n  allow:\n    - host: httpbin.org\n      budget: {upstreamBytesPerConnection: 64}\nstore:\n  sqlitePath: none.sqlite\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store and its key file; with a real (store-written) window for httpbin.org when `window`. */
async function windowStore(name: string, window: boolean): Promise<{ db: string; keyFile: string }> {
  const key = randomBytes(32);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(keyFile, `${key.toString('hex')}\n`, { mode: 0o600 });
  const db = join(dir, `${name}.sqlite`);
  const store = new SqliteStore(db, { hmacKey: key });
  if (window)
    await store.addUnlockWindow({
      host: 'httpbin.org',
      fromMs: 0,
      untilMs: UNTIL,
      reason: 'firmware update',
    });
  await store.close();
  return { db, keyFile };
}

const httpbin = (report: {
  destinations: { name: string; outcome: { kind: string; reasons: string[] } }[];
}) => report.destinations.find((d) => d.name === 'httpbin.org')!.outcome;

describe('audit and unlock windows authenticated by the HMAC key', () => {
  it('a window the store wrote, checked with its key: verified and applied (exit 0)', async () => {
    const { db, keyFile } = await windowStore('real', true);
    const r = airlock(['audit', '--json', '--policy', policy, '--store', db, '--hmac-key', keyFile, POST]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.unlockWindows).toBe(1);
    expect(report.unlockWindowCheck).toEqual({
      status: 'verified',
      applied: [{ id: 1, host: 'httpbin.org', fromMs: 0, untilMs: UNTIL, reason: 'firmware update' }],
      unauthenticated: [],
    });
    expect(httpbin(report)).toMatchObject({ kind: 'allowed', reasons: ['unlock-window'] });
  });

  it('a window inserted into the database directly is reported as unauthenticated and not applied', async () => {
    const { db, keyFile } = await windowStore('forged', false);
    const raw = new Database(db);
    const forge = raw.prepare(
      "INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, mac) VALUES ('httpbin.org', 0, ?, ?, 0, ?)",
    );
    forge.run(UNTIL, 'forged', 'ab'.repeat(32));
    forge.run(UNTIL, 'forged without a MAC', null);
    raw.close();
    const args = ['--policy', policy, '--store', db, '--hmac-key', keyFile, POST];
    const r = airlock(['audit', '--json', ...args]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.unlockWindows).toBe(0);
    expect(report.unlockWindowCheck).toEqual({
      status: 'verified',
      applied: [],
      unauthenticated: [
        { id: 1, host: 'httpbin.org', fromMs: 0, untilMs: UNTIL, reason: 'forged', problem: 'bad-mac' },
        {
          id: 2,
          host: 'httpbin.org',
          fromMs: 0,
          untilMs: UNTIL,
          reason: 'forged without a MAC',
          problem: 'no-mac',
        },
      ],
    });
    expect(httpbin(report)).toMatchObject({ kind: 'cut' });
    const table = airlock(['audit', ...args]).stdout;
    expect(table).toMatch(
      /unlock window 1 \(httpbin\.org, 1970-01-01T00:00:00\.000Z to 2100-01-01T00:00:00\.000Z\) not applied: its MAC does not authenticate it/,
    );
    expect(table).toMatch(/unlock window 2 \(httpbin\.org, .*\) not applied: it has no MAC/);
  });

  it('a relocked window put back as it was (its MAC checks, the chain says ended) is not applied', async () => {
    const { db, keyFile } = await windowStore('rolled-back', true);
    const sql = (stmt: string): string =>
      execFileSync('/usr/bin/sqlite3', ['-cmd', '.timeout 5000', db, stmt]).toString().trim();
    const open = sql("SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = 1");
    // Relocked long before the capture (2011): honestly, the window no longer covers it.
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
    const store = new SqliteStore(db, { hmacKey: key });
    expect(await store.endUnlockWindow(1, 1000)).toBe(true);
    await store.close();
    const [untilMs, mac] = open.split(' ');
    sql(`UPDATE unlock_windows SET until_ms = ${untilMs}, mac = '${mac}' WHERE id = 1`);
    expect(Number(untilMs)).toBe(UNTIL);

    const args = ['--policy', policy, '--store', db, '--hmac-key', keyFile, POST];
    const r = airlock(['audit', '--json', ...args]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.unlockWindows).toBe(0);
    expect(report.unlockWindowCheck).toEqual({
      status: 'verified',
      applied: [],
      unauthenticated: [
        {
          id: 1,
          host: 'httpbin.org',
          fromMs: 0,
          untilMs: UNTIL,
          reason: 'firmware update',
          problem: 'chain-mismatch',
          detail: expect.stringMatching(
            /^it is not what its latest chained unlock row \(seq \d+\) says: until_ms 4102444800000 \(the chain: 1000\)/,
          ),
        },
      ],
    });
    expect(httpbin(report)).toMatchObject({ kind: 'cut' });
    const table = airlock(['audit', ...args]).stdout;
    expect(table).toMatch(
      /unlock window 1 \(httpbin\.org, 1970-01-01T00:00:00\.000Z to 2100-01-01T00:00:00\.000Z\) not applied: it is not what its latest chained unlock row \(seq \d+\) says: until_ms/,
    );
  });

  it('without the key: no window applied (fail closed), each listed as unverified', async () => {
    const { db } = await windowStore('unkeyed', true);
    const r = airlock(['audit', '--json', '--policy', policy, '--store', db, POST]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.unlockWindows).toBe(0);
    expect(report.unlockWindowCheck).toMatchObject({
      status: 'unverified',
      detail: expect.stringMatching(/^no HMAC key to authenticate them with \(.*airlock\.hmac\.key: /),
      unauthenticated: [expect.objectContaining({ host: 'httpbin.org', problem: 'unverified' })],
    });
    expect(httpbin(report)).toMatchObject({ kind: 'cut' });
    const table = airlock(['audit', '--policy', policy, '--store', db, POST]).stdout;
    expect(table).toMatch(
      /unlock window 1 \(httpbin\.org, .*\) not applied: it cannot be authenticated: no HMAC key/,
    );
    // A key named on the command line must be readable.
    const bad = airlock([
      'audit',
      '--policy',
      policy,
      '--store',
      db,
      '--hmac-key',
      join(dir, 'nope.key'),
      POST,
    ]);
    expect(bad.stderr).toMatch(/nope\.key/);
    expect(bad.code).toBe(2);
  });
});

describe('the HTML and CSV reports say which windows were applied, which not, and why', () => {
  /**
   * Window 1 (httpbin.org) relocked and put back as it was with the sqlite3 shell (chain-mismatch);
   * window 2 inserted with a forged MAC, its host and reason markup; window 3 written by the store
   * after both (applied).
   */
  async function mixedStore(name: string): Promise<{ db: string; keyFile: string }> {
    const { db, keyFile } = await windowStore(name, true);
    const sql = (stmt: string): string =>
      execFileSync('/usr/bin/sqlite3', ['-cmd', '.timeout 5000', db, stmt]).toString().trim();
    const [untilMs, mac] = sql("SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = 1").split(' ');
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
    let store = new SqliteStore(db, { hmacKey: key });
    expect(await store.endUnlockWindow(1, 1000)).toBe(true);
    await store.close();
    sql(`UPDATE unlock_windows SET until_ms = ${untilMs}, mac = '${mac}' WHERE id = 1`);
    sql(
      `INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, mac) VALUES ('<img src=x>.test', 0, ${UNTIL}, '=1+1 <b>', 0, '${'ab'.repeat(32)}')`,
    );
    store = new SqliteStore(db, { hmacKey: key });
    await store.addUnlockWindow({ host: 'files.test', fromMs: 5000, untilMs: UNTIL, reason: 'survey' });
    await store.close();
    return { db, keyFile };
  }

  it('HTML: a section near the top lists each window, applied or not and why, escaped', async () => {
    const { db, keyFile } = await mixedStore('mixed-html');
    const html = join(dir, 'mixed.html');
    const r = airlock([
      'audit',
      '--policy',
      policy,
      '--store',
      db,
      '--hmac-key',
      keyFile,
      '--html',
      html,
      POST,
    ]);
    expect(r.code).toBe(1);
    const page = readFileSync(html, 'utf8');
    const section = page.slice(
      page.indexOf('<h2>Unlock windows</h2>'),
      page.indexOf('<h2>Bytes up over time</h2>'),
    );
    expect(page.indexOf('<h2>Unlock windows</h2>')).toBeGreaterThan(0);
    expect(page.indexOf('<h2>Unlock windows</h2>')).toBeLessThan(page.indexOf('<h2>Egress destinations'));
    expect(section).toContain('1 applied');
    expect(section).toContain('2 not applied');
    const rows = section.split('<tr class=').slice(1);
    expect(rows.map((row) => /^"([a-z-]+)"><td class="n">(\d+)</.exec(row)?.slice(1))).toEqual([
      ['not-applied', '1'],
      ['not-applied', '2'],
      ['applied', '3'],
    ]);
    expect(rows[0]).toMatch(
      /chain-mismatch: it is not what its latest chained unlock row \(seq \d+\) says: until_ms 4102444800000/,
    );
    expect(rows[1]).toContain('bad-mac: its MAC does not authenticate it');
    expect(rows[2]).toContain('files.test');
    // What the store holds is text on the page, never markup.
    expect(rows[1]).toContain('&#60;img src=x&#62;.test');
    expect(rows[1]).toContain('=1+1 &#60;b&#62;');
    expect(page).not.toContain('<img');
  });

  it('CSV: a row per window after the destinations (kind unlock-window), read back by Python', async () => {
    const { db, keyFile } = await mixedStore('mixed-csv');
    const r = airlock(['audit', '--csv', '--policy', policy, '--store', db, '--hmac-key', keyFile, POST]);
    expect(r.code).toBe(1);
    const rows: Record<string, string>[] = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        ['-c', 'import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))'],
        { input: r.stdout, encoding: 'utf8' },
      ),
    );
    expect(rows.map((x) => x.kind)).toEqual([
      'destination',
      'unlock-window',
      'unlock-window',
      'unlock-window',
    ]);
    expect(rows[0]).toMatchObject({ name: 'httpbin.org', outcome: 'cut', window_id: '', window_replay: '' });
    const windows = rows
      .slice(1)
      .map((x) => [
        x.window_id,
        x.window_host,
        x.window_from,
        x.window_until,
        x.window_reason,
        x.window_replay,
        x.window_problem,
      ]);
    expect(windows).toEqual([
      [
        '1',
        'httpbin.org',
        '1970-01-01T00:00:00.000Z',
        '2100-01-01T00:00:00.000Z',
        'firmware update',
        'not-applied',
        'chain-mismatch',
      ],
      // A reason that would start a formula is defused (core/csv.ts).
      [
        '2',
        '<img src=x>.test',
        '1970-01-01T00:00:00.000Z',
        '2100-01-01T00:00:00.000Z',
        "'=1+1 <b>",
        'not-applied',
        'bad-mac',
      ],
      ['3', 'files.test', '1970-01-01T00:00:05.000Z', '2100-01-01T00:00:00.000Z', 'survey', 'applied', ''],
    ]);
    expect(rows[1]!.window_detail).toMatch(/^it is not what its latest chained unlock row \(seq \d+\) says/);
    expect(rows[2]!.window_detail).toMatch(/^its MAC does not authenticate it/);
    // The destination columns are empty on a window's row.
    expect(rows.slice(1).every((x) => x.scope === '' && x.name === '' && x.outcome === '')).toBe(true);
  });
});

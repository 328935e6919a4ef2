/**
 * `airlock audit` (the built CLI) applies a store's unlock window only when the store's HMAC key
 * authenticates it: a window written into the database directly is reported as unauthenticated
 * and not applied; without the key none is applied (fail closed), each listed as unverified; a
 * window relocked and then put back as it was (an earlier authentic state, written with Debian's
 * sqlite3 shell) is not applied either: the chain says it was ended ('chain-mismatch').
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
    expect(report.unlockWindowCheck).toEqual({ status: 'verified', unauthenticated: [] });
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

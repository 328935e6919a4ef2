import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import { chainMac, openSqliteStore, SCHEMA_VERSION, SqliteStore } from '../../src/store/index.js';

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const MIN = 60_000;
const KEY = new Uint8Array(32).fill(7);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('opening', () => {
  it('creates the file at the policy sqlitePath relative to the policy folder, in WAL mode', async () => {
    const settings = { ...defaultPolicy().store, sqlitePath: 'sub.sqlite' };
    const store = openSqliteStore(settings, dir, { hmacKey: KEY });
    expect(store.path).toBe(join(dir, 'sub.sqlite'));
    await store.addUnlockWindow({
      host: 'a.example',
      fromMs: T0,
      untilMs: T0 + MIN,
      reason: 'r',
      createdMs: T0,
    });
    await store.close();
    // Debian's sqlite3 shell reads the on-disk journal mode and the migrations table.
    const sql = (q: string) =>
      execFileSync('sqlite3', [join(dir, 'sub.sqlite'), q], { encoding: 'utf8' }).trim();
    expect(sql('PRAGMA journal_mode')).toBe('wal');
    expect(sql('SELECT MAX(version) FROM schema_version')).toBe(String(SCHEMA_VERSION));
    expect(sql('SELECT host, from_ms, until_ms FROM unlock_windows')).toBe(`a.example|${T0}|${T0 + MIN}`);
  });

  it('reopening keeps the windows and does not re-run migrations', async () => {
    const path = join(dir, 'a.sqlite');
    const first = new SqliteStore(path, { hmacKey: KEY });
    const w = await first.addUnlockWindow({
      host: 'flysafe-api.dji.com',
      fromMs: T0,
      untilMs: T0 + 10 * MIN,
      reason: 'unlock for job 42',
      createdMs: T0 - 5,
      createdBy: 'ops',
    });
    await first.close();
    const second = new SqliteStore(path, { hmacKey: KEY });
    expect(await second.unlockWindows()).toEqual([w]);
    expect(second.schemaVersion()).toBe(SCHEMA_VERSION);
    await second.close();
    const raw = new Database(path);
    expect(raw.prepare('SELECT COUNT(*) AS n FROM schema_version').get()).toEqual({ n: SCHEMA_VERSION });
    raw.close();
  });

  it('refuses a database whose schema is newer than this Airlock', async () => {
    const path = join(dir, 'future.sqlite');
    await new SqliteStore(path).close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_version (version, applied_ms) VALUES (?, 0)').run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(expect.objectContaining({ code: 'AIRLOCK_ERR_UNSUPPORTED' }));
  });

  it('reports a file that is not a database as an IO error naming the file', () => {
    const path = join(dir, 'not-a-db.sqlite');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    expect(() => new SqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'AIRLOCK_ERR_IO', file: path }),
    );
  });
});

describe('unlock windows', () => {
  it('round-trip with normalised hosts', async () => {
    const store = new SqliteStore(join(dir, 'w.sqlite'), { hmacKey: KEY });
    const w = await store.addUnlockWindow({
      host: 'FlySafe-API.dji.com.',
      fromMs: T0,
      untilMs: T0 + MIN,
      reason: 'geofence',
      createdMs: T0,
    });
    expect(w).toEqual({
      id: 1,
      host: 'flysafe-api.dji.com',
      fromMs: T0,
      untilMs: T0 + MIN,
      reason: 'geofence',
      createdMs: T0,
    });
    expect(await store.unlockWindows()).toEqual([w]);
    await store.close();
  });

  it('expiry queries: open at fromMs, closed at untilMs, exact to the ms', async () => {
    const store = new SqliteStore(join(dir, 'e.sqlite'), { hmacKey: KEY });
    const a = await store.addUnlockWindow({
      host: 'a.example',
      fromMs: T0,
      untilMs: T0 + 10 * MIN,
      reason: 'a',
    });
    const b = await store.addUnlockWindow({
      host: '*.b.example',
      fromMs: T0 + 5 * MIN,
      untilMs: T0 + 20 * MIN,
      reason: 'b',
    });
    const ids = async (at: number) => (await store.unlockWindows(at)).map((w) => w.id);
    expect(await ids(T0 - 1)).toEqual([]);
    expect(await ids(T0)).toEqual([a.id]);
    expect(await ids(T0 + 5 * MIN)).toEqual([a.id, b.id]);
    expect(await ids(T0 + 10 * MIN - 1)).toEqual([a.id, b.id]);
    expect(await ids(T0 + 10 * MIN)).toEqual([b.id]);
    expect(await ids(T0 + 20 * MIN)).toEqual([]);
    const overlap = async (f: number, u: number) =>
      (await store.unlockWindowsOverlapping(f, u)).map((w) => w.id);
    expect(await overlap(T0 - MIN, T0)).toEqual([]);
    expect(await overlap(T0 - MIN, T0 + 1)).toEqual([a.id]);
    expect(await overlap(T0 + 15 * MIN, T0 + 16 * MIN)).toEqual([b.id]);
    await store.close();
  });

  it('ending a window early closes it from that ms', async () => {
    const store = new SqliteStore(join(dir, 'end.sqlite'), { hmacKey: KEY });
    const a = await store.addUnlockWindow({
      host: 'a.example',
      fromMs: T0,
      untilMs: T0 + 10 * MIN,
      reason: 'a',
    });
    expect(await store.endUnlockWindow(a.id, T0 + MIN)).toBe(true);
    expect(await store.unlockWindows(T0 + MIN - 1)).toHaveLength(1);
    expect(await store.unlockWindows(T0 + MIN)).toHaveLength(0);
    expect(await store.endUnlockWindow(999, T0)).toBe(false);
    await store.close();
  });

  it('refuses a bad host, a reversed span and an empty reason', async () => {
    const store = new SqliteStore(join(dir, 'bad.sqlite'), { hmacKey: KEY });
    const usage = expect.objectContaining({ code: 'AIRLOCK_ERR_USAGE' });
    await expect(
      store.addUnlockWindow({ host: '*.com', fromMs: T0, untilMs: T0 + 1, reason: 'r' }),
    ).rejects.toEqual(usage);
    await expect(
      store.addUnlockWindow({ host: 'a b', fromMs: T0, untilMs: T0 + 1, reason: 'r' }),
    ).rejects.toEqual(usage);
    await expect(
      store.addUnlockWindow({ host: 'a.example', fromMs: T0, untilMs: T0 - 1, reason: 'r' }),
    ).rejects.toEqual(usage);
    await expect(
      store.addUnlockWindow({ host: 'a.example', fromMs: T0, untilMs: T0 + 1, reason: ' ' }),
    ).rejects.toEqual(usage);
    expect(await store.unlockWindows()).toEqual([]);
    await store.close();
  });

  it('windows read back from the store drive the gate', async () => {
    const store = new SqliteStore(join(dir, 'gate.sqlite'), { hmacKey: KEY });
    await store.addUnlockWindow({
      host: 'flysafe-api.dji.com',
      fromMs: T0,
      untilMs: T0 + MIN,
      reason: 'unlock',
    });
    const p = defaultPolicy();
    p.network.mode = 'one-way';
    const gate = new EgressGate(p, { windows: await store.unlockWindows() });
    const req = { id: '1', name: 'flysafe-api.dji.com', ip: '198.18.0.1', port: 443, proto: 'tcp' as const };
    expect(gate.open(req, T0).reason).toBe('unlock-window');
    expect(gate.open({ ...req, id: '2' }, T0 + MIN).reason).toBe('not-allowlisted');
    await store.close();
  });
});

describe('chained event log', () => {
  const row = (i: number) => ({
    kind: 'dns' as const,
    tsMs: T0 + i,
    client: '10.0.0.2',
    qname: `q${i}.example`,
    qtype: 'A',
    mode: 'one-way' as const,
    verdict: 'block' as const,
    reason: 'not-allowlisted',
  });

  async function filled(path: string, n: number): Promise<SqliteStore> {
    const store = new SqliteStore(path, { hmacKey: KEY });
    for (let i = 1; i <= n; i++) await store.appendLog(row(i));
    return store;
  }

  it('chains rows with HMAC-SHA256 over the previous MAC and verifies', async () => {
    const store = await filled(join(dir, 'log.sqlite'), 3);
    const rows = await store.logRows();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Independent recomputation of the first link with node:crypto.
    const { createHmac } = await import('node:crypto');
    const canonical =
      '{"client":"10.0.0.2","kind":"dns","mode":"one-way","qname":"q1.example","qtype":"A","reason":"not-allowlisted","tsMs":' +
      `${T0 + 1},"verdict":"block"}`;
    expect(rows[0]!.mac).toBe(createHmac('sha256', KEY).update(`\n1\n${canonical}`).digest('hex'));
    expect(rows[1]!.prevMac).toBe(rows[0]!.mac);
    expect(rows[2]!.mac).toBe(chainMac(KEY, rows[1]!.mac, 3, row(3)));
    expect(await store.verifyLog({ seq: 3, mac: rows[2]!.mac })).toEqual({
      ok: true,
      rows: 3,
      headMac: rows[2]!.mac,
      windows: 0,
      legacyWindows: 0,
    });
    await store.close();
  });

  it('detects a changed row', async () => {
    const path = join(dir, 'changed.sqlite');
    await (await filled(path, 3)).close();
    const raw = new Database(path);
    raw
      .prepare('UPDATE event_log SET body = ? WHERE seq = 2')
      .run(JSON.stringify({ ...row(2), verdict: 'allow' }));
    raw.close();
    const store = new SqliteStore(path, { hmacKey: KEY });
    expect(await store.verifyLog()).toMatchObject({ ok: false, badSeq: 2, problem: 'mac-mismatch' });
    await store.close();
  });

  it('detects a removed row and reordered rows', async () => {
    const path = join(dir, 'removed.sqlite');
    await (await filled(path, 4)).close();
    const raw = new Database(path);
    raw.prepare('DELETE FROM event_log WHERE seq = 2').run();
    raw.close();
    const store = new SqliteStore(path, { hmacKey: KEY });
    expect(await store.verifyLog()).toMatchObject({ ok: false, badSeq: 2, problem: 'seq-gap' });
    await store.close();

    const path2 = join(dir, 'reordered.sqlite');
    await (await filled(path2, 3)).close();
    const raw2 = new Database(path2);
    const [b2, b3] = [2, 3].map(
      (s) => (raw2.prepare('SELECT body FROM event_log WHERE seq = ?').get(s) as { body: string }).body,
    );
    raw2.prepare('UPDATE event_log SET body = ? WHERE seq = 2').run(b3);
    raw2.prepare('UPDATE event_log SET body = ? WHERE seq = 3').run(b2);
    raw2.close();
    const store2 = new SqliteStore(path2, { hmacKey: KEY });
    expect(await store2.verifyLog()).toMatchObject({ ok: false, badSeq: 2, problem: 'mac-mismatch' });
    await store2.close();
  });

  it('detects truncation from the end against the anchored head', async () => {
    const path = join(dir, 'trunc.sqlite');
    const store = await filled(path, 3);
    const head = (await store.logRows()).at(-1)!;
    await store.close();
    const raw = new Database(path);
    raw.prepare('DELETE FROM event_log WHERE seq = 3').run();
    raw.close();
    const again = new SqliteStore(path, { hmacKey: KEY });
    expect(await again.verifyLog()).toMatchObject({ ok: true, rows: 2 });
    expect(await again.verifyLog({ seq: head.seq, mac: head.mac })).toMatchObject({
      ok: false,
      problem: 'head-mismatch',
    });
    await again.close();
  });

  it('verifies across its 1,024-row batches, and finds a change deep inside one', async () => {
    const path = join(dir, 'long.sqlite');
    const store = new SqliteStore(path, { hmacKey: KEY });
    const all = Array.from({ length: 2100 }, (_, i) => row(i + 1));
    for (let i = 0; i < all.length; i += 500) await store.appendLogs(all.slice(i, i + 500));
    const head = (await store.logRows(2099, 1)).at(-1)!;
    expect(await store.verifyLog({ seq: head.seq, mac: head.mac })).toEqual({
      ok: true,
      rows: 2100,
      headMac: head.mac,
      windows: 0,
      legacyWindows: 0,
    });
    await store.close();
    const raw = new Database(path);
    raw
      .prepare('UPDATE event_log SET body = ? WHERE seq = 1500')
      .run(canonicalJson({ ...row(1500), qtype: 'TXT' }));
    raw.close();
    const again = new SqliteStore(path, { hmacKey: KEY });
    expect(await again.verifyLog()).toMatchObject({
      ok: false,
      rows: 1499,
      badSeq: 1500,
      problem: 'mac-mismatch',
    });
    await again.close();
  });

  it('a row stored as other JSON text for the same row (keys reordered, spaces) still verifies', async () => {
    // The MAC is over the row's canonical JSON, not over the stored text: only the content counts.
    const path = join(dir, 'text.sqlite');
    await (await filled(path, 5)).close();
    const raw = new Database(path);
    const { qname, ...rest } = row(2);
    raw
      .prepare('UPDATE event_log SET body = ? WHERE seq = 2')
      .run(JSON.stringify({ qname, ...rest }, null, 1));
    raw.close();
    const store = new SqliteStore(path, { hmacKey: KEY });
    expect(await store.verifyLog()).toMatchObject({ ok: true, rows: 5 });
    await store.close();
  });

  it('a different key does not verify, and no key refuses to write', async () => {
    const path = join(dir, 'key.sqlite');
    await (await filled(path, 2)).close();
    const other = new SqliteStore(path, { hmacKey: new Uint8Array(32).fill(8) });
    expect(await other.verifyLog()).toMatchObject({ ok: false, badSeq: 1 });
    await other.close();
    const none = new SqliteStore(path);
    await expect(none.appendLog(row(9))).rejects.toEqual(expect.objectContaining({ code: 'AIRLOCK_ERR_IO' }));
    await none.close();
  });
});

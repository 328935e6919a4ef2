/**
 * The group commit's store side: appendLogs writes a batch as one transaction (all rows or none,
 * chained exactly as row-by-row appends would be), and the database, its -wal and -shm are
 * created 0600 like the HMAC key, whatever the umask.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import type { LogRow } from '../../src/store/types.js';
import { dnsRow } from './log-rows.js';

const KEY = new Uint8Array(32).fill(9);
const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const row = (i: number) => dnsRow(i, T0);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-batch-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sql = (path: string, q: string) => execFileSync('sqlite3', [path, q], { encoding: 'utf8' }).trim();

describe('appendLogs', () => {
  it('chains a batch exactly as row-by-row appends do (same seqs and MACs)', async () => {
    const one = new SqliteStore(join(dir, 'one.sqlite'), { hmacKey: KEY });
    const batch = new SqliteStore(join(dir, 'batch.sqlite'), { hmacKey: KEY });
    for (let i = 1; i <= 7; i++) await one.appendLog(row(i));
    await batch.appendLogs([row(1), row(2), row(3)]);
    expect(await batch.appendLogs([])).toEqual([]);
    const tail = await batch.appendLogs([row(4), row(5), row(6), row(7)]);
    expect(tail.map((r) => r.seq)).toEqual([4, 5, 6, 7]);
    expect(await batch.logRows()).toEqual(await one.logRows());
    expect(await batch.verifyLog()).toMatchObject({ ok: true, rows: 7 });
    await one.close();
    await batch.close();
  });

  it('stores every row of batches around the multi-row INSERT size (32) exactly, in order', async () => {
    const path = join(dir, 'sizes.sqlite');
    const store = new SqliteStore(path, { hmacKey: KEY });
    const sizes = [31, 32, 33, 64, 65, 1];
    let n = 0;
    for (const size of sizes) await store.appendLogs(Array.from({ length: size }, () => row(++n)));
    // Debian's sqlite3 shell reads what is on disk: every seq once, in order, each body its row's.
    expect(sql(path, 'SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM event_log')).toBe(
      `${n}|1|${n}|${n}`,
    );
    const bodies = sql(path, 'SELECT seq, ts_ms, json_extract(body, "$.qname") FROM event_log ORDER BY seq')
      .split('\n')
      .map((l) => l.split('|'));
    expect(bodies).toEqual(
      Array.from({ length: n }, (_, i) => [String(i + 1), String(row(i + 1).tsMs), row(i + 1).qname]),
    );
    expect(await store.verifyLog()).toMatchObject({ ok: true, rows: n });
    await store.close();
  });

  it('writes all rows of a batch or none: a row that cannot be stored rolls the whole batch back', async () => {
    const path = join(dir, 'log.sqlite');
    const store = new SqliteStore(path, { hmacKey: KEY });
    await store.appendLogs([row(1), row(2)]);
    // A BigInt has no JSON form: the third row fails the batch.
    const bad = { ...row(5), client: 10n } as unknown as LogRow;
    await expect(store.appendLogs([row(3), row(4), bad, row(6)])).rejects.toMatchObject({
      code: 'AIRLOCK_ERR_IO',
    });
    // Debian's sqlite3 shell, not our reader, counts what is on disk.
    expect(sql(path, 'SELECT group_concat(seq) FROM event_log')).toBe('1,2');
    const next = await store.appendLogs([row(3)]);
    expect(next[0]!.seq).toBe(3);
    expect(await store.verifyLog()).toMatchObject({ ok: true, rows: 3 });
    await store.close();
  });
});

describe('file modes', () => {
  it('creates the database, -wal and -shm 0600 even under umask 000', async () => {
    const path = join(dir, 'private.sqlite');
    const old = process.umask(0);
    try {
      const store = new SqliteStore(path, { hmacKey: KEY });
      await store.appendLogs([row(1)]);
      for (const p of [path, `${path}-wal`, `${path}-shm`]) {
        expect({ p, mode: statSync(p).mode & 0o777 }).toEqual({ p, mode: 0o600 });
      }
      await store.close();
    } finally {
      process.umask(old);
    }
  });

  it('narrows a database (and its -wal) found readable by others', async () => {
    const path = join(dir, 'wide.sqlite');
    const s = new SqliteStore(path, { hmacKey: KEY });
    await s.appendLogs([row(1)]);
    await s.close();
    writeFileSync(`${path}-wal`, '');
    chmodSync(path, 0o644);
    chmodSync(`${path}-wal`, 0o666);
    const again = new SqliteStore(path, { hmacKey: KEY });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(await again.verifyLog()).toMatchObject({ ok: true, rows: 1 });
    await again.close();
  });
});

describe('anchor check', () => {
  it("an anchor older than the head still has to match its row's MAC", async () => {
    const store = new SqliteStore(join(dir, 'a.sqlite'), { hmacKey: KEY });
    const chained = await store.appendLogs([row(1), row(2), row(3)]);
    expect(await store.verifyLog({ seq: 2, mac: chained[1]!.mac })).toMatchObject({ ok: true, rows: 3 });
    expect(await store.verifyLog({ seq: 2, mac: chained[0]!.mac })).toMatchObject({
      ok: false,
      badSeq: 2,
      problem: 'head-mismatch',
    });
    expect(await store.verifyLog({ seq: 4, mac: chained[2]!.mac })).toMatchObject({
      ok: false,
      problem: 'head-mismatch',
    });
    await store.close();
  });
});

/**
 * Unlock windows are authenticated by the HMAC key (store/window-mac.ts): a window written to the
 * table by anyone but the store — with no MAC, a made-up one, an edited column, another window's
 * MAC, or an earlier state put back — is not returned as a window, and verifyLog fails naming it.
 * Windows from before migration 2 (no MAC) are unauthenticated, yet verify when the chain records them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { chainMac, MIGRATIONS, SCHEMA_VERSION, SqliteStore } from '../../src/store/index.js';
import type { UnlockLogRow } from '../../src/store/types.js';

const KEY = new Uint8Array(32).fill(5);
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-window-mac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A store with one window (id 1, a.example, T0 to T0 + 10 min), closed; its path. */
async function withWindow(): Promise<string> {
  const path = join(dir, `w${++n}.sqlite`);
  const s = new SqliteStore(path, { hmacKey: KEY });
  await s.addUnlockWindow({
    host: 'a.example',
    fromMs: T0,
    untilMs: T0 + 10 * MIN,
    reason: 'geofence unlock, job 4711',
    createdMs: T0,
    createdBy: 'ops',
  });
  await s.close();
  return path;
}

/** Runs `sql` on the database as another connection (not the store) would. */
function raw(path: string, sql: string, ...args: unknown[]): void {
  const db = new Database(path);
  db.prepare(sql).run(...args);
  db.close();
}

const FORGE =
  "INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by, mac) VALUES ('up.example', ?, ?, 'forged', ?, 'ops', ?)";

/** `key` null: a store without the key. */
async function open<T>(path: string, f: (s: SqliteStore) => Promise<T>, key: Uint8Array | null = KEY) {
  const s = new SqliteStore(path, key ? { hmacKey: key } : {});
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

describe('a window the store writes', () => {
  it('carries a MAC and its chained unlock row (with its id), and verifies', async () => {
    const path = await withWindow();
    await open(path, async (s) => {
      expect((await s.unlockWindows()).map((w) => w.id)).toEqual([1]);
      expect(await s.unlockWindowsChecked()).toMatchObject([{ window: { id: 1 }, auth: 'ok' }]);
      const rows = await s.logRows();
      expect(rows.map((r) => r.row)).toEqual([
        {
          kind: 'unlock',
          tsMs: T0,
          window: {
            host: 'a.example',
            fromMs: T0,
            untilMs: T0 + 10 * MIN,
            reason: 'geofence unlock, job 4711',
          },
          createdBy: 'ops',
          windowId: 1,
        },
      ]);
      expect(await s.verifyLog()).toMatchObject({ ok: true, rows: 1, windows: 1, legacyWindows: 0 });
    });
  });

  it('needs the key: without one, no window is returned as authenticated and none can be written', async () => {
    const path = await withWindow();
    await open(
      path,
      async (s) => {
        await expect(s.unlockWindows()).rejects.toMatchObject({ code: 'AIRLOCK_ERR_IO' });
        expect(await s.unlockWindowsChecked()).toMatchObject([{ window: { id: 1 }, auth: 'unverified' }]);
        await expect(
          s.addUnlockWindow({ host: 'b.example', fromMs: T0, untilMs: T0 + MIN, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'AIRLOCK_ERR_IO' });
      },
      null,
    );
  });
});

describe('a window written to the table directly (write access to the database, not the key)', () => {
  it('with no MAC: not returned, checked as no-mac, and verify fails naming its id', async () => {
    const path = await withWindow();
    raw(path, FORGE, T0, T0 + 60 * MIN, T0, null);
    await open(path, async (s) => {
      expect((await s.unlockWindows(T0 + MIN)).map((w) => w.id)).toEqual([1]);
      expect((await s.unlockWindowsOverlapping(T0, T0 + 60 * MIN)).map((w) => w.id)).toEqual([1]);
      expect((await s.unlockWindowsChecked()).map((c) => [c.window.id, c.auth])).toEqual([
        [1, 'ok'],
        [2, 'no-mac'],
      ]);
      const v = await s.verifyLog();
      expect(v).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 2, rows: 1 });
      expect(!v.ok && v.detail).toMatch(/^unlock window 2 \(up\.example\) has no MAC/);
    });
  });

  it('with a made-up MAC, or the MAC of another window: bad-mac, and verify fails naming it', async () => {
    const path = await withWindow();
    const realMac = (
      new Database(path).prepare('SELECT mac FROM unlock_windows WHERE id = 1').get() as { mac: string }
    ).mac;
    // Window 1 copied whole to a new id: the id is in the MAC.
    raw(
      path,
      'INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by, mac) SELECT host, from_ms, until_ms, reason, created_ms, created_by, mac FROM unlock_windows WHERE id = 1',
    );
    raw(path, FORGE, T0, T0 + 60 * MIN, T0, 'ab'.repeat(32));
    await open(path, async (s) => {
      expect((await s.unlockWindowsChecked()).map((c) => [c.window.id, c.auth])).toEqual([
        [1, 'ok'],
        [2, 'bad-mac'],
        [3, 'bad-mac'],
      ]);
      expect((await s.unlockWindows()).map((w) => w.id)).toEqual([1]);
      const v = await s.verifyLog();
      expect(v).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 2 });
      expect(!v.ok && v.detail).toMatch(/unlock window 2 \(a\.example\) does not authenticate/);
    });
    expect(realMac).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an edited until_ms (or host, or reason) makes the real window stop applying; verify names it', async () => {
    for (const edit of [
      `UPDATE unlock_windows SET until_ms = ${T0 + 600 * MIN} WHERE id = 1`,
      `UPDATE unlock_windows SET until_ms = ${T0 + 5 * MIN} WHERE id = 1`,
      "UPDATE unlock_windows SET host = '*.example' WHERE id = 1",
      "UPDATE unlock_windows SET reason = 'something else' WHERE id = 1",
    ]) {
      const path = await withWindow();
      raw(path, edit);
      await open(path, async (s) => {
        expect(await s.unlockWindows(T0 + MIN), edit).toEqual([]);
        const v = await s.verifyLog();
        expect(v, edit).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 1 });
      });
    }
  });

  it('a deleted window the chain records fails verify naming it', async () => {
    const path = await withWindow();
    raw(path, 'DELETE FROM unlock_windows WHERE id = 1');
    await open(path, async (s) => {
      const v = await s.verifyLog();
      expect(v).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 1 });
      expect(!v.ok && v.detail).toMatch(/missing from the unlock_windows table/);
    });
  });
});

describe('ending a window early', () => {
  it('re-MACs it and chains an `ended` row; verify passes, and fails when the old state is put back', async () => {
    const path = await withWindow();
    const before = new Database(path)
      .prepare('SELECT until_ms, mac FROM unlock_windows WHERE id = 1')
      .get() as {
      until_ms: number;
      mac: string;
    };
    await open(path, async (s) => {
      expect(await s.endUnlockWindow(1, T0 + MIN)).toBe(true);
      expect((await s.unlockWindows(T0 + MIN - 1)).map((w) => w.id)).toEqual([1]);
      expect(await s.unlockWindows(T0 + MIN)).toEqual([]);
      const last = (await s.logRows()).at(-1)!.row as UnlockLogRow;
      expect(last).toMatchObject({ kind: 'unlock', windowId: 1, ended: true, window: { untilMs: T0 + MIN } });
      expect(await s.verifyLog()).toMatchObject({ ok: true, rows: 2, windows: 1 });
      // Ending it again later changes nothing and records nothing.
      expect(await s.endUnlockWindow(1, T0 + 5 * MIN)).toBe(true);
      expect(await s.logRows()).toHaveLength(2);
      expect(await s.endUnlockWindow(99, T0)).toBe(false);
    });
    // The state before the end, MAC and all: authentic on its own, but not what the chain says now.
    raw(path, 'UPDATE unlock_windows SET until_ms = ?, mac = ? WHERE id = 1', before.until_ms, before.mac);
    await open(path, async (s) => {
      const v = await s.verifyLog();
      expect(v).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 1 });
      expect(!v.ok && v.detail).toMatch(/until_ms .*the chain: /);
    });
  });

  it('its earlier state put back is authentic but not applied: not what its latest chained row says, in a new process too', async () => {
    const path = await withWindow();
    const before = new Database(path)
      .prepare('SELECT until_ms, mac FROM unlock_windows WHERE id = 1')
      .get() as { until_ms: number; mac: string };
    await open(path, async (s) => {
      expect(await s.endUnlockWindow(1, T0 + MIN)).toBe(true);
      // Read once by this store, before the rollback: the ended row is what it knows as latest.
      expect(await s.unlockWindowsChecked()).toMatchObject([
        { window: { id: 1, untilMs: T0 + MIN }, auth: 'ok', chained: { seq: 2, ended: true } },
      ]);
      raw(path, 'UPDATE unlock_windows SET until_ms = ?, mac = ? WHERE id = 1', before.until_ms, before.mac);
      // Even once the row that ended it is deleted from the log: this store has read it.
      raw(path, 'DELETE FROM event_log WHERE seq = 2');
      const [c] = await s.unlockWindowsChecked();
      expect(c).toMatchObject({ auth: 'ok', chained: { seq: 2, ended: true } });
      expect(c!.chainProblem).toMatch(/^is not what its latest chained unlock row \(seq 2\) says: until_ms/);
      expect(await s.unlockWindows(T0 + 2 * MIN)).toEqual([]);
    });
    const rolledBack = await withWindow();
    await open(rolledBack, (s) => s.endUnlockWindow(1, T0 + MIN));
    raw(
      rolledBack,
      'UPDATE unlock_windows SET until_ms = ?, mac = ? WHERE id = 1',
      before.until_ms,
      before.mac,
    );
    // A new store (a restarted gateway) has seen nothing: the chain alone says the window was ended.
    await open(rolledBack, async (s) => {
      expect(await s.unlockWindows(T0 + 2 * MIN)).toEqual([]);
      expect((await s.unlockWindowsChecked())[0]!.chainProblem).toContain(
        `until_ms ${T0 + 10 * MIN} (the chain: ${T0 + MIN})`,
      );
    });
  });

  it('an unlock row forged into the log (its MAC made up) vouches for nothing', async () => {
    const path = await withWindow();
    const open10 = new Database(path)
      .prepare('SELECT until_ms, mac FROM unlock_windows WHERE id = 1')
      .get() as {
      until_ms: number;
      mac: string;
    };
    await open(path, (s) => s.endUnlockWindow(1, T0 + MIN));
    const db = new Database(path);
    const ended = db.prepare('SELECT body, mac FROM event_log WHERE seq = 2').get() as {
      body: string;
      mac: string;
    };
    const rolled = ended.body.replace(`"untilMs":${T0 + MIN}`, `"untilMs":${T0 + 10 * MIN}`);
    // The window's open state, recorded again after the end with a made-up MAC, and then with
    // the MAC of another key: neither is the key's row.
    db.prepare("INSERT INTO event_log VALUES (3, ?, 'unlock', ?, ?, ?)").run(
      T0 + 2 * MIN,
      rolled,
      ended.mac,
      'ab'.repeat(32),
    );
    const other = chainMac(new Uint8Array(32).fill(6), ended.mac, 4, JSON.parse(rolled));
    db.prepare("INSERT INTO event_log VALUES (4, ?, 'unlock', ?, ?, ?)").run(
      T0 + 2 * MIN,
      rolled,
      ended.mac,
      other,
    );
    db.close();
    raw(path, 'UPDATE unlock_windows SET until_ms = ?, mac = ? WHERE id = 1', open10.until_ms, open10.mac);
    await open(path, async (s) => {
      const [c] = await s.unlockWindowsChecked();
      expect(c).toMatchObject({ auth: 'ok', chained: { seq: 2, ended: true } });
      expect(c!.chainProblem).toMatch(/^is not what its latest chained unlock row \(seq 2\)/);
      expect(await s.unlockWindows(T0 + 2 * MIN)).toEqual([]);
    });
  });

  it('refuses a window that does not authenticate, and does not re-MAC it', async () => {
    const path = await withWindow();
    raw(path, `UPDATE unlock_windows SET until_ms = ${T0 + 600 * MIN} WHERE id = 1`);
    await open(path, async (s) => {
      await expect(s.endUnlockWindow(1, T0 + 300 * MIN)).rejects.toMatchObject({
        code: 'AIRLOCK_ERR_MALFORMED',
        message: expect.stringMatching(/unlock window 1 does not authenticate/),
      });
      expect((await s.unlockWindowsChecked())[0]!.auth).toBe('bad-mac');
    });
  });
});

describe('reading the windows that can still matter, twice a second', () => {
  it('endingAfterMs leaves out the windows over by then', async () => {
    const path = await withWindow();
    await open(path, async (s) => {
      await s.addUnlockWindow({ host: 'b.example', fromMs: T0, untilMs: T0 + 60 * MIN, reason: 'job 2' });
      const ids = async (at?: number) =>
        (await s.unlockWindowsChecked(at === undefined ? {} : { endingAfterMs: at })).map((c) => c.window.id);
      expect(await ids()).toEqual([1, 2]);
      expect(await ids(T0 + 10 * MIN - 1)).toEqual([1, 2]);
      expect(await ids(T0 + 10 * MIN)).toEqual([2]);
      expect(await ids(T0 + 60 * MIN)).toEqual([]);
    });
  });

  it('finds the chained unlock rows through their index, not by scanning the log', async () => {
    const path = await withWindow();
    await open(path, async () => {});
    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE kind = 'unlock' AND seq > ? ORDER BY seq",
      )
      .all(0) as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail)).toEqual(['SEARCH event_log USING INDEX event_log_unlock (seq>?)']);
  });
});

describe('a database from before windows had MACs (schema version 1)', () => {
  /** A version-1 database with one window and, when `chained`, its unlock row as Airlock wrote it then. */
  async function version1(chained: boolean): Promise<string> {
    const path = join(dir, `v1-${++n}.sqlite`);
    const db = new Database(path);
    db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)');
    db.exec(MIGRATIONS[0]!.sql);
    db.prepare('INSERT INTO schema_version VALUES (1, 0)').run();
    db.prepare(
      "INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by) VALUES ('old.example', ?, ?, 'old job', ?, 'ops')",
    ).run(T0, T0 + 10 * MIN, T0);
    db.close();
    if (chained) {
      const s = new SqliteStore(path, { hmacKey: KEY });
      await s.appendLog({
        kind: 'unlock',
        tsMs: T0,
        window: { host: 'old.example', fromMs: T0, untilMs: T0 + 10 * MIN, reason: 'old job' },
        createdBy: 'ops',
      });
      await s.close();
    }
    return path;
  }

  it('read-only, not migrated: its window reads as no-mac, not as an error', async () => {
    const path = await version1(false);
    const s = new SqliteStore(path, { hmacKey: KEY, readonly: true });
    expect(s.schemaVersion()).toBe(1);
    expect((await s.unlockWindowsChecked()).map((c) => c.auth)).toEqual(['no-mac']);
    expect(await s.unlockWindows()).toEqual([]);
    await s.close();
  });

  it('migrated: the old window is unauthenticated (not applied), and verifies when the chain records it', async () => {
    const path = await version1(true);
    await open(path, async (s) => {
      expect(s.schemaVersion()).toBe(SCHEMA_VERSION);
      expect(await s.unlockWindows(T0 + MIN)).toEqual([]);
      expect(await s.verifyLog()).toMatchObject({ ok: true, rows: 1, windows: 1, legacyWindows: 1 });
    });
    // One chained row vouches for one window: a second copy of it is not recorded anywhere.
    raw(
      path,
      "INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by) VALUES ('old.example', ?, ?, 'old job', ?, 'ops')",
      T0,
      T0 + 10 * MIN,
      T0,
    );
    await open(path, async (s) => {
      expect(await s.verifyLog()).toMatchObject({ ok: false, problem: 'window-mismatch', windowId: 2 });
    });
  });
});

/**
 * verifyLog checks every column of event_log, not only the MACed body: the ts_ms and kind columns
 * (what `log show --since` and `log export` select by) must say what the MACed body says. A body
 * that is not JSON is a failed row, not a crash; a read-only store never writes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { dnsRow } from './log-rows.js';

const KEY = new Uint8Array(32).fill(3);
const T0 = 1_750_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A store of `rows` rows, closed; then `sql` run on it by another connection. */
async function tampered(rows: number, sql?: string): Promise<string> {
  const path = join(dir, `log${++n}.sqlite`);
  const s = new SqliteStore(path, { hmacKey: KEY });
  await s.appendLogs(Array.from({ length: rows }, (_, i) => dnsRow(i + 1, T0)));
  await s.close();
  if (sql) {
    const raw = new Database(path);
    raw.exec(sql);
    raw.close();
  }
  return path;
}

const reader = (path: string) => new SqliteStore(path, { hmacKey: KEY, readonly: true });

describe('verifyLog checks the columns derived from the MACed body', () => {
  it('an edited ts_ms fails at its row (it would hide the row from --since)', async () => {
    const path = await tampered(5, 'UPDATE event_log SET ts_ms = ts_ms - 2592000000 WHERE seq = 3');
    const s = reader(path);
    const v = await s.verifyLog();
    expect(v).toMatchObject({ ok: false, rows: 2, badSeq: 3, problem: 'column-mismatch' });
    expect(!v.ok && v.detail).toMatch(/ts_ms/);
    await s.close();
  });

  it('an edited kind fails at its row', async () => {
    const path = await tampered(5, "UPDATE event_log SET kind = 'unlock' WHERE seq = 4");
    const s = reader(path);
    const v = await s.verifyLog();
    expect(v).toMatchObject({ ok: false, badSeq: 4, problem: 'column-mismatch' });
    expect(!v.ok && v.detail).toMatch(/kind/);
    await s.close();
  });

  it('the untouched log (the chain format is unchanged) still verifies across batches', async () => {
    const s = reader(await tampered(1100));
    expect(await s.verifyLog()).toMatchObject({ ok: true, rows: 1100 });
    await s.close();
  });
});

describe('a body that is not JSON', () => {
  it('verify reports a MAC mismatch at its row, not a SyntaxError', async () => {
    const path = await tampered(5, "UPDATE event_log SET body = '{' WHERE seq = 2");
    const s = reader(path);
    const v = await s.verifyLog();
    expect(v).toMatchObject({ ok: false, rows: 1, badSeq: 2, problem: 'mac-mismatch' });
    expect(!v.ok && v.detail).toMatch(/not JSON/);
    await s.close();
  });

  it('JSON that is not an object (a number) fails the same way', async () => {
    const s = reader(await tampered(3, "UPDATE event_log SET body = '5' WHERE seq = 3"));
    expect(await s.verifyLog()).toMatchObject({ ok: false, badSeq: 3, problem: 'mac-mismatch' });
    await s.close();
  });

  it('reading rows fails as an error naming the row and the file', async () => {
    const path = await tampered(5, "UPDATE event_log SET body = '{' WHERE seq = 4");
    const s = reader(path);
    expect((await s.logRows(0, 3)).length).toBe(3);
    await expect(s.logRows()).rejects.toMatchObject({
      code: 'AIRLOCK_ERR_MALFORMED',
      file: path,
      message: expect.stringMatching(/row 4 is damaged/),
    });
    await s.close();
  });
});

describe('checkedLogRows (what log show prints)', () => {
  it('returns every row, each damaged one flagged with why, the rest not', async () => {
    const path = await tampered(
      7,
      `UPDATE event_log SET body = '{' WHERE seq = 2;
       UPDATE event_log SET body = replace(body, 'q4.example', 'elsewhere.example') WHERE seq = 4;
       DELETE FROM event_log WHERE seq = 6;`,
    );
    const s = reader(path);
    const rows = await s.checkedLogRows();
    expect(rows.map((r) => [r.seq, r.problem])).toEqual([
      [1, undefined],
      [2, 'its body is not JSON (unreadable)'],
      [3, undefined],
      [4, 'the MAC does not match the row'],
      [5, undefined],
      [7, 'row 6 before it is missing'],
    ]);
    expect(rows[1]).toMatchObject({ body: '{' });
    expect(rows[1]!.row).toBeUndefined();
    expect(rows[3]!.row).toMatchObject({ qname: 'elsewhere.example' });
    // A page that starts after --after (or --since) is linked to the row before it all the same.
    expect((await s.checkedLogRows(2, 1)).map((r) => [r.seq, r.problem])).toEqual([[3, undefined]]);
    expect((await s.checkedLogRows(5)).map((r) => [r.seq, r.problem])).toEqual([
      [7, 'row 6 before it is missing'],
    ]);
    await s.close();
  });

  it('flags a row whose prev_mac was changed, and the first row when its prev_mac is not empty', async () => {
    const s = reader(
      await tampered(
        3,
        "UPDATE event_log SET prev_mac = 'ab' WHERE seq = 1; UPDATE event_log SET prev_mac = 'cd' WHERE seq = 3;",
      ),
    );
    expect((await s.checkedLogRows()).map((r) => r.problem)).toEqual([
      'the first row’s prev_mac is not empty',
      undefined,
      'prev_mac is not the previous row’s MAC',
    ]);
    await s.close();
  });
});

describe('a read-only store', () => {
  it('reads a 0-byte database as an empty log and writes nothing to it', async () => {
    const path = join(dir, 'empty.sqlite');
    writeFileSync(path, '');
    const s = reader(path);
    expect(s.schemaVersion()).toBe(0);
    expect(await s.logRows()).toEqual([]);
    expect(await s.verifyLog()).toEqual({ ok: true, rows: 0, headMac: '', windows: 0, legacyWindows: 0 });
    // An anchor beyond the (empty) log: rows were cut.
    expect(await s.verifyLog({ seq: 2, mac: 'ab' })).toMatchObject({ ok: false, problem: 'head-mismatch' });
    await s.close();
    expect(statSync(path).size).toBe(0);
    expect(readFileSync(path).length).toBe(0);
  });

  it('refuses to open a database that does not exist', () => {
    expect(() => reader(join(dir, 'absent.sqlite'))).toThrow();
  });

  it('a dropped event_log table is an error naming the table and the file', async () => {
    const path = await tampered(2, 'DROP TABLE event_log');
    expect(() => reader(path)).toThrow(
      expect.objectContaining({
        code: 'AIRLOCK_ERR_MALFORMED',
        file: path,
        message: expect.stringMatching(/event_log/),
      }),
    );
  });

  it('checks every expected head it is given (the anchor, a head the auditor kept)', async () => {
    const path = await tampered(4);
    const s = reader(path);
    const rows = await s.logRows();
    const h2 = { seq: 2, mac: rows[1]!.mac };
    const h4 = { seq: 4, mac: rows[3]!.mac };
    expect(await s.verifyLog([h2, h4])).toMatchObject({ ok: true, rows: 4 });
    expect(await s.verifyLog([h4, { seq: 2, mac: rows[0]!.mac }])).toMatchObject({
      ok: false,
      badSeq: 2,
      problem: 'head-mismatch',
    });
    expect(await s.verifyLog([h2, { seq: 5, mac: 'x' }])).toMatchObject({
      ok: false,
      badSeq: 5,
      problem: 'head-mismatch',
    });
    await s.close();
  });
});

/**
 * verifyLogFrom: the rows from a kept head (the anchor) to the end, checked as the chain going on
 * from it, the gateway's start check (gateway/record/start-check.ts). The same checks as
 * verifyLog (log-verify.ts verifyChain), started at the head's row; the rows before it are not
 * read, so a start costs what was written since the anchor, not the whole log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ChainHead } from '../../src/store/types.js';
import { dnsRow } from './log-rows.js';

const KEY = new Uint8Array(32).fill(5);
const T0 = 1_750_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-log-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A store of `rows` rows and the head at `at`, then `sql` run on it by another connection. */
async function store(rows: number, at: number, sql?: string): Promise<{ s: SqliteStore; head: ChainHead }> {
  const path = join(dir, `log${++n}.sqlite`);
  const w = new SqliteStore(path, { hmacKey: KEY });
  const chained = await w.appendLogs(Array.from({ length: rows }, (_, i) => dnsRow(i + 1, T0)));
  await w.close();
  if (sql) {
    const raw = new Database(path);
    raw.exec(sql);
    raw.close();
  }
  const h = chained[at - 1]!;
  return { s: new SqliteStore(path, { hmacKey: KEY }), head: { seq: h.seq, mac: h.mac } };
}

describe('verifyLogFrom', () => {
  it('a log that goes on from the head: the rows from it, and the last row as the new head', async () => {
    const { s, head } = await store(30, 25);
    const last = (await s.logRows(29, 1))[0]!;
    expect(await s.verifyLogFrom(head)).toEqual({ ok: true, rows: 6, head: { seq: 30, mac: last.mac } });
    await s.close();
  });

  it('the head is the last row: that row alone', async () => {
    const { s, head } = await store(30, 30);
    expect(await s.verifyLogFrom(head)).toEqual({ ok: true, rows: 1, head });
    await s.close();
  });

  it('does not read the rows before the head (one damaged there is verifyLog’s to find)', async () => {
    const { s, head } = await store(30, 25, "UPDATE event_log SET body = '{' WHERE seq = 3");
    expect(await s.verifyLogFrom(head)).toMatchObject({ ok: true, rows: 6 });
    expect(await s.verifyLog(head)).toMatchObject({ ok: false, badSeq: 3 });
    await s.close();
  });

  it('rows cut off the end: fails at the head, saying where the log now ends', async () => {
    const { s, head } = await store(30, 30, 'DELETE FROM event_log WHERE seq > 24');
    const v = await s.verifyLogFrom(head);
    expect(v).toMatchObject({ ok: false, badSeq: 30, problem: 'head-mismatch', lastSeq: 24 });
    expect(!v.ok && v.detail).toMatch(/the log ends at row 24/);
    await s.close();
  });

  it('every row gone: lastSeq 0', async () => {
    const { s, head } = await store(5, 5, 'DELETE FROM event_log');
    expect(await s.verifyLogFrom(head)).toMatchObject({ ok: false, badSeq: 5, lastSeq: 0 });
    await s.close();
  });

  it("the head's row gone, the rows after it left: a gap at the head", async () => {
    const { s, head } = await store(30, 25, 'DELETE FROM event_log WHERE seq = 25');
    expect(await s.verifyLogFrom(head)).toMatchObject({
      ok: false,
      badSeq: 25,
      problem: 'seq-gap',
      lastSeq: 30,
    });
    await s.close();
  });

  it("the head's row edited, or not the row the head names", async () => {
    const edited = await store(
      30,
      25,
      "UPDATE event_log SET body = replace(body, 'q25', 'q99') WHERE seq = 25",
    );
    expect(await edited.s.verifyLogFrom(edited.head)).toMatchObject({
      ok: false,
      badSeq: 25,
      problem: 'mac-mismatch',
    });
    await edited.s.close();
    const { s, head } = await store(30, 25);
    expect(await s.verifyLogFrom({ seq: 25, mac: 'cd'.repeat(32) })).toMatchObject({
      ok: false,
      badSeq: 25,
      problem: 'head-mismatch',
    });
    // A row the key wrote, but at another seq: not the head's.
    expect(await s.verifyLogFrom({ seq: 24, mac: head.mac })).toMatchObject({ ok: false, badSeq: 24 });
    await s.close();
  });

  it('a row after the head edited (body, column, link) fails at that row', async () => {
    for (const [sql, problem] of [
      ["UPDATE event_log SET body = replace(body, 'q28', 'q99') WHERE seq = 28", 'mac-mismatch'],
      ['UPDATE event_log SET ts_ms = ts_ms - 1000 WHERE seq = 28', 'column-mismatch'],
      ["UPDATE event_log SET prev_mac = '' WHERE seq = 28", 'mac-mismatch'],
    ] as const) {
      const { s, head } = await store(30, 25, sql);
      expect(await s.verifyLogFrom(head)).toMatchObject({ ok: false, rows: 3, badSeq: 28, problem });
      await s.close();
    }
  });

  it('a row after the head removed is a gap', async () => {
    const { s, head } = await store(30, 25, 'DELETE FROM event_log WHERE seq = 27');
    expect(await s.verifyLogFrom(head)).toMatchObject({ ok: false, badSeq: 27, problem: 'seq-gap' });
    await s.close();
  });

  it('the rows after the head replaced by another authentic run (rows cut, then appended again) fail at the head', async () => {
    const path = join(dir, `log${++n}.sqlite`);
    const w = new SqliteStore(path, { hmacKey: KEY });
    const first = await w.appendLogs(Array.from({ length: 20 }, (_, i) => dnsRow(i + 1, T0)));
    const raw = new Database(path);
    raw.exec('DELETE FROM event_log WHERE seq > 15');
    raw.close();
    // What a gateway started on the cut log would append: rows 16… chained anew by the key.
    await w.appendLogs(Array.from({ length: 8 }, (_, i) => dnsRow(100 + i, T0)));
    const head = { seq: 20, mac: first[19]!.mac };
    expect(await w.verifyLogFrom(head)).toMatchObject({
      ok: false,
      badSeq: 20,
      problem: 'head-mismatch',
      lastSeq: 23,
    });
    await w.close();
  });

  it('a read-only store with no schema yet is a log of no rows', async () => {
    const path = join(dir, `empty${++n}.sqlite`);
    new Database(path).close();
    const s = new SqliteStore(path, { hmacKey: KEY, readonly: true });
    expect(await s.verifyLogFrom({ seq: 1, mac: 'ab'.repeat(32) })).toMatchObject({
      ok: false,
      badSeq: 1,
      lastSeq: 0,
    });
    await s.close();
  });

  it('needs the HMAC key', async () => {
    const s = new SqliteStore(':memory:');
    await expect(s.verifyLogFrom({ seq: 1, mac: 'ab'.repeat(32) })).rejects.toThrow(/HMAC key/);
    await s.close();
  });
});

/**
 * The SQLite log writer on a thread of its own (what `airlock gateway` uses): batches committed
 * there chain exactly as on the caller's thread, verify through an independent connection, and a
 * batch the thread cannot write fails as a value naming the database. Runs the compiled worker
 * (dist/, built by the global setup): a worker thread loads JavaScript.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeSink } from '../../src/store/log-sink.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { LogSink } from '../../src/store/types.js';
import { dnsRow } from './log-rows.js';

const ROOT = join(import.meta.dirname, '../..');
const KEY = new Uint8Array(32).fill(7);
const row = (i: number) => dnsRow(i, 1_750_000_000_000);

type ThreadSink = LogSink & { close(): Promise<void> };
async function thread(path: string): Promise<ThreadSink> {
  const m = await import(pathToFileURL(join(ROOT, 'dist/store/log-thread.js')).href);
  return new m.LogThread({ path, key: KEY });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-logthread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite log writer thread', () => {
  it('chains batches exactly as the same store on this thread does, in the order they were sent', async () => {
    const path = join(dir, 'thread.sqlite');
    const here = new SqliteStore(join(dir, 'here.sqlite'), { hmacKey: KEY });
    const main = new SqliteStore(path, { hmacKey: KEY });
    const sink = await thread(path);
    const batches = [0, 1, 2, 3].map((b) => Array.from({ length: 50 }, (_, i) => row(b * 50 + i)));
    // Sent without waiting: the thread must keep their order.
    const heads = await Promise.all(batches.map((b) => sink.appendBatch(b)));
    const ours = [];
    for (const b of batches) ours.push(await storeSink(here).appendBatch(b));
    expect(heads).toEqual(ours);
    expect(heads[3]?.seq).toBe(200);
    await sink.close();
    // The main connection (and the sqlite3 shell) see every row, and the chain verifies.
    expect(await main.verifyLog(heads[3])).toMatchObject({ ok: true, rows: 200 });
    expect(
      execFileSync('sqlite3', [path, 'SELECT count(*), max(seq) FROM event_log'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('200|200');
    expect((await main.logRows(0, 1000)).map((r) => r.row)).toEqual(batches.flat());
    await main.close();
    await here.close();
  });

  it('a batch sent again after the same head (its answer lost) is chained once; after a stale head, appended', async () => {
    const path = join(dir, 'again.sqlite');
    const main = new SqliteStore(path, { hmacKey: KEY });
    const sink = await thread(path);
    const a = [row(1), row(2)];
    const b = [row(3), row(4), row(5)];
    const h1 = await sink.appendBatch(a);
    const h2 = await sink.appendBatch(b, { after: h1! });
    // The writer never heard h2 (its thread died after the commit): it sends b again after h1.
    expect(await sink.appendBatch(b, { after: h1! })).toEqual(h2);
    expect((await main.logRows()).map((r) => r.row)).toEqual([...a, ...b]);
    // Another writer moved the head meanwhile: a new batch after a stale head is simply appended.
    const c = [row(6)];
    const h3 = await sink.appendBatch(c, { after: h1! });
    expect(h3?.seq).toBe(6);
    expect((await main.logRows()).map((r) => r.row)).toEqual([...a, ...b, ...c]);
    expect(await main.verifyLog(h3)).toMatchObject({ ok: true, rows: 6 });
    await sink.close();
    await main.close();
  });

  it('an empty batch writes nothing and answers no head', async () => {
    const path = join(dir, 'empty.sqlite');
    const main = new SqliteStore(path, { hmacKey: KEY });
    const sink = await thread(path);
    expect(await sink.appendBatch([])).toBeUndefined();
    await sink.close();
    expect(await main.logRows()).toEqual([]);
    await main.close();
  });

  it('a batch it cannot write fails as an error naming the database; nothing is half-written', async () => {
    const path = join(dir, 'garbage.sqlite');
    writeFileSync(path, Buffer.alloc(4096, 0x5a));
    const sink = await thread(path);
    const err = await sink.appendBatch([row(1)]).then(
      () => undefined,
      (e: { code?: string; file?: string; message: string }) => e,
    );
    expect(err).toMatchObject({ code: 'AIRLOCK_ERR_IO', file: path });
    expect(err?.message).toMatch(/not a database/);
    await sink.close();
    await expect(sink.appendBatch([row(2)])).rejects.toThrow(/closed/);
  });
});

/**
 * Another process reading the log while the gateway writes it must not cost the gateway its WAL.
 * A child process runs the gateway's record as `airlock gateway` does (its main connection, the
 * log writer thread with its own connection, the LogWriter group-committing and anchoring) and
 * says how many rows each flush committed. Mid-run the sqlite3 shell reads the database; then
 * more rows are written. The -wal must still be there (not a deleted file the child keeps writing
 * to), another process must see every row, and after a SIGKILL of the child every row it had
 * acknowledged must be in the log, verified against its anchor. Airlock once opened and closed
 * the database file when the thread's connection opened, which dropped the main connection's
 * POSIX locks: the reader's close then deleted the -wal and -shm still in use.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readAnchor } from '../../src/gateway/record/anchor.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const ROOT = join(import.meta.dirname, '../..');
const dist = (p: string) => pathToFileURL(join(ROOT, 'dist', p)).href;
const dir = mkdtempSync(join(tmpdir(), 'airlock-wal-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_HEX = '5a'.repeat(32);
const path = join(dir, 'airlock.sqlite');
const anchorPath = join(dir, 'airlock.anchor');

/** The child: the gateway's record, writing 20 DNS rows every 5 ms; "acked N" after each flush. */
const CHILD = `
import { SqliteStore } from ${JSON.stringify(dist('store/sqlite.js'))};
import { LogThread } from ${JSON.stringify(dist('store/log-thread.js'))};
import { LogWriter } from ${JSON.stringify(dist('gateway/record/log-writer.js'))};
const key = Buffer.from(${JSON.stringify(KEY_HEX)}, 'hex');
const main = new SqliteStore(${JSON.stringify(path)}, { hmacKey: key });
const thread = new LogThread({ path: ${JSON.stringify(path)}, key });
const w = new LogWriter(thread, { groupCommitMs: 10, anchorPath: ${JSON.stringify(anchorPath)}, anchorEveryMs: 0 });
w.start();
let i = 0;
const tick = async () => {
  for (let k = 0; k < 20; k++, i++)
    w.append({ kind: 'dns', tsMs: Date.now(), client: '10.0.0.2', qname: 'q' + i + '.example', qtype: 'A',
      mode: 'one-way', verdict: 'block', reason: 'not-allowlisted' });
  await w.flush();
  if (!w.healthy) process.exit(3);
  process.stdout.write('acked ' + w.rowsWritten + '\\n');
  setTimeout(tick, 5);
};
void tick();
void main;
`;

function startChild(): { proc: ChildProcess; acked: () => number; exited: Promise<unknown> } {
  const file = join(dir, 'writer.mjs');
  writeFileSync(file, CHILD);
  const proc = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) acked = Math.max(acked, Number(/^acked (\d+)$/.exec(l)?.[1] ?? 0));
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return { proc, acked: () => acked, exited };
}

async function until(what: string, f: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What another process sees: the sqlite3 shell's row count and last seq. */
const otherProcessSees = (): { count: number; max: number } => {
  const [count, max] = execFileSync('sqlite3', [path, 'SELECT count(*), max(seq) FROM event_log'], {
    encoding: 'utf8',
  })
    .trim()
    .split('|')
    .map(Number);
  return { count: count!, max: max! };
};

/** The child's descriptors of deleted files (a -wal or -shm unlinked under it). */
const deletedFds = (pid: number): string[] =>
  readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((t) => t.startsWith(dir) && t.endsWith('(deleted)'));

describe('the log under a reader in another process', () => {
  it('keeps its -wal, shows every row to other processes, and keeps every acknowledged row through a SIGKILL', async () => {
    const child = startChild();
    const pid = child.proc.pid!;
    await until('the first rows', () => child.acked() >= 100);
    expect(existsSync(`${path}-wal`)).toBe(true);

    // An auditor's ordinary query while the gateway runs.
    expect(otherProcessSees().count).toBeGreaterThan(0);
    const atRead = child.acked();
    await until('rows after the read', () => child.acked() >= atRead + 400);

    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-shm`)).toBe(true);
    expect(deletedFds(pid)).toEqual([]);
    const seen = child.acked();
    expect(otherProcessSees().count).toBeGreaterThanOrEqual(seen);

    child.proc.kill('SIGKILL');
    await child.exited;
    const acked = child.acked();
    // Every row acknowledged (committed) before the kill survived it, and the chain verifies
    // against the anchor the child wrote, from a process that never wrote the log.
    const after = otherProcessSees();
    expect(after.count).toBeGreaterThanOrEqual(acked);
    expect(after.max).toBe(after.count);
    const anchor = readAnchor(anchorPath)!;
    expect(anchor.seq).toBeGreaterThanOrEqual(seen);
    const store = new SqliteStore(path, { hmacKey: Buffer.from(KEY_HEX, 'hex'), readonly: true });
    expect(await store.verifyLog(anchor)).toMatchObject({ ok: true, rows: after.count });
    await store.close();
  });
});

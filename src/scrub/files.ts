/** Small file primitives scrub needs: whole writes, streamed hashes, fsync'ed folders. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.js';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of a file read in chunks (a video of several GB is hashed, never loaded). */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** The buffer inputs are read into, reused job after job in this thread (see readWhole)... */
let spare: Buffer | undefined;
/** ...unless a rare huge input grew it past this: then it goes back to the collector. */
const MAX_SPARE = 64 * 2 ** 20;

/**
 * A whole file read into this thread's reusable buffer, grown as needed: a 25 MB still costs
 * no fresh allocation (page faults, then garbage for the collector) per file, and memory stays
 * at the largest input. The bytes are valid until `release`; a second read while one is out
 * gets a buffer of its own.
 */
export function readWhole(path: string): { bytes: Uint8Array; release: () => void } {
  const mine = spare;
  spare = undefined;
  let buf = mine ?? Buffer.allocUnsafe(0);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    // Grown before reading, not once full: a bigger input costs no copy of what was read. Doubled
    // at least, so a run of ever bigger inputs leaves few dead buffers for the collector to find.
    const size = fstatSync(fd).size;
    if (size >= buf.length)
      buf = Buffer.allocUnsafe(Math.max(64 * 1024, size + 1, Math.min(2 * buf.length, MAX_SPARE)));
    for (;;) {
      if (got === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(64 * 1024, buf.length * 2, fstatSync(fd).size + 1));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
  } catch (err) {
    if (buf.length <= MAX_SPARE) spare ??= buf;
    throw err;
  } finally {
    closeSync(fd);
  }
  return {
    bytes: buf.subarray(0, got),
    release: () => {
      if (buf.length <= MAX_SPARE) spare ??= buf;
    },
  };
}

/** Iovecs per writev call (Linux's IOV_MAX is 1024). */
const IOV_MAX = 1024;

/**
 * Bytes per write call. This machine's Linux (6.18, ext4) charges writes of 2 MiB and more per
 * call ~3x the system time of 1 MiB ones (dd of the 20 bench stills: bs=1M 0.18 s, bs=2M 0.54 s,
 * bs=4M 0.71 s; whole 25 MB pieces from Node 0.42-0.52 s, 1 MiB slices 0.09-0.11 s), so a big
 * piece goes out in slices.
 */
const MAX_WRITE = 2 ** 20;

/** The first pieces of `list` up to MAX_WRITE bytes in all (a bigger piece cut), at most IOV_MAX. */
function nextWrite(list: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = MAX_WRITE;
  for (const c of list) {
    if (left === 0 || out.length === IOV_MAX) break;
    const piece = c.length > left ? c.subarray(0, left) : c;
    out.push(piece);
    left -= piece.length;
  }
  return out;
}

/**
 * Write the pieces one after another with writev (no joined copy); returns the bytes written.
 * `hash`, when given, takes exactly the bytes each call wrote, right after it: they are still in
 * the CPU's cache then, where a separate pass over a 25 MB output reads them from memory again.
 */
export function writeChunks(fd: number, chunks: readonly Uint8Array[], hash?: Hash): number {
  let total = 0;
  let list = chunks.filter((c) => c.length > 0);
  while (list.length > 0) {
    const batch = nextWrite(list);
    let n = writevSync(fd, batch);
    if (hash)
      for (let k = 0, left = n; left > 0; k++) {
        const piece = batch[k] as Uint8Array;
        hash.update(left >= piece.length ? piece : piece.subarray(0, left));
        left -= piece.length;
      }
    total += n;
    // A short write: drop what went out, resume inside the piece it stopped in.
    let k = 0;
    while (k < list.length && n >= (list[k] as Uint8Array).length) n -= (list[k++] as Uint8Array).length;
    list = list.slice(k);
    if (n > 0) list[0] = (list[0] as Uint8Array).subarray(n);
  }
  return total;
}

/** Make a rename durable: fsync the folder that holds it (best effort where folders cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * syncfs(2) on a filesystem, asked of one long-lived `sh` that runs coreutils' `sync -f DIR` per
 * request (Node has no syncfs binding and native code is out): Linux waits for the writes, which
 * gives every file on that filesystem fsync's guarantee at once. The shell is forked once, when a
 * run starts and this process is still small; forking Node itself per batch (a 250 MB process:
 * page tables copied each time) cost the main thread ~0.3 s per 2,000 files. Every answer is
 * false where syncfs is unavailable (not Linux, no `sync`, the shell gone), and the caller then
 * fsyncs file by file: the guarantee never depends on this helper.
 */
export class FilesystemSync {
  private child: ChildProcess | undefined;
  /** Requests in the order written; the shell answers them in that order. */
  private readonly waiting: ((ok: boolean) => void)[] = [];
  private answers = '';

  private constructor(child: ChildProcess | undefined) {
    this.child = child;
    if (!child?.stdin || !child.stdout) {
      this.stop();
      return;
    }
    child.on('error', () => this.stop());
    child.on('exit', () => this.stop());
    child.stdin.on('error', () => this.stop());
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      this.answers += text;
      for (let nl = this.answers.indexOf('\n'); nl >= 0; nl = this.answers.indexOf('\n')) {
        const code = this.answers.slice(0, nl);
        this.answers = this.answers.slice(nl + 1);
        // `sync` missing or refused: every later answer would be the same.
        if (code !== '0') this.stop();
        this.waiting.shift()?.(code === '0');
      }
      this.idle();
    });
    this.idle();
  }

  /** Start the helper (Linux only; elsewhere every answer is false). */
  static start(): FilesystemSync {
    if (process.platform !== 'linux') return new FilesystemSync(undefined);
    try {
      // One line in (a folder), one line out (sync's exit status).
      const script = 'while IFS= read -r d; do sync -f -- "$d" 2>/dev/null; echo $?; done';
      return new FilesystemSync(spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] }));
    } catch {
      return new FilesystemSync(undefined);
    }
  }

  /** Make everything written on the filesystem holding `dir` durable; false if that cannot be done. */
  sync(dir: string): Promise<boolean> {
    const child = this.child;
    if (!child?.stdin?.writable || dir.includes('\n')) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      // Held open while an answer is due: the run may have nothing else keeping it alive.
      child.ref();
      (child.stdout as { ref?: () => void } | null)?.ref?.();
      child.stdin?.write(`${dir}\n`);
    });
  }

  /** End the helper; requests still waiting are answered false (their files get fsync'ed instead). */
  close(): void {
    this.stop();
  }

  private stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin?.end();
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.unref();
    }
    for (const w of this.waiting.splice(0)) w(false);
  }

  /** Idle, the helper keeps no run alive (a caller that forgets close() still exits). */
  private idle(): void {
    if (this.waiting.length > 0 || !this.child) return;
    this.child.unref();
    (this.child.stdout as { unref?: () => void } | null)?.unref?.();
  }
}

/** The lock a scrub holds on its --out folder for the whole run (top level of DIR). */
export const LOCK_NAME = '.airlock-scrub.lock';

/** Whether process `pid` is running on this machine (EPERM: it is, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException)?.code === 'EPERM';
  }
}

/** This boot's id (Linux), or '-': a lock from another boot is stale whatever its pid now runs. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || '-';
  } catch {
    return '-';
  }
}

/** When `pid` started, in clock ticks since boot (Linux /proc), or '-': tells a reused pid apart. */
function startOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '-';
  } catch {
    return '-';
  }
}

/**
 * Whether the run that wrote a lock is gone: on this host, and its pid is not running, or the
 * machine has rebooted since (another boot id), or the pid now belongs to a process that started
 * later (another start time). Locks of older versions carry no boot id or start time ('-' or absent).
 */
function lockStale(fields: readonly string[]): boolean {
  const [pidText = '', host = '', , boot = '-', start = '-'] = fields;
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  if (!alive(pid)) return true;
  if (boot !== '-' && boot !== bootId()) return true;
  const now = startOf(pid);
  return start !== '-' && now !== '-' && now !== start;
}

/**
 * Take DIR's lock, or refuse (AIRLOCK_ERR_IO: exit 2) while another scrub holds it. The lock file
 * holds `pid host time boot start`, written whole before it appears (a temp hard-linked to the lock
 * name, which fails if the name exists), so a reader never sees it empty. A lock left by a run that
 * is gone (killed, or the machine rebooted: see lockStale) is stale and taken over. Returns the release.
 */
export function lockFolder(dir: string, shown: string = dir): () => void {
  const path = join(dir, LOCK_NAME);
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()} ${bootId()} ${startOf(process.pid)}\n`;
  // Named like a temp output: a kill between its write and its removal leaves litter the next run sweeps.
  const tmp = join(dir, `.airlock-lock-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, me, { flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException)?.code;
        if (code === 'ENOENT' && attempt < 3) {
          // The temp swept by a run that is starting there: made again; the next link tells.
          writeFileSync(tmp, me);
          continue;
        }
        if (code !== 'EEXIST' || attempt >= 3) throw err;
      }
      let held: string;
      try {
        held = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') continue; // released meanwhile
        throw err;
      }
      const fields = held.trim().split(' ');
      const [pidText = '', host = '', since = ''] = fields;
      if (!lockStale(fields))
        throw new AirlockError(
          'AIRLOCK_ERR_IO',
          `--out ${shown} is in use by another airlock scrub (pid ${pidText || '?'} on ${host || '?'}, since ${since || '?'}): refused, so the two runs do not undo each other's work. If no scrub is running there, remove ${path}`,
        );
      // Its run is gone (killed): the lock is taken over, unless another run took it first.
      try {
        if (readFileSync(path, 'utf8') === held) rmSync(path, { force: true });
      } catch {
        // Gone already: the next attempt links.
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
    } catch {
      // Removed already (by hand): nothing to release.
    }
  };
}

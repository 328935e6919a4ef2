/** Small file primitives scrub needs: whole writes, streamed hashes, fsync'ed folders. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync, writevSync } from 'node:fs';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of pieces taken one after another (the file they are written as). */
export function sha256Chunks(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

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

/** Write the pieces one after another with writev (no joined copy); returns the bytes written. */
export function writeChunks(fd: number, chunks: readonly Uint8Array[]): number {
  let total = 0;
  let list = chunks.filter((c) => c.length > 0);
  while (list.length > 0) {
    let n = writevSync(fd, list.slice(0, IOV_MAX));
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

let syncFsWorks = process.platform === 'linux';

/**
 * syncfs(2) on the filesystem holding `dir`, through coreutils' `sync -f` (Node has no binding):
 * Linux waits for the writes, which gives every file on it fsync's guarantee at once. False
 * where that is not available (then the caller fsyncs file by file).
 */
export function syncFilesystem(dir: string): Promise<boolean> {
  if (!syncFsWorks) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('sync', ['-f', dir], { timeout: 10 * 60_000 }, (err) => {
      if (err) syncFsWorks = false;
      resolve(!err);
    });
  });
}

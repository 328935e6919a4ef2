/**
 * A clean copy's temp file beside its final name, created (open O_EXCL) on libuv's thread pool
 * as soon as a job knows it will write one, while its thread goes on cleaning the file. Creating
 * a file waits on the filesystem's journal (ext4: ~1 ms a file while other commits run, a third
 * of a small file's time in a scrub worker); here that wait overlaps the work instead of
 * stalling it. The bytes are written once they are verified; a job that writes nothing discards
 * the file. A temp a kill leaves behind is swept by the rerun (run.ts sweepTemps).
 */
import type { Hash } from 'node:crypto';
import { close, closeSync, mkdirSync, open, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { writeChunks } from './files.js';

/** Temp outputs are hidden and named so a rerun can sweep those a killed run left. */
export const TEMP_PREFIX = '.airlock-';
export const TEMP_SUFFIX = '.tmp';

let counter = 0;
/** Longest file name (bytes) Linux, macOS and Windows filesystems take. */
const NAME_MAX = 255;

/** `s` cut to at most `max` UTF-8 bytes, never inside a character. */
function fitBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (n + b > max) break;
    out += ch;
    n += b;
  }
  return out;
}

/**
 * The temp's name beside `name`: unique by pid, thread and counter; the output's name (for
 * whoever looks) cut so the whole fits NAME_MAX, as a 250-byte output name must still be written.
 */
export function tempName(name: string): string {
  const head = `${TEMP_PREFIX}${process.pid}-${threadId}-${counter++}-`;
  return head + fitBytes(name, NAME_MAX - Buffer.byteLength(head) - TEMP_SUFFIX.length) + TEMP_SUFFIX;
}
/** Output folders this thread already made: one mkdir each, not one per file. */
const madeDirs = new Set<string>();

/** open(2) with O_CREAT|O_EXCL off this thread; the error, if any, as a value. */
const openExclusive = (path: string): Promise<number | NodeJS.ErrnoException> =>
  new Promise((resolve) => open(path, 'wx', 0o644, (err, fd) => resolve(err ?? fd)));

export class TempOutput {
  readonly path: string;
  /** The open file, or why it could not be made; settled once, awaited by write or discard. */
  private readonly opened: Promise<number | NodeJS.ErrnoException>;
  /** write or discard has run: the descriptor is closed (never closed twice: it may be reused). */
  private ended = false;

  private constructor(readonly output: string) {
    const dir = dirname(output);
    this.path = join(dir, tempName(basename(output)));
    let made: Error | undefined;
    if (!madeDirs.has(dir)) {
      try {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      } catch (err) {
        made = err as Error; // reported by write, as any other failure to create the temp
      }
    }
    this.opened = made
      ? Promise.resolve(made)
      : openExclusive(this.path).then((r) => {
          // A folder remembered as made but removed since: made again, once.
          if (typeof r === 'number' || r.code !== 'ENOENT') return r;
          try {
            mkdirSync(dir, { recursive: true });
          } catch (err) {
            return err as NodeJS.ErrnoException;
          }
          return openExclusive(this.path);
        });
  }

  /** Start creating the temp for `output` (an absolute final path). */
  static start(output: string): TempOutput {
    return new TempOutput(output);
  }

  /**
   * Write the pieces (no fsync: the group commit makes them durable) and close; returns the bytes
   * written, `hash` (if given) updated with exactly those. Throws the open or write error, the
   * temp removed.
   */
  async write(chunks: readonly Uint8Array[] | Iterable<Uint8Array>, hash?: Hash): Promise<number> {
    if (this.ended) throw new Error(`${this.path}: written or discarded already`);
    this.ended = true;
    const fd = await this.opened;
    if (typeof fd !== 'number') throw fd;
    try {
      if (Array.isArray(chunks)) return writeChunks(fd, chunks, hash);
      // Blocks read as they are written (a video copied from its input): one at a time.
      let n = 0;
      for (const block of chunks) n += writeChunks(fd, [block], hash);
      return n;
    } catch (err) {
      rmSync(this.path, { force: true });
      throw err;
    } finally {
      closeSync(fd);
    }
  }

  /** The job writes nothing after all: close and remove the temp (once it exists); after write, nothing. */
  async discard(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const fd = await this.opened;
    if (typeof fd !== 'number') return;
    await new Promise<void>((resolve) => close(fd, () => resolve()));
    rmSync(this.path, { force: true });
  }
}

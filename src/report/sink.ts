/**
 * Where a streamed report goes: a stream (stdout) written in ~64 KiB chunks (per write on a
 * terminal, so each file shows as it completes) with its backpressure respected, or a file
 * written under a temporary name and renamed into place only when complete (DESIGN.md: never a
 * half-written report under its final name).
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { placeFile } from '../core/place-file.js';

const CHUNK = 64 * 1024;

export interface Sink {
  write(chunk: string): void;
  /** Resolves once the destination can take more (a pipe's reader may be slower than we are). */
  ready(): Promise<void>;
  /** Hand everything buffered to the destination. */
  flush(): void;
}

export interface FileSink extends Sink {
  /** Flush, close and rename into place. */
  commit(): void;
  /** Close and delete the temporary file. */
  abort(): void;
}

/**
 * Strings encoded straight into a byte buffer until `threshold` bytes, then handed to `out` in one
 * piece. Encoding each string where it lands costs a sixth of joining them and encoding the join
 * (measured on a 2,000-file report). A buffer once handed out is never written again: a stream
 * may still hold it.
 */
function buffered(threshold: number, out: (b: Uint8Array) => void): Pick<Sink, 'write' | 'flush'> {
  let buf = Buffer.allocUnsafe(0);
  let used = 0;
  const flush = (): void => {
    if (used === 0) return;
    const b = buf.subarray(0, used);
    buf = buf.subarray(used); // the rest stays ours to fill
    used = 0;
    out(b);
  };
  return {
    write(chunk) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      const worst = 3 * chunk.length;
      if (used + worst > buf.length) {
        flush();
        buf = Buffer.allocUnsafe(Math.max(worst, threshold + CHUNK));
      }
      used += buf.write(chunk, used, 'utf8');
      if (used >= threshold) flush();
    },
    flush,
  };
}

export function streamSink(stream: Writable & { isTTY?: boolean }): Sink {
  const b = buffered(stream.isTTY ? 0 : CHUNK, (s) => stream.write(s));
  // A stream closed while full (its reader went away: EPIPE) never drains, and stdout does not
  // say it closed (its `destroyed` stays false): the close is remembered here, and ends a wait.
  let closed = false;
  stream.once('close', () => {
    closed = true;
  });
  return {
    ...b,
    ready: () =>
      stream.writableNeedDrain && !closed
        ? new Promise((resolve) => {
            const done = (): void => {
              stream.off('drain', done);
              stream.off('close', done);
              resolve();
            };
            stream.once('drain', done);
            stream.once('close', done);
          })
        : Promise.resolve(),
  };
}

/** `opts`: whether an existing file at `path` is replaced, and the flag it came from (place-file.ts). */
export function atomicFileSink(path: string, opts: { replace: boolean; flag: string }): FileSink {
  const tmp = `${path}.airlock-${process.pid}.tmp`;
  let fd: number | null = openSync(tmp, 'w');
  const b = buffered(CHUNK, (s) => {
    if (fd !== null) writeSync(fd, s);
  });
  const abort = (): void => {
    try {
      if (fd !== null) closeSync(fd);
    } finally {
      fd = null;
      rmSync(tmp, { force: true });
    }
  };
  return {
    ...b,
    ready: () => Promise.resolve(),
    commit() {
      try {
        b.flush();
        if (fd !== null) closeSync(fd);
        fd = null;
        placeFile(tmp, path, opts.replace, opts.flag);
      } catch (err) {
        abort();
        throw err;
      }
    },
    abort,
  };
}

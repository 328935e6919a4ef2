/**
 * Random-access bytes for analysers. Analysers never open files: they read a ByteSource,
 * so the same parser runs on a buffer (tests, fuzz) and on a file (only the bytes it needs,
 * which is what keeps a 25 MB still cheap to inspect).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { truncated } from './errors.js';

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or a truncation error naming the offset. */
  read(offset: number, length: number): Uint8Array;
  /**
   * Fills `into` with the bytes at `offset` (exactly its length, or a truncation error), where a
   * source copies anyway: a scan over megabytes then reuses one buffer instead of allocating each
   * chunk (a file source; a buffer source has nothing to copy and leaves this out).
   */
  readInto?(offset: number, into: Uint8Array): Uint8Array;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw truncated('read', Math.max(0, offset));
    return this.buf.subarray(offset, offset + length);
  }
}

/** `length` bytes of another source from `offset` on, as a source of their own (an image inside a file). */
export class WindowSource implements ByteSource {
  constructor(
    private readonly src: ByteSource,
    private readonly offset: number,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size)
      throw truncated('read', this.offset + Math.max(0, offset));
    return this.src.read(this.offset + offset, length);
  }
}

/** Synchronous positional reads with a small read-ahead window (most reads are tiny and sequential). */
export class FileSource implements ByteSource {
  readonly size: number;
  private window = new Uint8Array(0);
  private windowStart = 0;
  private static readonly WINDOW = 64 * 1024;

  private constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  /** O_NONBLOCK: a path swapped for a FIFO between the walker's stat and this open must not block. */
  static open(path: string): FileSource {
    return new FileSource(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw truncated('read', Math.max(0, offset));
    const ws = this.windowStart;
    if (offset >= ws && offset + length <= ws + this.window.length) {
      return this.window.subarray(offset - ws, offset - ws + length);
    }
    const want = Math.min(Math.max(length, FileSource.WINDOW), this.size - offset);
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, buf, got, want - got, offset + got);
      if (n === 0) throw truncated('read', offset + got);
      got += n;
    }
    this.window = buf;
    this.windowStart = offset;
    return buf.subarray(0, length);
  }

  readInto(offset: number, into: Uint8Array): Uint8Array {
    if (offset < 0 || offset + into.length > this.size) throw truncated('read', Math.max(0, offset));
    let got = 0;
    while (got < into.length) {
      const n = readSync(this.fd, into, got, into.length - got, offset + got);
      if (n === 0) throw truncated('read', offset + got);
      got += n;
    }
    return into;
  }

  close(): void {
    closeSync(this.fd);
  }
}

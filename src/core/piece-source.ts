/**
 * A file made of pieces: new bytes, and ranges of an input copied as they are. A rewriter that
 * streams (a video's media is gigabytes) describes its output this way; it is verified through
 * this source and written block by block, and the input's ranges are never held whole.
 */
import { truncated } from './errors.js';
import type { ByteSource } from './source.js';

/** A range of the input, copied as it is. */
export interface InputRange {
  offset: number;
  length: number;
}
export type Piece = Uint8Array | InputRange;

/** Bytes written at once when a range of the input is copied. */
const BLOCK = 4 * 1024 * 1024;

export const pieceLength = (p: Piece): number => p.length;

export class PieceSource implements ByteSource {
  readonly size: number;
  private readonly pieces: Piece[];
  private readonly starts: number[] = [];

  constructor(
    pieces: readonly Piece[],
    private readonly input: ByteSource,
  ) {
    this.pieces = pieces.filter((p) => p.length > 0);
    let at = 0;
    for (const p of this.pieces) {
      this.starts.push(at);
      at += p.length;
    }
    this.size = at;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw truncated('read', Math.max(0, offset));
    if (length === 0) return new Uint8Array(0);
    let k = this.pieceAt(offset);
    let from = offset - (this.starts[k] as number);
    const first = this.pieces[k] as Piece;
    if (from + length <= first.length) return this.slice(first, from, length);
    // Across pieces: the only case that copies.
    const out = new Uint8Array(length);
    for (let o = 0; o < length; k += 1, from = 0) {
      const p = this.pieces[k] as Piece;
      const n = Math.min(p.length - from, length - o);
      out.set(this.slice(p, from, n), o);
      o += n;
    }
    return out;
  }

  /** The whole file in order, in blocks of at most BLOCK bytes of any input range. */
  *blocks(): Generator<Uint8Array> {
    for (const p of this.pieces) {
      if (p instanceof Uint8Array) {
        yield p;
        continue;
      }
      for (let at = 0; at < p.length; at += BLOCK)
        yield this.input.read(p.offset + at, Math.min(BLOCK, p.length - at));
    }
  }

  private slice(p: Piece, from: number, length: number): Uint8Array {
    return p instanceof Uint8Array
      ? p.subarray(from, from + length)
      : this.input.read(p.offset + from, length);
  }

  /** Index of the piece holding `offset` (binary search: a TIFF can have thousands of strips). */
  private pieceAt(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

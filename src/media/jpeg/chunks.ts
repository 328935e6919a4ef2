/**
 * A logical stream split over several APPn segments (FLIR FFF, extended XMP): collects the pieces
 * and maps a range of the joined stream back to the file ranges that carry it.
 */
import type { Range } from '../../findings/model.js';

interface Piece {
  at: number; // offset in the joined stream
  fileOffset: number;
  bytes: Uint8Array;
}

export class ChunkedStream {
  /** In stream order (ties in the order put) whenever read: sorted then, once, not at every put. */
  private readonly list: Piece[] = [];
  private inOrder = true;

  constructor(readonly length: number) {}

  /** Places `bytes` (read from `fileOffset` in the file) at `at` in the joined stream. */
  put(at: number, bytes: Uint8Array, fileOffset: number): void {
    const last = this.list.at(-1);
    if (last !== undefined && at < last.at) this.inOrder = false;
    this.list.push({ at, fileOffset, bytes });
  }

  /**
   * Sorting at every put was quadratic (32,000 chunks: 30 s). The sort is stable, so one sort of
   * the pieces in the order put leaves them as a sort after each put did.
   */
  private get pieces(): readonly Piece[] {
    if (!this.inOrder) {
      this.list.sort((a, b) => a.at - b.at);
      this.inOrder = true;
    }
    return this.list;
  }

  /** True when the pieces cover [0, length) without gaps. */
  complete(): boolean {
    let next = 0;
    for (const p of this.pieces) {
      if (p.at > next) return false;
      next = Math.max(next, p.at + p.bytes.length);
    }
    return next >= this.length;
  }

  joined(): Uint8Array {
    const out = new Uint8Array(this.length);
    for (const p of this.pieces) out.set(p.bytes.subarray(0, Math.max(0, this.length - p.at)), p.at);
    return out;
  }

  /** The stream offset of a file offset some piece carries (its end included), or undefined. */
  fromFile(fileOffset: number): number | undefined {
    const p = this.pieces.find(
      (q) => fileOffset >= q.fileOffset && fileOffset <= q.fileOffset + q.bytes.length,
    );
    return p === undefined ? undefined : p.at + (fileOffset - p.fileOffset);
  }

  /** File ranges carrying stream bytes [offset, offset+length). */
  toFile(offset: number, length: number): Range[] {
    const out: Range[] = [];
    const end = offset + length;
    for (const p of this.pieces) {
      const from = Math.max(offset, p.at);
      const to = Math.min(end, p.at + p.bytes.length);
      if (to > from) out.push({ offset: p.fileOffset + (from - p.at), length: to - from });
    }
    if (out.length === 0 && length === 0) {
      const p = this.pieces.find((q) => offset >= q.at && offset <= q.at + q.bytes.length);
      if (p) out.push({ offset: p.fileOffset + (offset - p.at), length: 0 });
    }
    return out;
  }
}

/** Byte helpers shared by the writers and rewriters. */
import { createHash } from 'node:crypto';
import { truncated } from './errors.js';
import type { ByteSource } from './source.js';

/** SHA-256 (hex) of blocks read one after another: the image-data hashes of the lossless proof. */
export function sha256Hex(blocks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const b of blocks) h.update(b);
  return h.digest('hex');
}

/** The parts, one after another, in a fresh array (never a view into a shared pool, unlike Buffer.concat). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Consecutive pieces read as one run of bytes, none copied: a rewritten file is checked and
 * written as the pieces it was built from (its image data a view of the input).
 */
export class ChunkSource implements ByteSource {
  readonly size: number;
  private readonly chunks: Uint8Array[];
  /** Offset of each chunk's first byte. */
  private readonly starts: number[] = [];

  constructor(chunks: readonly Uint8Array[]) {
    this.chunks = chunks.filter((c) => c.length > 0);
    let at = 0;
    for (const c of this.chunks) {
      this.starts.push(at);
      at += c.length;
    }
    this.size = at;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw truncated('read', Math.max(0, offset));
    if (length === 0) return new Uint8Array(0);
    let k = this.chunkAt(offset);
    let c = this.chunks[k] as Uint8Array;
    let from = offset - (this.starts[k] as number);
    if (from + length <= c.length) return c.subarray(from, from + length);
    // Across a boundary: the only case that copies.
    const out = new Uint8Array(length);
    for (let o = 0; o < length; k += 1, from = 0) {
      c = this.chunks[k] as Uint8Array;
      const n = Math.min(c.length - from, length - o);
      out.set(c.subarray(from, from + n), o);
      o += n;
    }
    return out;
  }

  /** Index of the chunk holding `offset` (binary search: a TIFF can have thousands of strips). */
  private chunkAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

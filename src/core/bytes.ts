/** Byte helpers shared by the writers and rewriters. */
import { createHash } from 'node:crypto';
import { PieceSource } from './piece-source.js';
import { BufferSource } from './source.js';

/** The input of pieces that are all in memory: none of them is a range of it. */
const NO_INPUT = new BufferSource(new Uint8Array(0));

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
 * written as the pieces it was built from (its image data a view of the input). A PieceSource
 * whose pieces are all in memory.
 */
export class ChunkSource extends PieceSource {
  constructor(chunks: readonly Uint8Array[]) {
    super(chunks, NO_INPUT);
  }
}

/**
 * ISO-BMFF / QuickTime box headers (ISO/IEC 14496-12 §4.2): size, type, 64-bit largesize,
 * size 0 ("to the end of the enclosing box"), uuid extended types. Every size is checked against
 * the box that holds it, so a hostile length ends the walk with an error naming its offset.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Range } from '../../findings/model.js';

export interface Box {
  /** Four characters, Mac Roman read as latin1 ('©xyz' is 0xA9 'x' 'y' 'z'). */
  type: string;
  /** First byte of the header. */
  offset: number;
  /** Header bytes (8, 16 with a largesize, +16 for a uuid). */
  header: number;
  /** Whole box, header included. */
  size: number;
  /** The 16-byte extended type of a 'uuid' box, as lowercase hex. */
  uuid?: string;
}

/** Boxes visited in one file: stops a file of millions of empty boxes. */
export const MAX_BOXES = 100_000;

export const bodyOf = (b: Box): Range => ({ offset: b.offset + b.header, length: b.size - b.header });
export const wholeOf = (b: Box): Range => ({ offset: b.offset, length: b.size });

/**
 * Big-endian integers, as every box field is; a byte past the end reads as 0 (callers check
 * lengths where a short field matters).
 */
export const be16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
export const be32 = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
/** Exact below 2^53, which every offset and second count in a real file is. */
export const be64 = (b: Uint8Array, at: number): number => be32(b, at) * 2 ** 32 + be32(b, at + 4);

export const fourcc = (bytes: Uint8Array, at: number): string =>
  String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);

/** Counts boxes across one file's walk, against MAX_BOXES. */
export class BoxBudget {
  private n = 0;
  take(offset: number): void {
    bound(++this.n, MAX_BOXES, 'boxes in one file', offset);
  }
}

/**
 * The boxes laid end to end in [start, end). A QuickTime list may end with a 32-bit zero
 * terminator (udta does); fewer than 8 bytes left over are ignored for the same reason.
 */
export function* boxesIn(src: ByteSource, start: number, end: number, budget: BoxBudget): Generator<Box> {
  let at = start;
  while (end - at >= 8) {
    const head = src.read(at, 8);
    const size32 = be32(head, 0);
    const type = fourcc(head, 4);
    if (size32 === 0 && type === '\0\0\0\0') return;
    budget.take(at);
    let header = 8;
    let size: number;
    if (size32 === 1) {
      if (end - at < 16) throw truncated(`'${printable(type)}' box largesize`, at + 8);
      size = be64(src.read(at + 8, 8), 0);
      header = 16;
    } else if (size32 === 0) size = end - at;
    else size = size32;
    if (size < header)
      throw malformed(`'${printable(type)}' box size ${size} is smaller than its header`, at);
    if (at + size > end)
      throw truncated(`'${printable(type)}' box of ${size} bytes (${end - at} left in its parent)`, at);
    const box: Box = { type, offset: at, header, size };
    if (type === 'uuid') {
      if (size < header + 16) throw truncated("'uuid' box extended type", at + header);
      box.uuid = Buffer.from(src.read(at + header, 16)).toString('hex');
      box.header += 16;
    }
    yield box;
    at += size;
  }
}

/** The children of a container box; `skip` bytes of its body come first (a full box's version and flags). */
export const childrenOf = (src: ByteSource, box: Box, budget: BoxBudget, skip = 0): Generator<Box> =>
  boxesIn(src, box.offset + box.header + skip, box.offset + box.size, budget);

/** A box type as a report shows it: control bytes escaped. */
export function printable(type: string): string {
  let out = '';
  for (const ch of type) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

/**
 * Byte patches over a whole file: the text rewriters (SRT, flight-log CSV) change only the
 * bytes they mean to; BOM, line endings and every untouched line are copied as they are.
 */
import { malformed } from '../../core/errors.js';

export interface Patch {
  offset: number;
  /** Bytes of the input replaced (0: an insertion). */
  length: number;
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);
export const removal = (offset: number, length: number): Patch => ({ offset, length, bytes: EMPTY });

/** The input with every patch applied. Patches must not overlap. */
export function splice(input: Uint8Array, patches: readonly Patch[]): Uint8Array {
  const sorted = [...patches].sort((a, b) => a.offset - b.offset);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const p of sorted) {
    if (p.offset < at || p.offset + p.length > input.length)
      throw malformed('overlapping rewrite patches', p.offset);
    parts.push(input.subarray(at, p.offset), p.bytes);
    at = p.offset + p.length;
  }
  parts.push(input.subarray(at));
  return Buffer.concat(parts);
}

/** Where the content of the line starting at `start` ends, given where the next line starts. */
export function contentEnd(input: Uint8Array, start: number, nextStart: number): number {
  let end = nextStart;
  if (end > start && input[end - 1] === 0x0a) end--;
  if (end > start && input[end - 1] === 0x0d) end--;
  return end;
}

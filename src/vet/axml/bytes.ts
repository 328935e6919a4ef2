/**
 * Little-endian reads for the binary XML reader that never run past the data: a read outside it
 * is a truncation error naming what was being read and where, never a RangeError or undefined.
 */
import { truncated } from '../../core/errors.js';

export function u8(b: Uint8Array, at: number, what: string): number {
  if (at < 0 || at >= b.length) throw truncated(what, at);
  return b[at]!;
}

export function u16(b: Uint8Array, at: number, what: string): number {
  if (at < 0 || at + 2 > b.length) throw truncated(what, at);
  return b[at]! | (b[at + 1]! << 8);
}

export function u32(b: Uint8Array, at: number, what: string): number {
  if (at < 0 || at + 4 > b.length) throw truncated(what, at);
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * Little-endian reads and ULEB128 over a DEX held in memory. Every read checks the file's end
 * and throws `truncated`, so no RangeError or undefined can escape a hostile offset.
 */
import { truncated } from '../../core/errors.js';

export function u16(b: Uint8Array, at: number, what: string): number {
  if (at < 0 || at + 2 > b.length) throw truncated(what, at);
  return b[at]! | (b[at + 1]! << 8);
}

export function u32(b: Uint8Array, at: number, what: string): number {
  if (at < 0 || at + 4 > b.length) throw truncated(what, at);
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** ULEB128 of at most five bytes (a DEX uleb128 is a 32-bit value): [value, next offset]. */
export function uleb128(b: Uint8Array, at: number, what: string): [number, number] {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= b.length) throw truncated(what, at + i);
    const byte = b[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [value >>> 0, at + i + 1];
  }
  // A fifth byte with its high bit set: the value has no end within a uleb128's five bytes.
  return [value >>> 0, at + 5];
}

/**
 * Little-endian reads shared by the APK's readers (ZIP, binary XML, DEX) that never run past the
 * data: a read outside it is a truncation error naming what was being read and where, never a
 * RangeError or an undefined.
 */
import { malformed, truncated } from '../core/errors.js';

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

/** A 64-bit field as a number; one past 2^53 cannot be a size or offset in any real file. */
export function u64(b: Uint8Array, at: number, what: string): number {
  const lo = u32(b, at, what);
  const hi = u32(b, at + 4, what);
  if (hi >= 0x200000) throw malformed(`${what}: 64-bit value past 2^53`, at);
  return hi * 0x100000000 + lo;
}

/** Whether the four bytes at `at` are the little-endian `signature` (false when out of range). */
export function hasSignature(b: Uint8Array, at: number, signature: number): boolean {
  return at >= 0 && at + 4 <= b.length && u32(b, at, 'signature') === signature;
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

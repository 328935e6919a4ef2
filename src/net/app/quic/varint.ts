/** QUIC variable-length integers (RFC 9000 §16): 1, 2, 4 or 8 bytes, the top two bits say which. */
import { malformed } from '../../../core/errors.js';
import type { Cursor } from '../cursor.js';

/**
 * Reads a varint as a number. Values above 2^53 cannot be lengths or offsets Airlock will honour;
 * they are returned as Infinity so the caller's bound() rejects them.
 */
export function readVarint(c: Cursor, what: string): number {
  const first = c.u8(what);
  const len = 1 << (first >> 6);
  let v = first & 0x3f;
  if (len === 1) return v;
  const rest = c.bytes(len - 1, what);
  for (const b of rest) v = v * 256 + b;
  return v > Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : v;
}

/** Encodes `v` in the shortest form (or in `len` bytes): the write side of the layout. */
export function writeVarint(v: number, len?: 1 | 2 | 4 | 8): Uint8Array {
  const n = len ?? (v < 0x40 ? 1 : v < 0x4000 ? 2 : v < 0x40000000 ? 4 : 8);
  if (!Number.isSafeInteger(v) || v < 0 || v >= 2 ** (8 * n - 2))
    throw malformed(`varint ${v} in ${n} bytes`, 0);
  const out = new Uint8Array(n);
  let x = v;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = x % 256;
    x = Math.floor(x / 256);
  }
  out[0]! |= [0, 0x40, 0, 0x80, 0, 0, 0, 0xc0][n - 1]!;
  return out;
}

/** Bounds-checked integer reads over a Uint8Array, in either byte order. */
import { truncated } from '../../core/errors.js';

/** Throws a truncation error naming `off` unless `len` bytes exist there. */
export function ensure(b: Uint8Array, off: number, len: number, what: string): void {
  if (off < 0 || len < 0 || off + len > b.length) throw truncated(what, Math.min(Math.max(off, 0), b.length));
}

export const u8 = (b: Uint8Array, o: number): number => b[o]!;
export const u16be = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const u16le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const u32be = (b: Uint8Array, o: number): number =>
  b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
export const u32le = (b: Uint8Array, o: number): number =>
  b[o + 3]! * 0x1000000 + ((b[o + 2]! << 16) | (b[o + 1]! << 8) | b[o]!);
export const u16 = (b: Uint8Array, o: number, le: boolean): number => (le ? u16le(b, o) : u16be(b, o));
export const u32 = (b: Uint8Array, o: number, le: boolean): number => (le ? u32le(b, o) : u32be(b, o));
/** Two 32-bit halves as one unsigned 64-bit value. */
export const u64 = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
export const i64 = (b: Uint8Array, o: number, le: boolean): bigint => {
  const v = le ? u64(u32le(b, o + 4), u32le(b, o)) : u64(u32be(b, o), u32be(b, o + 4));
  return BigInt.asIntN(64, v);
};

export const put16be = (b: Uint8Array, o: number, v: number): void => {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
};
export const put32 = (b: Uint8Array, o: number, v: number, le: boolean): void => {
  for (let i = 0; i < 4; i++) b[o + (le ? i : 3 - i)] = (v >>> (8 * i)) & 0xff;
};
export const put16 = (b: Uint8Array, o: number, v: number, le: boolean): void => {
  b[o + (le ? 0 : 1)] = v & 0xff;
  b[o + (le ? 1 : 0)] = (v >>> 8) & 0xff;
};

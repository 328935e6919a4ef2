/**
 * Little-endian reads over the APK Signing Block's nested length-prefixed records. Every read is
 * checked against the end of its own slice, and errors name the absolute offset in the APK.
 */
import { AirlockError, truncated } from '../../core/errors.js';

export class LeReader {
  private pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    /** Absolute offset of bytes[0] in the APK, for errors. */
    readonly base: number,
    readonly what: string,
  ) {}

  get offset(): number {
    return this.base + this.pos;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) throw truncated(`${this.what}: ${what}`, this.offset);
  }

  u32(what = 'uint32'): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  i32(what = 'int32'): number {
    return this.u32(what) | 0;
  }

  /** A 64-bit little-endian size; values past 2^53 are reported as Infinity (always over a limit). */
  u64(what = 'uint64'): number {
    const lo = this.u32(what);
    const hi = this.u32(what);
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 2 ** 32 + lo;
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A uint32 length followed by that many bytes. */
  lengthPrefixed(what: string): LeReader {
    const at = this.offset;
    const n = this.u32(`${what} length`);
    if (n > this.remaining) {
      throw new AirlockError(
        'AIRLOCK_ERR_TRUNCATED',
        `${this.what}: ${what} declares ${n} bytes, ${this.remaining} remain`,
        at,
      );
    }
    const start = this.pos;
    this.pos += n;
    return new LeReader(this.bytes.subarray(start, start + n), this.base + start, `${this.what} › ${what}`);
  }

  bytesPrefixed(what: string): Uint8Array {
    return this.lengthPrefixed(what).bytes;
  }
}

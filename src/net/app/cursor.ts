/**
 * A bounds-checked reader over untrusted bytes. Offsets in errors are absolute (`base` + position).
 * Running off the end of the input is "truncated" (more bytes may come); running off the end of a
 * length-delimited sub-structure is "malformed" (its own length says it is complete).
 */
import { malformed, truncated } from '../../core/errors.js';

export class Cursor {
  constructor(
    readonly b: Uint8Array,
    public at = 0,
    /** Absolute offset of b[0], for error messages. */
    readonly base = 0,
    /** What an overrun means here. */
    private readonly overrun: 'truncated' | 'malformed' = 'truncated',
  ) {}

  get left(): number {
    return this.b.length - this.at;
  }

  get done(): boolean {
    return this.at >= this.b.length;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.at;
  }

  private need(n: number, what: string): void {
    if (n > this.left) {
      throw this.overrun === 'truncated'
        ? truncated(what, this.offset)
        : malformed(`${what} overruns its enclosing structure`, this.offset);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.b[this.at++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.b[this.at]! << 8) | this.b[this.at + 1]!;
    this.at += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = (this.b[this.at]! << 16) | (this.b[this.at + 1]! << 8) | this.b[this.at + 2]!;
    this.at += 3;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.b;
    const v = b[this.at]! * 0x1000000 + ((b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!);
    this.at += 4;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** The next `n` bytes as a cursor whose overruns are malformed (they declare their own end). */
  sub(n: number, what: string): Cursor {
    const start = this.at;
    this.need(n, what);
    this.at += n;
    return new Cursor(this.b.subarray(start, start + n), 0, this.base + start, 'malformed');
  }

  /** A vector with a 1-, 2- or 3-byte length prefix (TLS's opaque<..>), as a sub-cursor. */
  vec(prefix: 1 | 2 | 3, what: string): Cursor {
    const n = prefix === 1 ? this.u8(what) : prefix === 2 ? this.u16(what) : this.u24(what);
    return this.sub(n, what);
  }

  /** Throws unless every byte was consumed. */
  end(what: string): void {
    if (!this.done) throw malformed(`${what}: ${this.left} trailing bytes`, this.offset);
  }
}

/** Printable ASCII kept; anything else escaped, so a NUL or a dot inside a label cannot disguise a name. */
export function asciiText(b: Uint8Array, escapeDot = false): string {
  let s = '';
  for (const c of b) {
    if (c > 0x20 && c < 0x7f && c !== 0x5c && !(escapeDot && c === 0x2e)) s += String.fromCharCode(c);
    else s += `\\${c.toString(10).padStart(3, '0')}`;
  }
  return s;
}

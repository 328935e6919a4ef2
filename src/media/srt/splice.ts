/**
 * Byte patches over a whole file: the text rewriters (SRT, flight-log CSV) change only the
 * bytes they mean to; BOM, line endings and every untouched line are copied as they are.
 */
import { malformed } from '../../core/errors.js';

/** Where the content of the line starting at `start` ends, given where the next line starts. */
export function contentEnd(input: Uint8Array, start: number, nextStart: number): number {
  let end = nextStart;
  if (end > start && input[end - 1] === 0x0a) end--;
  if (end > start && input[end - 1] === 0x0d) end--;
  return end;
}

/**
 * The input with patches applied as they are made, in order of offset. A list of patches (a
 * buffer per patched line) sorted and joined at the end cost more than the output on a long log,
 * which patches every line; this holds only the output.
 */
export class PatchWriter {
  private out: Buffer;
  private size = 0;
  /** Input bytes before this offset are written, copied or patched. */
  private at = 0;

  constructor(private readonly input: Uint8Array) {
    this.out = Buffer.allocUnsafe(input.length + 256);
  }

  /** Copies the input up to `offset` and skips its next `length` bytes: their replacement is written next. */
  replace(offset: number, length: number): void {
    if (offset < this.at || offset + length > this.input.length)
      throw malformed('overlapping rewrite patches', offset);
    this.bytes(this.input.subarray(this.at, offset));
    this.at = offset + length;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.out.set(b, this.size);
    this.size += b.length;
  }

  text(s: string, encoding: 'latin1' | 'utf8'): void {
    const n = encoding === 'latin1' ? s.length : Buffer.byteLength(s, 'utf8');
    this.room(n);
    this.size += this.out.write(s, this.size, n, encoding);
  }

  /** The output: the rest of the input after the last patch. */
  finish(): Uint8Array {
    this.bytes(this.input.subarray(this.at));
    this.at = this.input.length;
    return this.out.subarray(0, this.size);
  }

  private room(n: number): void {
    if (this.size + n <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.size + n, Math.ceil(this.out.length * 1.5)));
    grown.set(this.out.subarray(0, this.size));
    this.out = grown;
  }
}

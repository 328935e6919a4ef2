/**
 * Bytes gathered piece by piece (a head arriving in TCP segments): the store doubles when full,
 * as OrderedBytes does, so gathering n bytes copies O(n) of them, not a concatenation per piece.
 */
export class GrowingBytes {
  private buf: Uint8Array;
  private len = 0;

  /** Nothing is allocated before the first byte: most connections' heads come in one piece. */
  constructor(capacity = 0) {
    this.buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  /** The bytes so far: a view, valid until the next append (copy it to keep it). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  append(data: Uint8Array): void {
    if (this.len + data.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + data.length, 256));
      next.set(this.bytes);
      this.buf = next;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }
}

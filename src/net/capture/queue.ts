/**
 * Bytes pushed in chunks of any size, read from the front. A reader asks for exactly the bytes of
 * one block, so what is held is bounded by the largest block plus what the caller pushed ahead.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Read position inside chunks[0]. */
  private head = 0;
  private held = 0;
  private consumed = 0;

  /** Unread bytes held. */
  get length(): number {
    return this.held;
  }
  /** Absolute offset (from the first byte ever pushed) of the first unread byte. */
  get position(): number {
    return this.consumed;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
  }

  /** The first `n` unread bytes as one contiguous view, or undefined when fewer are held. */
  peek(n: number): Uint8Array | undefined {
    if (n > this.held) return undefined;
    const first = this.chunks[0];
    if (first === undefined) return new Uint8Array(0);
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    // Spans chunks: copy just the n bytes asked for (not the whole next chunk, which would copy
    // every byte of the capture once), so later peeks of the same block are free.
    const joined = new Uint8Array(n);
    let at = 0;
    let count = 0;
    let rest: Uint8Array | undefined;
    while (at < n) {
      const c = count === 0 ? first.subarray(this.head) : this.chunks[count]!;
      const take = Math.min(c.length, n - at);
      joined.set(take === c.length ? c : c.subarray(0, take), at);
      at += take;
      count++;
      if (take < c.length) rest = c.subarray(take);
    }
    if (rest) this.chunks.splice(0, count, joined, rest);
    else this.chunks.splice(0, count, joined);
    this.head = 0;
    return joined;
  }

  /** Up to `n` unread bytes (all held bytes when fewer). */
  peekUpTo(n: number): Uint8Array {
    return this.peek(Math.min(n, this.held))!;
  }

  skip(n: number): void {
    const k = Math.min(n, this.held);
    this.held -= k;
    this.consumed += k;
    let left = k;
    while (left > 0) {
      const first = this.chunks[0]!;
      const avail = first.length - this.head;
      if (avail > left) {
        this.head += left;
        return;
      }
      left -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }
}

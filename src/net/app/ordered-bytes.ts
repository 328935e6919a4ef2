/**
 * One TCP direction's bytes put back in order from captured segments (retransmitted, out of
 * order, or with the handshake missing), up to a fixed number of bytes. Sequence numbers wrap
 * (32-bit): offsets are taken modulo 2^32 from the initial one.
 */
import { APP_LIMITS } from './limits.js';

/** The parts of a TCP segment the collector needs. */
export interface SegmentIn {
  readonly seq: number;
  /** TCP_FLAG bits: SYN fixes the initial sequence number. */
  readonly flags: number;
  readonly payload: Uint8Array;
}

const SYN = 0x002;

export class OrderedBytes {
  private isn: number | undefined;
  private buf: Uint8Array;
  private len = 0;
  private readonly pending = new Map<number, Uint8Array>();

  constructor(private readonly maxBytes: number) {
    this.buf = new Uint8Array(Math.min(maxBytes, 2048));
  }

  /** The in-order bytes collected so far (a view: copy it to keep it past the next push). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** No more bytes will ever be added. */
  get full(): boolean {
    return this.len >= this.maxBytes;
  }

  /**
   * Where to go on from with a StreamCursor: the sequence number of the first byte not collected
   * (undefined before any), and the segments held past a gap, by sequence number.
   */
  handOver(): { nextSeq: number; held: [number, Uint8Array][] } | undefined {
    const isn = this.isn;
    if (isn === undefined) return undefined;
    return {
      nextSeq: (isn + this.len) >>> 0,
      held: [...this.pending].map(([o, d]) => [(isn + o) >>> 0, d]),
    };
  }

  push(seg: SegmentIn): void {
    if (seg.flags & SYN) this.isn = (seg.seq + 1) >>> 0;
    if (seg.payload.length === 0) return;
    // Without a SYN in the capture the first data segment seen is taken as the start.
    if (this.isn === undefined) this.isn = seg.seq >>> 0;
    this.place(((seg.seq - this.isn) >>> 0) % 0x100000000, seg.payload);
  }

  private place(offset: number, data: Uint8Array): void {
    // Offsets past 2^31 are data from before the start (reordered before the first segment seen).
    if (offset >= 0x80000000) return;
    if (offset > this.len) {
      if (
        offset < this.maxBytes &&
        this.pending.size < APP_LIMITS.maxPendingSegments &&
        !this.pending.has(offset)
      )
        this.pending.set(offset, data.slice(0, this.maxBytes - offset));
      return;
    }
    this.append(data.subarray(this.len - offset));
    // Fill from held segments that now touch the end.
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const [o, d] of this.pending) {
        if (o > this.len) continue;
        this.pending.delete(o);
        this.append(d.subarray(this.len - o));
        progressed = true;
      }
    }
  }

  private append(data: Uint8Array): void {
    const take = data.subarray(0, this.maxBytes - this.len);
    if (take.length === 0) return;
    if (this.len + take.length > this.buf.length) {
      // Doubling keeps a long head's copies linear in its length.
      const next = new Uint8Array(
        Math.min(this.maxBytes, Math.max(this.buf.length * 2, this.len + take.length)),
      );
      next.set(this.bytes);
      this.buf = next;
    }
    this.buf.set(take, this.len);
    this.len += take.length;
  }
}

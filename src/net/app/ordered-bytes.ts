/**
 * One TCP direction's bytes put back in order from captured segments (retransmitted, out of
 * order, or with the handshake missing), up to a fixed number of bytes. Sequence numbers wrap
 * (32-bit): offsets are taken modulo 2^32 from the initial one.
 *
 * Where copies of the same stream bytes overlap, the bytes read are the ones the Linux receiver
 * (the gateway's stack) hands its reader (tcp_data_queue, tcp_data_queue_ofo, tcp_ofo_queue):
 * bytes already in order stay as first read; of segments held past a gap, the one that starts
 * lowest is read first (held segments are drained by offset, not by arrival), and a later
 * segment at the same offset replaces a held one only when it is longer. When two copies of a
 * byte differ, or a segment had to be dropped because the hold was full, the reading is flagged
 * (`ambiguity`): a sender may have aimed one copy at the audit and another at the gateway.
 */
import { APP_LIMITS } from './limits.js';

/** The parts of a TCP segment the collector needs. */
export interface SegmentIn {
  readonly seq: number;
  /** TCP_FLAG bits: SYN fixes the initial sequence number. */
  readonly flags: number;
  readonly payload: Uint8Array;
}

/**
 * Why a stream's reading cannot be trusted to be the receiver's, and where (the stream offset
 * from its first byte): two copies of the same bytes differ, or a segment past a gap was dropped
 * because the hold was full (the receiver would have kept it).
 */
export interface StreamAmbiguity {
  readonly kind: 'copies-differ' | 'hold-full';
  readonly offset: number;
}

const SYN = 0x002;

/** Index of the first byte where a and b differ over their common length, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export class OrderedBytes {
  private isn: number | undefined;
  private buf: Uint8Array;
  private len = 0;
  private readonly pending = new Map<number, Uint8Array>();
  private flagged: StreamAmbiguity | undefined;

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

  /** The first reason the bytes read may not be the receiver's, once one was met. */
  get ambiguity(): StreamAmbiguity | undefined {
    return this.flagged;
  }

  /** Bytes held past a gap the stream has not reached (never read while the gap stays open). */
  get heldBytes(): number {
    let n = 0;
    for (const d of this.pending.values()) n += d.length;
    return n;
  }

  /** The sequence number of the first byte not collected (undefined before the first sequence number is known). */
  get nextSeq(): number | undefined {
    return this.isn === undefined ? undefined : (this.isn + this.len) >>> 0;
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
      held: [...this.pending]
        .sort(([a], [b]) => a - b)
        .map(([o, d]): [number, Uint8Array] => [(isn + o) >>> 0, d]),
    };
  }

  push(seg: SegmentIn): void {
    if (seg.flags & SYN) this.isn = (seg.seq + 1) >>> 0;
    if (seg.payload.length === 0) return;
    // Without a SYN in the capture the first data segment seen is taken as the start.
    if (this.isn === undefined) this.isn = seg.seq >>> 0;
    this.place(((seg.seq - this.isn) >>> 0) % 0x100000000, seg.payload);
  }

  private flag(kind: StreamAmbiguity['kind'], offset: number): void {
    this.flagged ??= { kind, offset };
  }

  private place(offset: number, data: Uint8Array): void {
    // Offsets past 2^31 are data from before the start (reordered before the first segment seen).
    if (offset >= 0x80000000) return;
    if (offset > this.len) {
      if (offset < this.maxBytes) this.hold(offset, data.subarray(0, this.maxBytes - offset));
      return;
    }
    this.append(offset, data);
    // Fill from held segments that now touch the end, the lowest offset first (tcp_ofo_queue).
    while (this.pending.size > 0) {
      let low: number | undefined;
      for (const o of this.pending.keys()) if (low === undefined || o < low) low = o;
      if (low! > this.len) break;
      const d = this.pending.get(low!)!;
      this.pending.delete(low!);
      this.append(low!, d);
    }
  }

  /** Keeps a copy of a segment past the gap: a longer one replaces a held one at the same offset. */
  private hold(offset: number, data: Uint8Array): void {
    const held = this.pending.get(offset);
    if (held) {
      const at = firstDifference(held, data);
      if (at >= 0) this.flag('copies-differ', offset + at);
      if (data.length > held.length) this.pending.set(offset, data.slice());
      return;
    }
    if (this.pending.size >= APP_LIMITS.maxPendingSegments) this.compact();
    if (this.pending.size >= APP_LIMITS.maxPendingSegments) {
      this.flag('hold-full', offset);
      return;
    }
    this.pending.set(offset, data.slice());
  }

  /**
   * The hold is full: held segments that touch end to end become one (what a receiver reads of
   * them is the same; only a later copy that differs would be read otherwise, and that is flagged).
   */
  private compact(): void {
    const sorted = [...this.pending].sort(([a], [b]) => a - b);
    this.pending.clear();
    let run: { o: number; parts: Uint8Array[]; end: number } | undefined;
    const close = () => {
      if (!run) return;
      const out = new Uint8Array(run.end - run.o);
      let at = 0;
      for (const p of run.parts) {
        out.set(p, at);
        at += p.length;
      }
      this.pending.set(run.o, out);
    };
    for (const [o, d] of sorted) {
      if (run && o === run.end) {
        run.parts.push(d);
        run.end += d.length;
        continue;
      }
      close();
      run = { o, parts: [d], end: o + d.length };
    }
    close();
  }

  /** Bytes at `offset` (at or before the end): those already read are compared, the rest appended. */
  private append(offset: number, data: Uint8Array): void {
    const seen = Math.min(this.len - offset, data.length);
    const at = firstDifference(this.buf.subarray(offset, this.len), data.subarray(0, seen));
    if (at >= 0) this.flag('copies-differ', offset + at);
    const take = data.subarray(seen, seen + this.maxBytes - this.len);
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

/**
 * One TCP direction read in order from captured segments, with nothing kept behind the reader:
 * where OrderedBytes holds a stream's first bytes, this hands each in-order byte on once and
 * forgets it, so a stream of any length costs only the segments held past a gap (bounded in
 * count and bytes). Sequence numbers are compared modulo 2^32, relative to the next byte
 * expected, so streams longer than 4 GiB wrap as TCP does.
 */
import { APP_LIMITS } from './limits.js';

export interface CursorStep {
  /** In-order bytes this segment made available, its own and held ones it unblocked (views: use them before the next push). */
  readonly chunks: Uint8Array[];
  /** Bytes of this segment that were new to the stream (handed on now, or held past a gap). */
  readonly fresh: number;
  /** Bytes held earlier that turned out, once reached, to repeat bytes already handed on (overlaps). */
  readonly stale: number;
}

const NOTHING: CursorStep = Object.freeze({ chunks: [], fresh: 0, stale: 0 });

export class StreamCursor {
  /** Sequence number of the next byte expected. */
  private next: number;
  /** Segments past a gap, by sequence number (copies). */
  private readonly held = new Map<number, Uint8Array>();
  private heldTotal = 0;

  /**
   * `nextSeq`: the sequence number of the first byte not yet read; `held`: segments already
   * seen past it (sequence number, bytes), as OrderedBytes.heldSegments() hands them over.
   */
  constructor(
    nextSeq: number,
    held: Iterable<readonly [number, Uint8Array]> = [],
    private readonly maxHeldBytes: number = APP_LIMITS.maxHeldStreamBytes,
    private readonly maxHeldSegments: number = APP_LIMITS.maxPendingSegments,
  ) {
    this.next = nextSeq >>> 0;
    for (const [seq, data] of held) this.hold(seq >>> 0, data);
  }

  /** Bytes held past a gap (never handed on if the gap is never filled). */
  get heldBytes(): number {
    return this.heldTotal;
  }

  /** The hold is full: a segment past the gap had to be dropped, so the stream may never go on. */
  get stalled(): boolean {
    return this.held.size >= this.maxHeldSegments || this.heldTotal >= this.maxHeldBytes;
  }

  push(seq: number, payload: Uint8Array): CursorStep {
    if (payload.length === 0) return NOTHING;
    const ahead = (seq - this.next) | 0;
    if (ahead > 0) return { chunks: [], fresh: this.hold(seq >>> 0, payload), stale: 0 };
    // At or behind the next byte: what lies past it is new (a retransmission may carry more).
    if (-ahead >= payload.length) return NOTHING;
    const first = payload.subarray(-ahead);
    this.next = (this.next + first.length) >>> 0;
    const chunks = [first];
    const stale = this.held.size > 0 ? this.release(chunks) : 0;
    return { chunks, fresh: first.length, stale };
  }

  /** Held segments that the stream has now reached, in order; the held bytes that repeat handed-on ones. */
  private release(chunks: Uint8Array[]): number {
    let stale = 0;
    for (let progressed = true; progressed && this.held.size > 0; ) {
      progressed = false;
      for (const [seq, data] of this.held) {
        const ahead = (seq - this.next) | 0;
        if (ahead > 0) continue;
        this.held.delete(seq);
        this.heldTotal -= data.length;
        const skip = Math.min(-ahead, data.length);
        stale += skip;
        if (skip < data.length) {
          const part = data.subarray(skip);
          chunks.push(part);
          this.next = (this.next + part.length) >>> 0;
        }
        progressed = true;
      }
    }
    return stale;
  }

  /** Keeps a copy of a segment past the gap; how many of its bytes were new (0: already held, or no room). */
  private hold(seq: number, data: Uint8Array): number {
    if (this.held.has(seq) || this.stalled) return 0;
    const take = data.subarray(0, this.maxHeldBytes - this.heldTotal);
    this.held.set(seq, Uint8Array.from(take));
    this.heldTotal += take.length;
    return take.length;
  }
}

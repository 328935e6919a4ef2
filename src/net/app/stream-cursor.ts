/**
 * One TCP direction read in order from captured segments, with nothing kept behind the reader:
 * where OrderedBytes holds a stream's first bytes, this hands each in-order byte on once and
 * forgets it, so a stream of any length costs only the segments held past a gap (bounded in
 * count and bytes). Sequence numbers are compared modulo 2^32, relative to the next byte
 * expected, so streams longer than 4 GiB wrap as TCP does. Overlapping copies are read as
 * OrderedBytes reads them (the Linux receiver's rules: held segments drained lowest first, a
 * longer one at a held sequence number replacing it), and flagged the same way when two copies
 * differ (compared against the last APP_LIMITS.maxComparedStreamBytes handed on) or the hold is
 * full.
 */
import { APP_LIMITS } from './limits.js';
import { firstDifference, type StreamAmbiguity } from './ordered-bytes.js';

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
  /** The last bytes handed on, to compare a late copy with (a ring; allocated on the first overlap). */
  private recent: Uint8Array | undefined;
  /** Bytes handed on so far: where the ring ends, and the offset (from the cursor's start) of the next byte. */
  private handed = 0;
  private flagged: StreamAmbiguity | undefined;

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

  /** The first reason the bytes handed on may not be the receiver's (offset: bytes from the cursor's start). */
  get ambiguity(): StreamAmbiguity | undefined {
    return this.flagged;
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
    this.compare(-ahead, payload);
    if (-ahead >= payload.length) return NOTHING;
    const first = payload.subarray(-ahead);
    this.handOn(first);
    const chunks = [first];
    const stale = this.held.size > 0 ? this.release(chunks) : 0;
    return { chunks, fresh: first.length, stale };
  }

  /** Held segments that the stream has now reached, the lowest first; the held bytes that repeat handed-on ones. */
  private release(chunks: Uint8Array[]): number {
    let stale = 0;
    while (this.held.size > 0) {
      let low: number | undefined;
      let lowAhead = 0;
      for (const seq of this.held.keys()) {
        const a = (seq - this.next) | 0;
        if (low === undefined || a < lowAhead) {
          low = seq;
          lowAhead = a;
        }
      }
      if (lowAhead > 0) break;
      const data = this.held.get(low!)!;
      this.held.delete(low!);
      this.heldTotal -= data.length;
      this.compare(-lowAhead, data);
      const skip = Math.min(-lowAhead, data.length);
      stale += skip;
      if (skip < data.length) {
        const part = data.subarray(skip);
        chunks.push(part);
        this.handOn(part);
      }
    }
    return stale;
  }

  /** `data` ends where the handed-on bytes do, `behind` bytes before the next: its overlap compared with the bytes kept. */
  private compare(behind: number, data: Uint8Array): void {
    const n = Math.min(behind, data.length);
    if (n <= 0 || this.flagged) return;
    const r = this.recent;
    const size = APP_LIMITS.maxComparedStreamBytes;
    // Only the bytes still in the ring can be compared.
    const from = Math.max(0, behind - Math.min(this.handed, size));
    for (let i = from; i < n; i++) {
      const pos = this.handed - behind + i;
      if (r && r[pos % size] !== data[i]) {
        this.flagged = { kind: 'copies-differ', offset: pos };
        return;
      }
    }
  }

  /** `bytes` handed on: the stream moves on, the ring keeps them. */
  private handOn(bytes: Uint8Array): void {
    this.next = (this.next + bytes.length) >>> 0;
    const size = APP_LIMITS.maxComparedStreamBytes;
    this.recent ??= new Uint8Array(size);
    const r = this.recent;
    const tail = bytes.subarray(Math.max(0, bytes.length - size));
    const start = this.handed + bytes.length - tail.length;
    for (let i = 0; i < tail.length; i++) r[(start + i) % size] = tail[i]!;
    this.handed += bytes.length;
  }

  /** Keeps a copy of a segment past the gap; how many of its bytes were new (0: already held, or no room). */
  private hold(seq: number, data: Uint8Array): number {
    const held = this.held.get(seq);
    if (held) {
      const at = firstDifference(held, data);
      if (at >= 0)
        this.flagged ??= { kind: 'copies-differ', offset: this.handed + ((seq - this.next) | 0) + at };
      // A longer copy at the same sequence number replaces the one held (tcp_data_queue_ofo).
      if (data.length <= held.length || this.heldTotal - held.length + data.length > this.maxHeldBytes)
        return 0;
      this.held.set(seq, Uint8Array.from(data));
      this.heldTotal += data.length - held.length;
      return data.length - held.length;
    }
    if (this.stalled) {
      this.flagged ??= { kind: 'hold-full', offset: this.handed + ((seq - this.next) | 0) };
      return 0;
    }
    const take = data.subarray(0, this.maxHeldBytes - this.heldTotal);
    if (take.length < data.length)
      this.flagged ??= { kind: 'hold-full', offset: this.handed + ((seq - this.next) | 0) + take.length };
    this.held.set(seq, Uint8Array.from(take));
    this.heldTotal += take.length;
    // Full now: its reader stops here, where the receiver would have read on.
    if (this.stalled) this.flagged ??= { kind: 'hold-full', offset: this.handed + ((seq - this.next) | 0) };
    return take.length;
  }
}

/**
 * A client's plain-HTTP stream followed request by request, as the gateway reads a keep-alive
 * connection (gateway/core/connection.ts): in order (StreamCursor), split by the gateway's own
 * framing (RequestStream), each request after the first handed over to be judged once its head
 * is complete. It says which request each client byte belongs to, and when the gateway would
 * have stopped reading requests: a request it refuses or cuts (its owner says), a request after
 * one whose client said the connection ends with it, bytes no framing accounts for. Following
 * then stops: every later byte is the current request's.
 *
 * Sans-IO and pure: segments in, the sink told what they were. The owner (flow-state.ts) keeps
 * the gate, the connections and their shares; this keeps the stream and the gateway's reading
 * rules.
 */
import type { HttpRequestHead } from '../net/app/http-request.js';
import { clientMayPersist } from '../net/app/request-framing.js';
import { type RequestPart, RequestStream } from '../net/app/request-stream.js';
import { StreamCursor } from '../net/app/stream-cursor.js';

/** Where the follower's answers go, in stream order. */
export interface RequestSink {
  /** `bytes` of the current request; `relayed`: bytes the gateway sends upstream on it (its body). */
  current(bytes: number, relayed: boolean): void;
  /** `bytes` of the next request, its head not complete yet (its first call: it has begun). */
  next(bytes: number): void;
  /** The next request's head is complete and it is current now; false: the gateway refuses or cuts it. */
  request(head: HttpRequestHead): boolean;
  /**
   * Following is over (`closed`: because the gateway would have closed the connection; else the
   * stream cannot go on, or its end came). A next request begun is the current one's from here.
   * `held`: closed because of bytes past the current request that start no request the gateway
   * would read (after one whose client said it was the last, or bytes no head begins with); the
   * gateway holds those until the answer comes, and relays them if it turns the exchange into a
   * stream (an NTRIP caster's ICY 200: HttpExchange).
   */
  stopped(closed: boolean, held?: boolean): void;
}

/** Where a stream goes on from its first head's end: the name reader's bytes (StreamHeadCollector.handOver). */
export interface FollowStart {
  readonly nextSeq: number;
  readonly held: Iterable<readonly [number, Uint8Array]>;
}

export class RequestFollower {
  private readonly cursor: StreamCursor;
  private readonly stream: RequestStream;
  /** The current request's client said the connection ends with it. */
  private last: boolean;
  /** The owner ends the connection after the current request (a cut). */
  private over = false;
  /** A next request has begun, its head not complete. */
  private begun = false;
  private done = false;

  /** `first`: the head the stream began with, read already; its body and what follows come next. */
  constructor(
    first: HttpRequestHead,
    start: FollowStart,
    private readonly sink: RequestSink,
  ) {
    this.cursor = new StreamCursor(start.nextSeq, start.held);
    this.stream = new RequestStream(first);
    this.last = !clientMayPersist(first);
  }

  /** The stream's next in-order bytes, read before following began (the name reader's, past the first head). */
  feed(bytes: Uint8Array): void {
    this.parts(this.stream.feed(bytes));
  }

  /** A client segment, in capture order (retransmitted, reordered or past a gap). */
  push(seq: number, payload: Uint8Array): void {
    const step = this.cursor.push(seq, payload);
    for (const chunk of step.chunks) {
      if (this.done) this.sink.current(chunk.length, true);
      else this.parts(this.stream.feed(chunk));
    }
    // Bytes the stream already had (retransmitted) are the request's that is current now.
    const seen = payload.length - step.fresh + step.stale;
    if (this.begun) this.sink.next(seen);
    else this.sink.current(seen, false);
    if (!this.done && this.cursor.stalled) this.stop(false);
  }

  /** The gateway closes the connection after the current request: a next one is never read. */
  end(): void {
    this.over = true;
  }

  /**
   * No more following (the gateway closed, the stream cannot go on, or the capture ended): bytes
   * held past a gap are the current request's, relayed (the gateway would have had them).
   */
  stop(closed = false, held = false): void {
    if (this.done) return;
    this.done = true;
    this.begun = false;
    this.sink.stopped(closed, held);
    this.sink.current(this.cursor.heldBytes, true);
  }

  private parts(parts: RequestPart[]): void {
    for (const p of parts) {
      switch (p.kind) {
        case 'head-bytes':
          if (this.begin()) this.sink.next(p.bytes);
          else this.sink.current(p.bytes, false);
          break;
        case 'head':
          if (!this.begin()) this.sink.current(p.bytes, false);
          else {
            this.sink.next(p.bytes);
            this.begun = false;
            this.last = !clientMayPersist(p.head);
            if (!this.sink.request(p.head)) this.stop(true);
          }
          break;
        case 'body':
          this.sink.current(p.bytes, true);
          break;
        case 'unframed':
          // Not a request the gateway would read (it refuses it and closes): the last one's, not
          // relayed; past a complete request, held for what the answer makes of them.
          this.stop(true, p.between && !this.over);
          this.sink.current(p.bytes, false);
          break;
        default:
          assertNever(p);
      }
    }
  }

  /** A next request's bytes came: whether it is one (else the gateway closed before it, and following ends). */
  private begin(): boolean {
    if (this.done || this.over || this.last) {
      this.stop(true, this.last && !this.over);
      return false;
    }
    this.begun = true;
    return true;
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

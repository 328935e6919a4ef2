/**
 * A client's plain-HTTP stream followed request by request, as the gateway reads a keep-alive
 * connection (gateway/core/connection.ts): in order (StreamCursor), split by the gateway's own
 * framing (RequestStream), each request after the first handed over to be judged once its head
 * is complete. It says which request each client byte belongs to, whether the gateway relays it,
 * and when the gateway would have stopped reading requests: a request it refuses or cuts (its
 * owner says), a request after one whose client said the connection ends with it, bytes no
 * framing accounts for. Every later byte is then the current request's.
 *
 * It also reads the server's first answer (answer-watch.ts), because that decides the exchange
 * too: an NTRIP 1.0 caster's `ICY 200` turns it into a stream both ways (gateway/core/
 * http-exchange.ts), so requests are no longer read and every client byte goes up. Bytes past a
 * complete request that start none the gateway would read (after a last request, or no head) are
 * held by the gateway until that answer comes: relayed if it is a stream, never if not.
 *
 * Sans-IO and pure: segments in, the sink told what they were. The owner (flow-state.ts) keeps
 * the gate, the connections and their shares; this keeps the stream and the gateway's reading
 * rules.
 */
import type { HttpRequestHead } from '../net/app/http-request.js';
import type { StreamAmbiguity } from '../net/app/ordered-bytes.js';
import { clientMayPersist } from '../net/app/request-framing.js';
import { type RequestPart, RequestStream } from '../net/app/request-stream.js';
import { StreamCursor } from '../net/app/stream-cursor.js';
import { AnswerWatch } from './answer-watch.js';

/** Where the follower's answers go, in stream order. */
export interface RequestSink {
  /**
   * `bytes` of the current request; `relayed`: bytes the gateway sends upstream on it, `fresh`
   * of them new to the stream (all when not said; fewer when some were retransmitted).
   */
  current(bytes: number, relayed: boolean, fresh?: number): void;
  /** `bytes` of the next request, its head not complete yet (its first call: it has begun); `fresh` as for current. */
  next(bytes: number, fresh?: number): void;
  /** The next request's head is complete and it is current now; false: the gateway refuses or cuts it. */
  request(head: HttpRequestHead): boolean;
  /**
   * Requests are read no more (`closed`: the gateway would have closed the connection; else the
   * stream cannot go on, the exchange became a stream, or the capture ended). A next request
   * begun is the current one's from here, relayed with it when `relayed` (a stream).
   */
  stopped(closed: boolean, relayed: boolean): void;
  /** Bytes the gateway held (told as current, not relayed) go up now: the answer made a stream. */
  released(bytes: number): void;
  /** The gateway closes now: the answer was no stream, and the bytes it held never go up. */
  closed(): void;
}

/** Where a stream goes on from its first head's end: the name reader's bytes (StreamHeadCollector.handOver). */
export interface FollowStart {
  readonly nextSeq: number;
  readonly held: Iterable<readonly [number, Uint8Array]>;
}

/** Requests are read; or, no more, what becomes of the current request's later bytes. */
type State =
  | { kind: 'requests' }
  /** Held by the gateway until the answer says whether they go up (`bytes` so far). */
  | { kind: 'held'; bytes: number }
  /** The gateway closed: they go nowhere. */
  | { kind: 'closed' }
  /** Relayed: the exchange became a stream, the audit can read no further (a gap), or the capture ended. */
  | { kind: 'relayed' };

export class RequestFollower {
  private readonly cursor: StreamCursor;
  private readonly stream: RequestStream;
  private readonly answer = new AnswerWatch();
  private state: State = { kind: 'requests' };
  /** The current request's client said the connection ends with it. */
  private last: boolean;
  /** The owner ends the connection after the current request (a cut). */
  private over = false;
  /** A next request has begun, its head not complete. */
  private begun = false;

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

  /** The first reason the stream read may not be the one the gateway read (offset: from where following began). */
  get ambiguity(): StreamAmbiguity | undefined {
    return this.cursor.ambiguity;
  }

  /** The stream's next in-order bytes, read before following began (the name reader's, past the first head). */
  feed(bytes: Uint8Array): void {
    this.parts(this.stream.feed(bytes));
  }

  /**
   * A client segment, in capture order (retransmitted, reordered or past a gap); `fresh`: what it
   * adds to the stream (the owner's count, SeqAdvance), which is what the gateway would relay.
   */
  push(seq: number, payload: Uint8Array, fresh: number): void {
    if (this.state.kind !== 'requests') {
      // Requests over: the whole segment is the current request's, stream position or not.
      this.after(payload.length, fresh);
      return;
    }
    const step = this.cursor.push(seq, payload);
    for (const chunk of step.chunks) {
      if (this.state.kind !== 'requests') this.sink.current(chunk.length, true);
      else this.parts(this.stream.feed(chunk));
    }
    // Bytes the stream already had (retransmitted) are the request's that is current now; none of
    // them is new, so none is relayed again if requests ended meanwhile.
    const seen = payload.length - step.fresh + step.stale;
    if (this.begun) this.sink.next(seen, 0);
    else this.own(seen, 0);
    if (this.state.kind === 'requests' && this.cursor.stalled) this.stop();
  }

  /**
   * A server payload, in capture order: read until the first answer shows what the exchange is.
   * A stream ends request reading and sends up what the gateway held; any other answer closes the
   * connection where bytes were held.
   */
  serverBytes(payload: Uint8Array): void {
    if (this.answer.status !== 'need') return;
    const status = this.answer.push(payload);
    if (status === 'need') return;
    const s = this.state;
    if (status !== 'stream') {
      if (s.kind !== 'held') return;
      this.state = { kind: 'closed' };
      this.sink.closed();
      return;
    }
    if (s.kind !== 'held') this.stop();
    else {
      this.state = { kind: 'relayed' };
      if (s.bytes) this.sink.released(s.bytes);
    }
  }

  /** The gateway closes the connection after the current request: a next one is never read. */
  end(): void {
    this.over = true;
  }

  /** Requests are read no more: the stream cannot go on, it became a stream, or the capture ended. */
  stop(): void {
    this.quit(false, false);
  }

  /**
   * No more requests (`closed`: the gateway closes; `hold`: because of bytes it holds for the
   * answer, unless that came already and is no stream): bytes kept past a gap are the current
   * request's, relayed (the gateway would have had them).
   */
  private quit(closed: boolean, hold: boolean): void {
    if (this.state.kind !== 'requests') return;
    const answer = this.answer.status;
    const holds = closed && hold && answer !== 'other';
    if (holds && answer === 'need') this.state = { kind: 'held', bytes: 0 };
    else this.state = { kind: closed && !holds ? 'closed' : 'relayed' };
    this.begun = false;
    this.sink.stopped(closed && !holds, answer === 'stream');
    this.sink.current(this.cursor.heldBytes, true);
  }

  /** Bytes of the current request the gateway does not relay while it reads requests. */
  private own(bytes: number, fresh = bytes): void {
    if (this.state.kind === 'requests') this.sink.current(bytes, false, fresh);
    else this.after(bytes, fresh);
  }

  /** Bytes after requests are over, as the state says (`fresh` of them new to the stream). */
  private after(bytes: number, fresh = bytes): void {
    const s = this.state;
    if (s.kind === 'held') s.bytes += fresh;
    this.sink.current(bytes, s.kind === 'relayed', fresh);
  }

  private parts(parts: RequestPart[]): void {
    for (const p of parts) {
      switch (p.kind) {
        case 'head-bytes':
          if (this.begin()) this.sink.next(p.bytes);
          else this.own(p.bytes);
          break;
        case 'head':
          if (!this.begin()) this.own(p.bytes);
          else {
            this.sink.next(p.bytes);
            this.begun = false;
            this.last = !clientMayPersist(p.head);
            if (!this.sink.request(p.head)) this.quit(true, false);
          }
          break;
        case 'body':
          this.sink.current(p.bytes, true);
          break;
        case 'unframed':
          // Not a request the gateway would read (it refuses it and closes): the last one's, not
          // relayed; past a complete request, held for what the answer makes of them.
          this.quit(true, p.between && !this.over);
          this.own(p.bytes);
          break;
        default:
          assertNever(p);
      }
    }
  }

  /** A next request's bytes came: whether it is one (else the gateway closed before it, and following ends). */
  private begin(): boolean {
    if (this.state.kind !== 'requests' || this.over || this.last) {
      this.quit(true, this.last && !this.over);
      return false;
    }
    this.begun = true;
    return true;
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

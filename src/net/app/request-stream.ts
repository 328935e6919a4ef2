/**
 * A client's HTTP/1 stream split into its requests where the gateway splits it: a head (read by
 * readHttpRequestHead), its body as the head frames it (request-framing.ts: Content-Length, none,
 * or chunked to its last chunk, chunked-end.ts, the gateway's own rules and scanner), then the
 * next head. A CONNECT turns the rest of the stream into its tunnel, and so does a head whose
 * body the gateway would not frame (it refuses such a head: nothing after it is a request).
 * Bytes that cannot begin a head, a head over the size limit and a chunked body the gateway
 * would call malformed leave the rest of the stream unframed.
 *
 * Sans-IO: in-order chunks in (StreamCursor), parts out, in stream order. What is kept is the
 * head in progress (at most APP_LIMITS.maxHttpHeadBytes) and a chunked body's scanner state:
 * bodies are counted, never held, so following a stream costs nothing per body byte but for
 * chunked framing, which the gateway pays on the same bytes.
 */
import { GrowingBytes } from '../../core/growing-bytes.js';
import { ChunkedEnd } from './chunked-end.js';
import { HeadProgress } from './head-progress.js';
import type { HttpRequestHead } from './http-request.js';
import { APP_LIMITS } from './limits.js';
import { requestFraming } from './request-framing.js';

export type RequestPart =
  /** Bytes of a request head not complete yet: the next request has begun. */
  | { readonly kind: 'head-bytes'; readonly bytes: number }
  /** A head completed, `bytes` of it in this chunk; its body follows as 'body' parts. */
  | { readonly kind: 'head'; readonly head: HttpRequestHead; readonly bytes: number }
  /** Bytes of the current request's body (after a CONNECT or an unframeable head: all the rest). */
  | { readonly kind: 'body'; readonly bytes: number }
  /**
   * Bytes that no request framing accounts for: nothing after them is framed either. `between`:
   * they came after a complete request, where the next head should have begun.
   */
  | { readonly kind: 'unframed'; readonly bytes: number; readonly detail: string; readonly between: boolean };

type State =
  /** `buf`: the head's bytes so far; `progress`: where reading them stopped. */
  | { kind: 'head'; buf: GrowingBytes; progress: HeadProgress }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; scan: ChunkedEnd }
  /** A tunnel, or a body with no end the gateway would accept: every further byte is the body. */
  | { kind: 'rest' }
  | { kind: 'lost'; detail: string; between: boolean };

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const newHead = (): State => ({ kind: 'head', buf: new GrowingBytes(), progress: new HeadProgress() });

export class RequestStream {
  private state: State = newHead();

  /**
   * `first`: a head already read from the stream's start (the name reader's), to go on from its
   * end; without it the stream starts with a head.
   */
  constructor(first?: HttpRequestHead) {
    if (first) this.state = bodyOf(first);
  }

  /** Between requests: the last one has ended and no byte of the next has come. */
  get between(): boolean {
    return this.state.kind === 'head' && this.state.buf.length === 0;
  }

  /** The parts of `chunk`, in order (every byte of it in exactly one part). */
  feed(chunk: Uint8Array): RequestPart[] {
    const out: RequestPart[] = [];
    let b = chunk;
    while (b.length > 0) {
      const s = this.state;
      switch (s.kind) {
        case 'rest':
          out.push({ kind: 'body', bytes: b.length });
          return out;
        case 'lost':
          out.push({ kind: 'unframed', bytes: b.length, detail: s.detail, between: s.between });
          return out;
        case 'length': {
          const n = Math.min(s.left, b.length);
          s.left -= n;
          out.push({ kind: 'body', bytes: n });
          b = b.subarray(n);
          if (s.left === 0) this.state = newHead();
          break;
        }
        case 'chunked': {
          const step = s.scan.feed(b);
          if (step.kind === 'malformed') {
            this.state = { kind: 'lost', detail: `chunked request body: ${step.detail}`, between: false };
            break;
          }
          const n = step.kind === 'more' ? b.length : step.end;
          out.push({ kind: 'body', bytes: n });
          b = b.subarray(n);
          if (step.kind === 'end') this.state = newHead();
          break;
        }
        case 'head':
          b = this.head(s, b, out);
          break;
        default:
          return assertNever(s);
      }
    }
    return out;
  }

  /** Head bytes: the rest of `b` once the head is complete (or its problem known). */
  private head(s: Extract<State, { kind: 'head' }>, b: Uint8Array, out: RequestPart[]): Uint8Array {
    const before = s.buf.length;
    // The first piece is read where it lies; later ones are gathered (a copy per byte, not per piece).
    if (before > 0) s.buf.append(b.subarray(0, APP_LIMITS.maxHttpHeadBytes + 1 - before));
    const buf = before === 0 ? b : s.buf.bytes;
    // A head ends in LF: the parser is asked again only when one came; and asked, it goes on from
    // where it stopped (progress), so a trickled head is read about once.
    const ask = before === 0 || b.includes(LF) || buf.length > APP_LIMITS.maxHttpHeadBytes;
    const d = ask ? s.progress.http(buf) : { kind: 'need' as const };
    if (d.kind === 'malformed') {
      this.state = { kind: 'lost', detail: d.error.message, between: true };
      return b;
    }
    if (d.kind === 'need') {
      // A copy: the chunk is a view into the capture's buffer.
      if (before === 0) s.buf.append(b);
      out.push({ kind: 'head-bytes', bytes: b.length });
      return EMPTY;
    }
    const head = d.value;
    out.push({ kind: 'head', head, bytes: head.length - before });
    this.state = bodyOf(head);
    return b.subarray(head.length - before);
  }
}

/** What follows a head, as the gateway frames it. */
function bodyOf(head: HttpRequestHead): State {
  if (head.method === 'CONNECT') return { kind: 'rest' };
  const f = requestFraming(head);
  switch (f.kind) {
    case 'length':
      return f.bytes === 0 ? newHead() : { kind: 'length', left: f.bytes };
    case 'chunked':
      return {
        kind: 'chunked',
        scan: new ChunkedEnd(APP_LIMITS.maxHttpHeadBytes, { bareLf: false }),
      };
    case 'invalid':
      return { kind: 'rest' };
    default:
      return assertNever(f);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

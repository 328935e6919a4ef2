/**
 * What a client's TCP stream begins with: a TLS ClientHello, an HTTP/1 request (through a
 * CONNECT tunnel, what follows once the proxy agreed), or something else. And the collector that
 * puts the stream's first bytes in order from segments (retransmitted, out of order, or with the
 * handshake missing from the capture).
 */
import { malformed, truncated } from '../../core/errors.js';
import type { Decoded } from '../decode/outcome.js';
import { HeadProgress } from './head-progress.js';
import { type HttpRequestHead, readHttpRequestHead } from './http-request.js';
import { APP_LIMITS } from './limits.js';
import { OrderedBytes, type SegmentIn } from './ordered-bytes.js';
import { type ClientHello, looksLikeTlsHandshake, readClientHelloRecords } from './tls-client-hello.js';

export type StreamHead =
  | { readonly kind: 'tls'; readonly hello: ClientHello }
  | {
      readonly kind: 'http';
      readonly request: HttpRequestHead;
      /** CONNECT: the tunnel's own head ('need' until the client sends past the request head). */
      readonly tunnel?: Decoded<StreamHead>;
    }
  /** Neither TLS nor HTTP/1 (SSH, a proprietary protocol, HTTP/2 prior knowledge…). */
  | { readonly kind: 'unknown' };

/** An uppercase letter starts every registered HTTP method. */
const mayBeHttp = (b: Uint8Array): boolean => b[0]! >= 0x41 && b[0]! <= 0x5a;

/**
 * "No bytes yet" at the stream's start is the normal state of every connection's first (empty)
 * segments: one shared answer, so no error (and its stack) is built per connection.
 */
let nothingYet: Decoded<StreamHead> | undefined;

/**
 * A stream read again as it grows (StreamHeadCollector): where each head's reading stopped, and once
 * a CONNECT's head is read (its value cannot change with more bytes), that head and its tunnel's
 * progress, so a trickled tunnel head does not have the CONNECT head re-read per byte.
 */
interface Progress {
  readonly head: HeadProgress;
  connect?: { readonly request: HttpRequestHead; readonly tunnel: Progress };
}

const newProgress = (): Progress => ({ head: new HeadProgress() });

function classify(b: Uint8Array, base: number, depth: number, p?: Progress): Decoded<StreamHead> {
  if (b.length === 0) {
    if (base !== 0) return { kind: 'need', error: truncated('TCP stream head', base) };
    nothingYet ??= Object.freeze({ kind: 'need', error: truncated('TCP stream head', 0) });
    return nothingYet;
  }
  if (looksLikeTlsHandshake(b)) {
    const d = p ? p.head.hello(b, base) : readClientHelloRecords(b, base);
    return d.kind === 'value' ? { kind: 'value', value: { kind: 'tls', hello: d.value } } : d;
  }
  if (!mayBeHttp(b)) return { kind: 'value', value: { kind: 'unknown' } };
  let connect = p?.connect;
  if (!connect) {
    const d = p ? p.head.http(b, base) : readHttpRequestHead(b, base);
    if (d.kind === 'need') return d;
    // 'PRI * HTTP/2.0' and binary protocols that happen to start with a capital are not HTTP/1.
    if (d.kind === 'malformed')
      return d.error.code === 'AIRLOCK_ERR_LIMIT' ? d : { kind: 'value', value: { kind: 'unknown' } };
    const request = d.value;
    if (request.method !== 'CONNECT') return { kind: 'value', value: { kind: 'http', request } };
    if (depth >= APP_LIMITS.maxTunnelDepth)
      return {
        kind: 'malformed',
        error: malformed('CONNECT tunnels nested too deep', base + request.length),
      };
    connect = { request, tunnel: newProgress() };
    if (p) p.connect = connect;
  }
  const { request } = connect;
  const tunnel = classify(
    b.subarray(request.length),
    base + request.length,
    depth + 1,
    p ? connect.tunnel : undefined,
  );
  return { kind: 'value', value: { kind: 'http', request, tunnel } };
}

/**
 * Classifies the first bytes a client sent on a TCP stream. 'need' while they could still become
 * a complete TLS ClientHello or HTTP request head; 'malformed' when they claim TLS or HTTP and break it.
 */
export function readStreamHead(b: Uint8Array, base = 0): Decoded<StreamHead> {
  return classify(b, base, 0);
}

/** Nothing more to learn from more bytes (a CONNECT waits for its tunnel's head). */
export function settled(d: Decoded<StreamHead>): boolean {
  if (d.kind === 'need') return false;
  if (d.kind === 'value' && d.value.kind === 'http' && d.value.tunnel) return settled(d.value.tunnel);
  return true;
}

export type { SegmentIn } from './ordered-bytes.js';

/** Puts one direction's first bytes in order, up to maxStreamHeadBytes, and classifies them. */
export class StreamHeadCollector {
  private readonly stream: OrderedBytes;
  private decided: Decoded<StreamHead> | undefined;
  /** Where reading the growing head stopped: each byte is read about once, not once per segment. */
  private readonly progress = newProgress();

  constructor(private readonly maxBytes: number = APP_LIMITS.maxStreamHeadBytes) {
    this.stream = new OrderedBytes(maxBytes);
  }

  /** The in-order bytes collected so far. */
  get bytes(): Uint8Array {
    return this.stream.bytes;
  }

  /** The stream as read so far: OrderedBytes' ambiguity, the bytes held past a gap, the next sequence number. */
  get ordered(): Pick<OrderedBytes, 'ambiguity' | 'heldBytes' | 'nextSeq'> {
    return this.stream;
  }

  /**
   * To read on past the head: the in-order bytes collected (from the stream's first; a view) and,
   * as OrderedBytes.handOver gives them, where a StreamCursor goes on from. Undefined before any byte.
   */
  handOver(): { bytes: Uint8Array; nextSeq: number; held: [number, Uint8Array][] } | undefined {
    const at = this.stream.handOver();
    return at && { bytes: this.stream.bytes, ...at };
  }

  push(seg: SegmentIn): Decoded<StreamHead> {
    if (this.decided && settled(this.decided)) return this.decided;
    this.stream.push(seg);
    return this.result();
  }

  result(): Decoded<StreamHead> {
    if (this.decided && settled(this.decided)) return this.decided;
    let d = classify(this.stream.bytes, 0, 0, this.progress);
    // A head larger than the collector holds can never complete.
    if (d.kind === 'need' && this.stream.full)
      d = {
        kind: 'malformed',
        error: malformed('stream head larger than the collector holds', this.maxBytes),
      };
    this.decided = d;
    return d;
  }
}

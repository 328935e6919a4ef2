/**
 * Reads a flow's name from the first bytes its client sends: a TLS ClientHello's SNI (and ALPN,
 * and whether ECH hides the real name), an HTTP/1 request's Host or CONNECT authority, or a QUIC
 * client Initial's ClientHello. The decoders are src/net/app's; this only says when to stop. A
 * connection to an egress address on 443 or 80, or on an allowlist's extra port that the box
 * redirects to the gateway's `other` listener, is read as the gateway's transparent front for
 * that port reads it (FrontHeadReader, transparent-front.ts), refusals included.
 */

import { HeadProgress } from '../net/app/head-progress.js';
import type { HttpRequestHead } from '../net/app/http-request.js';
import { APP_LIMITS } from '../net/app/limits.js';
import { OrderedBytes } from '../net/app/ordered-bytes.js';
import { QuicInitialAssembler } from '../net/app/quic/assembler.js';
import { type SegmentIn, type StreamHead, StreamHeadCollector, settled } from '../net/app/tcp-stream-head.js';
import type { ClientHello } from '../net/app/tls-client-hello.js';
import {
  type FrontHead,
  type FrontKind,
  type FrontPort,
  type FrontRefusal,
  readFrontHead,
  sniffFront,
} from '../net/app/transparent-front.js';
import type { Decoded } from '../net/decode/outcome.js';
import type { NameSource } from './destination.js';
import { AUDIT_LIMITS } from './limits.js';

/** A TCP name reader's stream as read so far (OrderedBytes). */
export type StreamView = Pick<OrderedBytes, 'ambiguity' | 'heldBytes' | 'nextSeq'>;

export interface NameEvidence {
  name?: string;
  source: NameSource;
  alpn: readonly string[];
  /** Encrypted Client Hello: `name` is the outer (public) name, the inner one is hidden. */
  ech: boolean;
  app: 'tls' | 'http' | 'quic' | 'other';
}

const NONE: NameEvidence = { source: 'none', alpn: [], ech: false, app: 'other' };
const SYN = 0x002;

function fromHello(h: ClientHello, source: 'sni' | 'quic-sni'): NameEvidence {
  return {
    ...(h.sni ? { name: h.sni } : {}),
    source: h.sni ? source : 'none',
    alpn: h.alpn,
    ech: h.ech,
    app: source === 'sni' ? 'tls' : 'quic',
  };
}

/** An HTTP request's own name: where it goes (CONNECT authority, absolute URI), else its Host field. */
export function requestEvidence(request: HttpRequestHead, tunnel?: ClientHello): NameEvidence {
  const host = request.authority?.host ?? request.hostHeader;
  return {
    ...(host ? { name: host } : {}),
    source: host ? 'http-host' : 'none',
    alpn: tunnel?.alpn ?? [],
    ech: tunnel?.ech ?? false,
    app: 'http',
  };
}

function fromHead(d: Decoded<StreamHead>): NameEvidence {
  if (d.kind !== 'value') return NONE;
  const v = d.value;
  if (v.kind === 'tls') return fromHello(v.hello, 'sni');
  if (v.kind === 'unknown') return NONE;
  const tunnel =
    v.tunnel?.kind === 'value' && v.tunnel.value.kind === 'tls' ? v.tunnel.value.hello : undefined;
  return requestEvidence(v.request, tunnel);
}

/** TCP: the client's stream head. */
export class TcpNameReader {
  private readonly collector = new StreamHeadCollector();
  private last: Decoded<StreamHead> | undefined;

  /** True once more bytes cannot change the answer. */
  push(seg: SegmentIn): boolean {
    this.last = this.collector.push(seg);
    return settled(this.last);
  }

  evidence(): NameEvidence {
    return this.last ? fromHead(this.last) : NONE;
  }

  /** The HTTP request the stream began with, once read. */
  request(): HttpRequestHead | undefined {
    const d = this.last;
    return d?.kind === 'value' && d.value.kind === 'http' ? d.value.request : undefined;
  }

  /** The TLS ClientHello the stream began with, once read. */
  hello(): ClientHello | undefined {
    const d = this.last;
    return d?.kind === 'value' && d.value.kind === 'tls' ? d.value.hello : undefined;
  }

  /** The stream's in-order bytes so far (from its first) and where to go on from: see StreamHeadCollector.handOver. */
  handOver(): ReturnType<StreamHeadCollector['handOver']> {
    return this.collector.handOver();
  }

  /** The stream as read: why it may not be what the receiver read, what it holds past a gap, where it goes on. */
  get stream(): StreamView {
    return this.collector.ordered;
  }
}

/**
 * TCP to an egress address on 443 or 80: the client's stream head as that port's transparent front
 * reads it (its first maxHeaderBytes + 1 in-order bytes); on an extra port, by the front its first
 * byte chooses, as the gateway's `other` listener does (sniffFront). Settled once the front would have
 * decided: a ClientHello, a request head, or a refusal. A refusal stands only when the capture
 * holds the stream's start (the client's SYN): one that begins mid-connection shows bytes the
 * front never read as a head (TLS application data, a body), so they are no evidence of any name
 * either, as TcpNameReader finds. It holds what TcpNameReader's collector would
 * (APP_LIMITS.maxStreamHeadBytes), in its place: the bytes past the head are handed on to the
 * request follower as that collector's are.
 */
export class FrontHeadReader {
  private readonly ordered: OrderedBytes;
  private last: FrontHead | { readonly kind: 'mid-stream' } = { kind: 'need' };
  /** The client's SYN was seen: the first bytes are the stream's first. */
  private started = false;
  /** The front reading the head: the port's, or on an extra port the one the first byte chose. */
  private reading: FrontPort | undefined;
  /** Where reading the growing head stopped: each byte is read about once, not once per segment. */
  private readonly progress = new HeadProgress();

  constructor(
    kind: FrontKind,
    private readonly maxHeaderBytes: number,
  ) {
    this.ordered = new OrderedBytes(APP_LIMITS.maxStreamHeadBytes);
    if (kind !== 'extra') this.reading = kind;
  }

  /** The front that reads the head (undefined on an extra port before its first byte). */
  get front(): FrontPort | undefined {
    return this.reading;
  }

  /** True once more bytes cannot change the answer. */
  push(seg: SegmentIn): boolean {
    if (this.last.kind !== 'need') return true;
    if (seg.flags & SYN) this.started = true;
    this.ordered.push(seg);
    this.reading ??= sniffFront(this.ordered.bytes);
    if (this.reading === undefined) return false;
    const max = this.maxHeaderBytes;
    let d = readFrontHead(this.reading, this.ordered.bytes, max, this.progress);
    // Only with a policy maxHeaderBytes past what the audit holds: the gateway would read on.
    if (d.kind === 'need' && this.ordered.full)
      d = {
        kind: 'refused',
        reason: 'header-too-large',
        detail: `no head within the ${this.ordered.bytes.length} bytes the audit reads (maxHeaderBytes ${max})`,
        status: 431,
      };
    this.last = d.kind === 'refused' && !this.started ? { kind: 'mid-stream' } : d;
    return this.last.kind !== 'need';
  }

  evidence(): NameEvidence {
    const v = this.last;
    if (v.kind === 'tls') return fromHello(v.hello, 'sni');
    if (v.kind === 'http') return requestEvidence(v.head);
    return NONE;
  }

  request(): HttpRequestHead | undefined {
    return this.last.kind === 'http' ? this.last.head : undefined;
  }

  hello(): ClientHello | undefined {
    return this.last.kind === 'tls' ? this.last.hello : undefined;
  }

  /** What the front refused the head for, once it did. */
  refusal(): FrontRefusal | undefined {
    return this.last.kind === 'refused' ? this.last : undefined;
  }

  get stream(): StreamView {
    return this.ordered;
  }

  /** As TcpNameReader.handOver: the in-order bytes so far and where a StreamCursor goes on from. */
  handOver(): ReturnType<StreamHeadCollector['handOver']> {
    const at = this.ordered.handOver();
    return at && { bytes: this.ordered.bytes, ...at };
  }
}

/** UDP 443: QUIC client Initials. */
export class QuicNameReader {
  private readonly assembler = new QuicInitialAssembler();
  private last: Decoded<ClientHello> | undefined;
  private datagrams = 0;

  push(datagram: Uint8Array): boolean {
    this.last = this.assembler.push(datagram);
    return this.last.kind !== 'need' || ++this.datagrams >= AUDIT_LIMITS.maxQuicDatagrams;
  }

  evidence(): NameEvidence {
    return this.last?.kind === 'value' ? fromHello(this.last.value, 'quic-sni') : { ...NONE, app: 'quic' };
  }
}

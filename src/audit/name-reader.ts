/**
 * Reads a flow's name from the first bytes its client sends: a TLS ClientHello's SNI (and ALPN,
 * and whether ECH hides the real name), an HTTP/1 request's Host or CONNECT authority, or a QUIC
 * client Initial's ClientHello. The decoders are src/net/app's; this only says when to stop.
 */

import type { HttpRequestHead } from '../net/app/http-request.js';
import { QuicInitialAssembler } from '../net/app/quic/assembler.js';
import { type SegmentIn, type StreamHead, StreamHeadCollector, settled } from '../net/app/tcp-stream-head.js';
import type { ClientHello } from '../net/app/tls-client-hello.js';
import type { Decoded } from '../net/decode/outcome.js';
import type { NameSource } from './destination.js';
import { AUDIT_LIMITS } from './limits.js';

export interface NameEvidence {
  name?: string;
  source: NameSource;
  alpn: readonly string[];
  /** Encrypted Client Hello: `name` is the outer (public) name, the inner one is hidden. */
  ech: boolean;
  app: 'tls' | 'http' | 'quic' | 'other';
}

const NONE: NameEvidence = { source: 'none', alpn: [], ech: false, app: 'other' };

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

/**
 * One live flow's audit state, beside the FlowTable's counters: which side is the client, what
 * its first bytes name, and the replay of its upstream bytes through the egress gate in capture
 * order (the gateway's own sequence: a connection opens once its name is read, then its bytes go
 * up and may be cut). Bytes sent before the name is read are held as (time, count) and replayed
 * when the flow opens, as the gateway holds a ClientHello before it connects upstream. A TLS
 * connection or plain-HTTP request to an egress address is named as the gateway's transparent
 * fronts name it (transparent-name.ts): by its SNI or Host; an IP literal there by the address it
 * names; none, or an SNI that is no host name, refused 'no-name' in every mode. On 443 and 80 its
 * head is first read as that port's front reads it (transparent-front.ts): what the front refuses
 * (not TLS on 443; not valid HTTP/1, ambiguous framing, CONNECT on 80; a head over the size limit)
 * is refused with the gateway's reason before any name is judged, in every mode. So is a
 * connection to an allowlist's extra port (an entry's `ports`) when the policy turns the gateway's
 * `other` listener on: the box's rules redirect exactly those ports there, and its front reads the
 * head as 443's or 80's by the first byte (sniffFront); a name on it is judged on that port. Any
 * other port is judged by the gate as it stands (its rules drop it: the gateway never sees it).
 * A connection the gateway holds (such a front's, or one to a proxy listener, gateway.listen)
 * whose head never comes gets the gateway's own reason, blocked in every mode: 'client-closed'
 * when the client's FIN or RST comes first (as Linux acts on them: a RST at the next sequence
 * number, a FIN once the stream reaches it), 'handshake-timeout' when the policy's
 * gateway.handshakeTimeoutSeconds after its SYN passes first (its head late, or the capture
 * running on past that time with no head). One whose client sent bytes the audit could not put
 * in order before then is no unheard connection: it gets the gate's answer for a connection
 * without a name (flow-judge.ts judgeUnread). A client stream the audit cannot read as Linux does
 * (copies of the same bytes that differ, a hold that overflowed, urgent data) is flagged: a
 * 'stream-ambiguous' warning, counted toward exit 1.
 *
 * A flow is one connection to the gate, but for two kinds, judged as the gateway judges them:
 *  - A forward-proxy request (proxy-request.ts) on a flow to a LAN address: the connection is the
 *    request's target, by name and port (EgressGate.openByName; the gateway resolves the name, so
 *    no address), not LAN traffic to the proxy. A CONNECT head goes to the proxy: the gate is
 *    charged the tunnel's bytes after it.
 *  - Plain HTTP (a request in origin form to an egress address, or an absolute-URI proxy request):
 *    the gateway judges, budgets and logs each request on a keep-alive connection as its own
 *    connection (gateway/core/connection.ts). The client's stream is followed in order
 *    (request-follower.ts: the gateway's framing and reading rules), each request judged by its
 *    own name when its head is complete (to an egress address, named as the gateway's
 *    transparent HTTP front names it: transparent-name.ts), charged the head the gateway
 *    forwards (forward-head.ts) and its body, under the gate id the gateway gives it (`F7/1`,
 *    `F7/2`…). Once the gateway would read no more requests (a request refused or cut, or its
 *    client said it was the last; an NTRIP caster's ICY answer made the exchange a stream), later
 *    bytes are the last connection's, relayed or not as the follower says (it reads the server's
 *    first answer too). Each request is credited to its own destination with its share of the
 *    packets: its bytes by stream position, the server's bytes to the request last begun (exact
 *    without pipelining), retransmitted bytes to the request current when they came; the first
 *    request gets what the others do not, so the shares add up to the flow's counts. TLS and
 *    every other flow pay none of this: the stream is followed only once its first head says it
 *    is plain HTTP.
 *
 * This file follows the packets and keeps the accounts: what a connection is credited to and
 * what the gate answers is flow-judge.ts's, one connection's record gate-connection.ts's, and the
 * order of requests and answers on a plain-HTTP stream request-follower.ts's.
 */

import { readDnsMessage } from '../net/app/dns.js';
import { DnsTcpStream } from '../net/app/dns-tcp-stream.js';
import { forwardedHeadLength } from '../net/app/forward-head.js';
import type { HttpRequestHead } from '../net/app/http-request.js';
import type { StreamAmbiguity } from '../net/app/ordered-bytes.js';
import { requestFraming } from '../net/app/request-framing.js';
import { type FrontPort, frontOfPort, requestRefusal } from '../net/app/transparent-front.js';
import { helloName, requestName } from '../net/app/transparent-name.js';
import type { FlowObservation, FlowRecord } from '../net/flow/types.js';
import { endpointText } from '../net/ip/address.js';
import type { TcpSegment } from '../net/transport/tcp.js';
import type { ReasonCode } from '../policy/egress/types.js';
import type { Share, UnheardReason } from './destination.js';
import {
  connect,
  DnsQueryJudge,
  type JudgeContext,
  type JudgedFlowScope,
  judgeProxy,
  judgeServer,
  judgeTransparent,
  judgeUnheard,
  judgeUnread,
  withDnsName,
} from './flow-judge.js';
import {
  addShare,
  copyShare,
  GateConnection,
  type JudgedConnection,
  subtractShare,
  zeroShare,
} from './gate-connection.js';
import {
  FrontHeadReader,
  QuicNameReader,
  requestEvidence,
  type StreamView,
  TcpNameReader,
} from './name-reader.js';
import { proxyTarget } from './proxy-request.js';
import { RequestFollower, type RequestSink } from './request-follower.js';

const FIN = 0x001;
const SYN = 0x002;
const RST = 0x004;
const ACK = 0x010;
const URG = 0x020;

/** What a flow needs from the audit around it. */
export interface FlowContext extends JudgeContext {
  /** The policy's gateway.maxHeaderBytes: how far the transparent fronts read a head. */
  readonly maxHeaderBytes: number;
  /**
   * The TCP ports the box redirects to the gateway's `other` listener (the allowlist's extra
   * ports, as `airlock gateway rules` prints them); empty when gateway.transparent.other is off.
   */
  readonly extraPorts: ReadonlySet<number>;
  /** The host an unnamed connection to an extra port is taken to be for (policy/egress/unnamed-claim.ts). */
  unnamedClaim(port: number): string | undefined;
  /** The policy's gateway.handshakeTimeoutSeconds in ms: how long the gateway waits for a head. */
  readonly handshakeTimeoutMs: number;
  /** Whether ip:port is one of the gateway's proxy listeners (gateway.listen), as the capture would show it. */
  isProxy(ip: string, port: number): boolean;
  /** The time of the latest packet the audit has read, in ms since 1970: how far the capture runs. */
  clockMs(): number;
  /** A DNS response read from a TCP stream: its answers name addresses, as UDP ones do. */
  learnDns(message: Uint8Array): void;
  isLocal(orig: string, resp: string, proto: number, respPort: number): boolean;
  /**
   * A connection whose client stream the audit cannot read as the gateway's stack would (copies
   * of the same bytes that differ, a hold that overflowed, urgent data): reported as a warning at
   * the current packet and counted toward exit 1.
   */
  ambiguous(detail: string): void;
  /** Each flow as it ends, with the policy's answer (the report only keeps sums per destination). */
  onFlow?: (f: JudgedFlow) => void;
  /** Each DNS query as it is judged. */
  onDnsQuery?: (q: JudgedQuery) => void;
}

export type { JudgedConnection } from './gate-connection.js';

/** One flow's judgement: its first connection's, and every connection it carried. */
export interface JudgedFlow extends JudgedConnection {
  readonly record: FlowRecord;
  /** Client and server as the audit reads them (the SYN's sender is the client). */
  readonly client: { readonly h: string; readonly p: number };
  readonly server: { readonly h: string; readonly p: number };
  /** In order, the first included: one per request on a keep-alive HTTP connection, else one. */
  readonly connections: readonly JudgedConnection[];
}

/** One DNS query judged as the gateway's DNS server would judge it. */
export interface JudgedQuery {
  readonly flowId: string;
  /** Capture time of the packet that carried it, in ms since 1970. */
  readonly ms: number;
  readonly client: string;
  /** The name as the gate normalised it. */
  readonly name: string;
  /** The question's type (1 A, 28 AAAA…). */
  readonly qtype: number;
  readonly verdict: 'allow' | 'block';
  readonly reason: ReasonCode;
}

export class FlowState {
  private client: { h: string; p: number };
  private server: { h: string; p: number };
  private synSeen = false;
  /** When the client's SYN was seen (the latest, while no head was read): the gateway's handshake timer starts about then. */
  private synMs: number | undefined;
  private reader: TcpNameReader | FrontHeadReader | QuicNameReader | undefined;
  private readonly isDns: boolean;
  /** DNS over TCP: each direction's framed messages. */
  private dnsTcp: { client: DnsTcpStream; server: DnsTcpStream } | undefined;
  private opened = false;
  private readonly first: GateConnection;
  /** Where client bytes go now: the first connection, or the latest request judged after it. */
  private conn: GateConnection;
  /**
   * Requests after the first (keep-alive HTTP) that are over: their packets' sum (the first's
   * share is the flow's less this), and, for onFlow only, their judgements. A connection is
   * credited to its destination as soon as the next request is judged: a flow of many requests
   * keeps none of them.
   */
  private more: { orig: Share; resp: Share; judged: JudgedConnection[] } | undefined;
  /** A plain-HTTP stream followed request by request; once begun, every later packet goes to it. */
  private follow: RequestFollower | undefined;
  /** The next request while following, begun but its head not complete (not judged yet). */
  private begun: GateConnection | undefined;
  /** Requests begun after the first. */
  private requests = 0;
  /** The gateway would have closed the connection (refused, cut, or its last request over). */
  private ended = false;
  /** While the first head's stream is read on: bytes moved to later requests (see startFollow). */
  private seeding: { moved: number } | undefined;
  /** The connection the current packet's first new byte went to, and the packet's time. */
  private packetOwner: GateConnection | undefined;
  private nowNs = 0n;
  private nowMs = 0;
  /** A DNS flow's queries, judged one by one. */
  private readonly dns: DnsQueryJudge | undefined;
  private readonly proto: number;
  /** The transparent front that read the flow's head (443, 80, an extra port, to an egress address), once opened. */
  private front: FrontPort | undefined;
  /** The client's FIN, held out of order before its head: where it ends the stream once reached (a sequence number). */
  private finAt: number | undefined;
  /** The stream offset the follower's cursor starts at (the name reader's bytes before it). */
  private followBase = 0;
  /** The client stream was flagged as ambiguous (once per flow). */
  private flagged = false;

  /**
   * `roles`: the FlowTable's originator and responder on the flow's first packet, so both read the
   * flow the same way round (net/flow/orientation.ts: by the handshake, else by the ports).
   */
  constructor(
    private readonly id: string,
    o: FlowObservation,
    private readonly ctx: FlowContext,
    roles: { readonly orig: { h: string; p: number }; readonly resp: { h: string; p: number } },
  ) {
    this.proto = o.proto;
    this.client = { ...roles.orig };
    this.server = { ...roles.resp };
    this.isDns = (o.proto === 17 || o.proto === 6) && this.server.p === 53;
    if (this.isDns) this.dns = new DnsQueryJudge(ctx.gate);
    if (this.isDns && o.proto === 6) this.dnsTcp = { client: new DnsTcpStream(), server: new DnsTcpStream() };
    this.reader = this.newReader();
    this.first = new GateConnection(id, this.server.p);
    this.conn = this.first;
  }

  /**
   * One packet of the flow. `fresh`: what it added to its direction's stream (the FlowTable's
   * count, ObservedFlow.advance). The gate, the timeline and the budgets' figures count that, not
   * the payload captured: a retransmitted segment reaches the gateway's socket once, so counting
   * it twice would cut, under packet loss, where the gateway did not.
   */
  observe(
    o: FlowObservation,
    tcp: TcpSegment | undefined,
    udpPayload: Uint8Array | undefined,
    ms: number,
    fresh: number,
  ): void {
    let fromClient = o.src === this.client.h && o.srcPort === this.client.p;
    const flags = o.tcpFlags ?? 0;
    if (tcp && (flags & (SYN | ACK)) === SYN) {
      // The SYN's sender opened the conversation, whoever was seen first (as the FlowTable does).
      if (!fromClient && !this.synSeen) {
        [this.client, this.server] = [this.server, this.client];
        this.first.port = this.server.p;
        fromClient = true;
        // The other way round, it may be a connection a transparent front reads, or no longer one.
        const r = this.newReader();
        if (!this.opened && (r instanceof FrontHeadReader || this.reader instanceof FrontHeadReader))
          this.reader = r;
      }
      this.synSeen = true;
      if (!this.opened) this.synMs = ms;
    }
    if (this.isDns && udpPayload) this.judgeQuery(udpPayload, ms, fromClient);
    if (this.dnsTcp && tcp)
      for (const m of this.dnsTcp[fromClient ? 'client' : 'server'].push(tcp)) {
        if (!fromClient) this.ctx.learnDns(m);
        this.judgeQuery(m, ms, fromClient);
      }
    if (this.follow) {
      this.followed(this.follow, o, tcp, fromClient, ms, fresh);
      return;
    }
    if (!fromClient) return;
    // Bytes after the gateway gave up waiting are not read as a head (it closed the connection).
    if (!this.opened && this.pastHandshake(ms)) this.open(ms, o.ts, 'handshake-timeout');
    const r = this.reader;
    if (r && !this.opened) {
      let done = false;
      if (r instanceof TcpNameReader || r instanceof FrontHeadReader) {
        if (tcp && flags & URG) this.urgent(tcp, r.stream.nextSeq, r.stream.nextSeq);
        if (tcp && (tcp.payload.length > 0 || flags & SYN)) done = r.push(tcp);
        this.checkStream(r.stream.ambiguity, 0);
      } else if (udpPayload && udpPayload.length > 0) done = r.push(udpPayload);
      if (done) {
        this.first.timeline(ms, fresh);
        this.open(ms, o.ts);
        return;
      }
    }
    if (fresh > 0) this.up(ms, fresh);
    // The client ended (FIN) or reset the connection before its head was complete: the gateway
    // logs 'client-closed' (its timer still running, else it had closed first: pastHandshake).
    if (!this.opened && tcp && this.clientEnded(tcp, flags) && this.unheardHeld())
      this.open(ms, o.ts, 'client-closed');
  }

  /**
   * Whether the client's TCP has ended its stream by this segment, as the gateway's Linux reads it:
   * a RST only at the next sequence number expected (RFC 5961 §3.2: one elsewhere in the window
   * gets a challenge ACK and the connection lives on), a FIN once the stream reaches it (one
   * ahead of a gap is held, as tcp_data_queue_ofo holds it, and ends the stream when the gap fills).
   */
  private clientEnded(tcp: TcpSegment, flags: number): boolean {
    const r = this.reader;
    const next = r instanceof TcpNameReader || r instanceof FrontHeadReader ? r.stream.nextSeq : undefined;
    if (flags & RST) return next === undefined || tcp.seq >>> 0 === next;
    if (flags & FIN) {
      const at = (tcp.seq + tcp.payload.length) >>> 0;
      if (next === undefined || at === next) return true;
      if (((at - next) | 0) > 0 && (this.finAt === undefined || ((at - this.finAt) | 0) < 0)) this.finAt = at;
    }
    return this.finAt !== undefined && this.finAt === next;
  }

  /**
   * A client segment with URG: Linux (tcp_stdurg off, no SO_OOBINLINE, as Node's sockets read)
   * takes the urgent byte, the one before seq + urgent pointer, out of the stream the gateway
   * reads; the audit reads it in place, so the connection is flagged. `next`: the next sequence
   * number expected (an urgent byte before it is ignored, as tcp_check_urg ignores it); `start`:
   * the sequence number of the reading's offset `base`.
   */
  private urgent(tcp: TcpSegment, next: number | undefined, start: number | undefined, base = 0): void {
    const ptr = tcp.urgentPointer ?? 0;
    const at = (tcp.seq + (ptr > 0 ? ptr - 1 : 0)) >>> 0;
    if (next !== undefined && ((at - next) | 0) < 0) return;
    const offset = start === undefined ? undefined : base + ((at - start) | 0);
    this.flag(
      `TCP urgent data (URG, urgent pointer ${ptr})${offset === undefined ? '' : ` at stream offset ${offset}`}: Linux takes the urgent byte out of the stream the gateway reads, the audit cannot say what the gateway read`,
    );
  }

  /** The client stream reading's ambiguity (offsets from `base`), flagged once per flow. */
  private checkStream(a: StreamAmbiguity | undefined, base: number): void {
    if (!a || this.flagged) return;
    const at = base + a.offset;
    this.flag(
      a.kind === 'copies-differ'
        ? `two copies of the client's stream bytes at stream offset ${at} differ: the audit reads them as Linux would, but cannot show which copy the gateway read`
        : `the client sent more segments past a gap than the audit holds (at stream offset ${at}): Linux would have kept the one dropped, the audit cannot say what the gateway read`,
    );
  }

  /** Flags the flow's client stream as ambiguous: a warning, on the connection now current, toward exit 1. */
  private flag(why: string): void {
    if (this.flagged) return;
    this.flagged = true;
    const detail = `${this.id} (${endpointText(this.client.h, this.client.p)} to ${endpointText(this.server.h, this.server.p)}): ${why}; counted toward exit 1`;
    (this.begun ?? this.conn).ambiguous ??= detail;
    this.ctx.ambiguous(detail);
  }

  /**
   * The connection is one the gateway itself holds while it waits for a head, the SYN seen and no
   * head read yet: to an egress address on a port a transparent front reads (443, 80, an extra
   * port), or to one of its proxy listeners. Any other connection never reaches the gateway (the
   * box's rules drop it) or is judged as the gate would judge it, head or not.
   */
  private unheardHeld(): boolean {
    const r = this.reader;
    if (this.synMs === undefined || !(r instanceof TcpNameReader || r instanceof FrontHeadReader))
      return false;
    // A head read, the reader still going on (a CONNECT's tunnel, for its ClientHello): it came.
    if (r.request() !== undefined || r.hello() !== undefined) return false;
    if (r instanceof FrontHeadReader) return true;
    return (
      this.ctx.isLocal(this.client.h, this.server.h, 6, this.server.p) &&
      this.ctx.isProxy(this.server.h, this.server.p)
    );
  }

  /**
   * At `ms`, the gateway had given up waiting for the head: its handshake timeout ran out after
   * the SYN. (Its timer starts on accept, a round trip after the SYN: a head within that margin
   * of the timeout is the one case the capture cannot decide; it is read as late.)
   */
  private pastHandshake(ms: number): boolean {
    return this.unheardHeld() && ms - this.synMs! > this.ctx.handshakeTimeoutMs;
  }

  /** The name reader for the flow as oriented now: a transparent front's on 443, 80 and the extra ports to an egress address. */
  private newReader(): TcpNameReader | FrontHeadReader | QuicNameReader | undefined {
    if (this.proto === 17) return this.server.p === 443 ? new QuicNameReader() : undefined;
    if (this.proto !== 6) return undefined;
    const front = frontOfPort(this.server.p, this.ctx.extraPorts);
    // The gateway's own proxy listener is never a transparent front, even at an address
    // allowedPrivateCidrs makes egress (a loopback or LAN range the policy forwards to).
    return front &&
      !this.ctx.isLocal(this.client.h, this.server.h, 6, this.server.p) &&
      !this.ctx.isProxy(this.server.h, this.server.p)
      ? new FrontHeadReader(front, this.ctx.maxHeaderBytes)
      : new TcpNameReader();
  }

  /** The flow ended: open it if its name never settled, and credit it to its destination(s). */
  finish(f: FlowRecord): void {
    const lastMs = Number(f.lastTs) / 1e6;
    // A flow whose head never came, the capture running past the gateway's timeout: timed out.
    // When the capture ends sooner, it cannot show what happened next (a head, a close or the
    // timeout): the flow is judged on what was read, as the gate judges a connection without a
    // name, rather than given an end the capture does not hold.
    if (!this.first.dest)
      this.open(
        Number(f.ts) / 1e6,
        f.ts,
        this.pastHandshake(this.ctx.clockMs()) ? 'handshake-timeout' : undefined,
      );
    this.nowMs = lastMs;
    this.follow?.stop();
    const first = this.first;
    // A DNS flow is judged by its queries; one whose queries could not be read, as a connection.
    if (this.isDns)
      first.outcome =
        this.dns?.first ?? connect(this.scope(), first.id, first.name!, first.local, Number(f.ts) / 1e6);
    this.ctx.gate.close(this.conn.id, lastMs);
    if (this.conn !== first) this.retire(this.conn);
    const more = this.more;
    let orig: Share = f.origCounts;
    let resp: Share = f.respCounts;
    if (more) {
      // The first request's share: what the later ones did not take.
      orig = copyShare(f.origCounts);
      resp = copyShare(f.respCounts);
      subtractShare(orig, more.orig);
      subtractShare(resp, more.resp);
    }
    const judged = first.credit({
      ts: f.ts,
      lastTs: more ? (first.lastNs ?? f.ts) : f.lastTs,
      orig,
      resp,
      ip: f.resp.h,
    });
    first.dest!.dnsQueries += this.dns?.queries ?? 0;
    first.dest!.dnsBlocked += this.dns?.blocked ?? 0;
    if (this.ctx.onFlow) {
      this.ctx.onFlow({
        ...judged,
        record: f,
        client: this.client,
        server: this.server,
        connections: [judged, ...(more?.judged ?? [])],
      });
    }
  }

  /** A request after the first is over (the next was judged, or the flow ended): credit it now. */
  private retire(c: GateConnection): void {
    this.more ??= { orig: zeroShare(), resp: zeroShare(), judged: [] };
    const more = this.more;
    addShare(more.orig, c.orig!);
    addShare(more.resp, c.resp!);
    const j = c.credit({
      ts: c.firstNs!,
      lastTs: c.lastNs!,
      orig: c.orig!,
      resp: c.resp!,
      ip: this.server.h,
    });
    if (this.ctx.onFlow) more.judged.push(j);
  }

  /** Client stream bytes, packet by packet, to the current connection (not followed). */
  private up(ms: number, bytes: number): void {
    const c = this.conn;
    c.timeline(ms, bytes);
    if (c.dest) this.charge(c, ms, bytes);
  }

  /** The gate's replay: `bytes` up on `c` at `ms`; a cut ends the connection. */
  private charge(c: GateConnection, ms: number, bytes: number): void {
    if (this.isDns || this.ended || c.outcome?.kind !== 'allowed') return;
    let n = bytes;
    if (c.uncharged > 0) {
      const k = Math.min(c.uncharged, n);
      c.uncharged -= k;
      n -= k;
      if (n === 0) return;
    }
    const d = this.ctx.gate.upstream(c.id, n, ms);
    c.passed += d.pass;
    if (d.cut) {
      c.outcome = {
        kind: 'cut',
        reason: d.reason ?? 'connection-budget',
        detail: d.detail ?? '',
        afterBytes: c.passed,
      };
      this.ended = true;
      this.follow?.end();
    }
  }

  /**
   * The name is as known as it will get: judge the first connection, then replay or follow;
   * `unheard`: its head never came, and the gateway logs why.
   */
  private open(ms: number, ns: bigint, unheard?: UnheardReason): void {
    const c = this.first;
    if (c.dest) return;
    this.opened = true;
    const reader = this.reader;
    // What was read is judged now: the reader's bytes are not kept past this.
    this.reader = undefined;
    const stream = reader instanceof QuicNameReader ? undefined : reader;
    const head = stream?.request();
    const hello = stream?.hello();
    const refused = reader instanceof FrontHeadReader ? reader.refusal() : undefined;
    if (reader instanceof FrontHeadReader) this.front = reader.front;
    const local = this.ctx.isLocal(this.client.h, this.server.h, this.proto, this.server.p);
    // To the proxy listener: a proxy request, whether or not allowedPrivateCidrs makes its address
    // egress (QA: with 127.0.0.0/8 allowed, the audit judged the proxy's own port, and disagreed
    // with the gateway's row).
    const toProxy = local || this.ctx.isProxy(this.server.h, this.server.p);
    const target = toProxy && head ? proxyTarget(head) : undefined;
    const at = Math.min(c.pending[0]?.ms ?? ms, ms);
    const own = reader?.evidence();
    const s = this.scope();
    const unread = unheard && stream ? unreadBytes(stream.stream) : undefined;
    if (unread) c.settle(judgeUnread(s, c.id, unread, withDnsName(s, own), local, at));
    else if (unheard) c.settle(judgeUnheard(s, unheard, own, local));
    else if (refused && !local) c.settle(judgeTransparent(s, c.id, refused, own!, at));
    else if (head && target) {
      c.settle(judgeProxy(s, c.id, target, own!, at));
      // Replayed packet by packet (a tunnel is not followed): its head is for the proxy, not upstream.
      if (target.form === 'connect') c.uncharged = head.length;
    } else if (head && !local) c.settle(judgeTransparent(s, c.id, requestName(head, this.claim()), own!, at));
    else if (hello && !local) c.settle(judgeTransparent(s, c.id, helloName(hello, this.claim()), own!, at));
    else c.settle(judgeServer(s, c.id, withDnsName(s, own), local, at));
    // Plain HTTP the gateway would relay request by request: to an egress address, or through the proxy.
    const follows =
      head !== undefined &&
      stream !== undefined &&
      head.method !== 'CONNECT' &&
      requestFraming(head).kind !== 'invalid' &&
      (target ? target.form === 'absolute' : !local) &&
      c.outcome?.kind === 'allowed';
    if (follows && this.startFollow(stream, head, at, ms, ns)) return;
    const held = c.pending;
    c.pending = [];
    for (const h of held) this.up(h.ms, h.bytes);
  }

  /**
   * Goes on reading the first request's stream from its head's end (the name reader's bytes),
   * request by request. The bytes read so far were all sent before the first head was complete:
   * the first connection's timeline keeps them, less those the stream puts in later requests.
   */
  private startFollow(
    reader: TcpNameReader | FrontHeadReader,
    head: HttpRequestHead,
    at: number,
    ms: number,
    ns: bigint,
  ): boolean {
    const h = reader.handOver();
    if (!h) return false;
    const c = this.first;
    const follower = new RequestFollower(head, h, this.requestSink());
    this.follow = follower;
    this.followBase = h.bytes.length;
    c.lastNs = ns;
    this.nowNs = ns;
    this.nowMs = ms;
    this.chargeHead(c, head, at);
    this.seeding = { moved: 0 };
    follower.feed(h.bytes.subarray(head.length));
    let moved = this.seeding.moved;
    this.seeding = undefined;
    const held = c.pending;
    c.pending = [];
    for (let i = held.length - 1; i >= 0 && moved > 0; i--) {
      const k = Math.min(moved, held[i]!.bytes);
      held[i]!.bytes -= k;
      moved -= k;
    }
    for (const e of held) c.timeline(e.ms, e.bytes);
    return true;
  }

  /** The follower's answers, on the connections: the current one, the next begun, each request judged. */
  private requestSink(): RequestSink {
    return {
      current: (bytes, relayed, fresh) => this.place(this.conn, this.nowMs, bytes, relayed, fresh),
      next: (bytes, fresh) => this.place(this.nextRequest(), this.nowMs, bytes, false, fresh),
      request: (head) => this.judgeRequest(head, this.nowMs),
      stopped: (closed, relayed) => this.stopFollowing(closed, relayed),
      released: (bytes) => this.charge(this.conn, this.nowMs, bytes),
      closed: () => {
        this.ended = true;
      },
    };
  }

  /** A packet of a flow followed request by request: its bytes where the follower says. */
  private followed(
    f: RequestFollower,
    o: FlowObservation,
    tcp: TcpSegment | undefined,
    fromClient: boolean,
    ms: number,
    fresh: number,
  ): void {
    const latest = this.begun ?? this.conn;
    if (!fromClient) {
      latest.tally('resp', o, o.payloadBytes, fresh);
      this.nowMs = ms;
      if (tcp) f.serverBytes(tcp.payload);
      return;
    }
    if (!tcp || o.payloadBytes === 0) {
      latest.tally('orig', o, o.payloadBytes, fresh);
      return;
    }
    this.packetOwner = undefined;
    this.nowNs = o.ts;
    this.nowMs = ms;
    if ((o.tcpFlags ?? 0) & URG) this.urgent(tcp, undefined, undefined);
    f.push(tcp.seq, tcp.payload, fresh);
    this.checkStream(f.ambiguity, this.followBase);
    // The packet itself counts where its first new byte went, else to the request current now,
    // and so do its stream bytes: counted per packet as the flow's own count is, the requests'
    // add up to the flow's whatever the follower made of the segment (held past a gap, or a jump
    // too far to follow).
    const owner = this.packetOwner ?? this.begun ?? this.conn;
    owner.tally('orig', o, 0, fresh);
    this.packetOwner = undefined;
  }

  /**
   * `bytes` client bytes on `c`, `fresh` of them new to the stream (all, unless the follower says):
   * its share of the payload, its timeline, and when `charge` the gate. (Its stream bytes are
   * counted per packet: followed.)
   */
  private place(c: GateConnection, ms: number, bytes: number, charge: boolean, fresh = bytes): void {
    if (bytes <= 0) return;
    this.packetOwner ??= c;
    if (c.orig) {
      c.orig.bytes += bytes;
      c.firstNs ??= this.nowNs;
      if (c.lastNs === undefined || this.nowNs > c.lastNs) c.lastNs = this.nowNs;
    }
    // While seeding, the first connection's timeline already holds these bytes (startFollow).
    if (!this.seeding || c !== this.first) c.timeline(ms, fresh);
    if (this.seeding && c !== this.first) this.seeding.moved += fresh;
    if (charge) this.charge(c, ms, fresh);
  }

  /** The next request begun while following: a connection of its own, judged once its head is complete. */
  private nextRequest(): GateConnection {
    if (!this.begun) {
      const c = new GateConnection(`${this.id}/${++this.requests}`, this.server.p);
      c.orig = zeroShare();
      c.resp = zeroShare();
      this.begun = c;
    }
    return this.begun;
  }

  /** A request after the first, its head complete: judged as the gateway judges it; whether it goes on. */
  private judgeRequest(head: HttpRequestHead, ms: number): boolean {
    const c = this.nextRequest();
    this.begun = undefined;
    const prev = this.conn;
    this.ctx.gate.close(prev.id, ms);
    if (prev !== this.first) this.retire(prev);
    else this.more ??= { orig: zeroShare(), resp: zeroShare(), judged: [] };
    this.conn = c;
    const own = requestEvidence(head);
    // The connection's requests go to a forward proxy when its first did: each must be a proxy request.
    const viaProxy = this.first.proxy !== undefined;
    const target = viaProxy ? proxyTarget(head) : undefined;
    const s = this.scope();
    if (target) c.settle(judgeProxy(s, c.id, target, own, ms));
    else if (viaProxy) {
      // A proxy connection's request that the proxy would not forward: LAN traffic to the proxy.
      c.settle(judgeServer(s, c.id, withDnsName(s, own), true, ms));
      this.ended = true;
    } else {
      // On the HTTP port each request's head is read by the front again: it may refuse a later one.
      const refused = this.front === 'http' ? requestRefusal(head, this.ctx.maxHeaderBytes) : undefined;
      c.settle(judgeTransparent(s, c.id, refused ?? requestName(head, this.claim()), own, ms));
    }
    const held = c.pending;
    c.pending = [];
    for (const h of held) c.timeline(h.ms, h.bytes);
    if (c.outcome?.kind !== 'allowed') this.ended = true;
    else this.chargeHead(c, head, ms);
    return !this.ended;
  }

  /** An allowed request's head as the gateway sends it: rewritten to origin form; a CONNECT's to nobody. */
  private chargeHead(c: GateConnection, head: HttpRequestHead, ms: number): void {
    if (c.proxy?.form === 'connect') return;
    this.charge(c, ms, forwardedHeadLength(head, this.claim()) ?? head.length);
  }

  /** On an extra port read by its front, the host an unnamed connection there is taken to be for. */
  private claim(): string | undefined {
    return this.front === undefined ? undefined : this.ctx.unnamedClaim(this.server.p);
  }

  /**
   * No more requests (the connection over when `closed`): a request begun but not complete is the
   * current connection's, its bytes up with it when `relayed`.
   */
  private stopFollowing(closed: boolean, relayed: boolean): void {
    if (closed) this.ended = true;
    const c = this.conn;
    const n = this.begun;
    this.begun = undefined;
    if (n) {
      // Held by the gateway as a next request's head: in a stream it goes up as this request's.
      if (relayed && n.orig) this.charge(c, this.nowMs, n.orig.streamBytes);
      if (c.orig && n.orig) addShare(c.orig, n.orig);
      if (c.resp && n.resp) addShare(c.resp, n.resp);
      if (n.lastNs !== undefined && (c.lastNs === undefined || n.lastNs > c.lastNs)) c.lastNs = n.lastNs;
      for (const h of n.pending) c.timeline(h.ms, h.bytes);
    }
  }

  /** The flow as its connections are judged: as it stands now (a SYN may have turned it round). */
  private scope(): JudgedFlowScope {
    return { ctx: this.ctx, server: this.server, proto: this.proto, isDns: this.isDns };
  }

  /**
   * Each query the client sent is judged as the gateway's DNS server would judge it. A response
   * whose query the capture missed still proves the query was sent: its question is judged.
   */
  private judgeQuery(payload: Uint8Array, ms: number, fromClient: boolean): void {
    const dns = this.dns;
    if (!dns) return;
    const m = readDnsMessage(payload);
    if (m.kind !== 'value') return;
    if (m.value.response ? dns.queries > 0 : !fromClient) return;
    const q = m.value.questions[0];
    if (!q) return;
    const v = dns.judge(q.name, q.type, ms, this.client.h, q.class);
    this.ctx.onDnsQuery?.({ flowId: this.id, ms, client: this.client.h, ...v });
  }
}

/**
 * What the client sent that the audit could not read in order before the gateway's wait ended:
 * bytes held past a gap the capture never fills, or a segment the hold had no room for. The
 * gateway's stack may well have read a head there (the capture missed a segment, or a sender
 * played sequence numbers): the connection is no unheard one.
 */
function unreadBytes(v: StreamView): { bytes: number; full: boolean } | undefined {
  const full = v.ambiguity?.kind === 'hold-full';
  return v.heldBytes > 0 || full ? { bytes: v.heldBytes, full } : undefined;
}

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
 * when the client's FIN or RST comes first, 'handshake-timeout' when the policy's
 * gateway.handshakeTimeoutSeconds after its SYN passes first (its head late, or the capture
 * running on past that time with no head).
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
 *    `F7/2`…). A refused or cut request, or one whose client said the connection ends with it,
 *    ends the following: later bytes are the last connection's, charged to nothing (the gateway
 *    would have closed). Each request is credited to its own destination with its share of the
 *    packets: its bytes by stream position, the server's bytes to the request last begun (exact
 *    without pipelining), retransmitted bytes to the request current when they came; the first
 *    request gets what the others do not, so the shares add up to the flow's counts. TLS and
 *    every other flow pay none of this: the stream is followed only once its first head says it
 *    is plain HTTP.
 *
 * This file follows the packets; what a connection is credited to and what the gate answers is
 * flow-judge.ts's.
 */

import { readDnsMessage } from '../net/app/dns.js';
import { DnsTcpStream } from '../net/app/dns-tcp-stream.js';
import { forwardedHeadLength } from '../net/app/forward-head.js';
import type { HttpRequestHead } from '../net/app/http-request.js';
import { requestFraming } from '../net/app/request-framing.js';
import { type FrontPort, frontOfPort, requestRefusal } from '../net/app/transparent-front.js';
import { helloName, requestName } from '../net/app/transparent-name.js';
import type { FlowObservation, FlowRecord } from '../net/flow/types.js';
import type { TcpSegment } from '../net/transport/tcp.js';
import type { ReasonCode } from '../policy/egress/types.js';
import { AnswerWatch } from './answer-watch.js';
import type {
  ConnectionShare,
  DestinationAcc,
  FlowOutcome,
  NameSource,
  Share,
  UnheardReason,
} from './destination.js';
import {
  connect,
  DnsQueryJudge,
  type JudgeContext,
  type JudgedFlowScope,
  type Judgement,
  judgeProxy,
  judgeServer,
  judgeTransparent,
  judgeUnheard,
  type ProxyVia,
  withDnsName,
} from './flow-judge.js';
import { AUDIT_LIMITS } from './limits.js';
import {
  FrontHeadReader,
  type NameEvidence,
  QuicNameReader,
  requestEvidence,
  TcpNameReader,
} from './name-reader.js';
import { proxyTarget } from './proxy-request.js';
import { RequestFollower, type RequestSink } from './request-follower.js';

const FIN = 0x001;
const SYN = 0x002;
const RST = 0x004;
const ACK = 0x010;

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
  /** Each flow as it ends, with the policy's answer (the report only keeps sums per destination). */
  onFlow?: (f: JudgedFlow) => void;
  /** Each DNS query as it is judged. */
  onDnsQuery?: (q: JudgedQuery) => void;
}

/** One connection as the gate judged it: as the gateway would have logged it (a row). */
export interface JudgedConnection {
  /** The gate's id: the flow's ('F1'…), with '/n' for the nth request after the first on a keep-alive connection. */
  readonly id: string;
  readonly scope: 'egress' | 'local';
  readonly name: string | undefined;
  readonly nameSource: NameSource;
  /** The port judged: the server's, or a proxy request's target port. */
  readonly port: number;
  readonly outcome: FlowOutcome;
  /** Bytes the gate let through: what the gateway would have sent upstream (a cut's afterBytes). */
  readonly up: number;
  /** A forward-proxy request: the proxy's address and port, and the request's form. */
  readonly proxy?: ProxyVia;
  /** Its share of the flow's packets (the whole flow's when it is the flow's only connection). */
  readonly orig: Readonly<Share>;
  readonly resp: Readonly<Share>;
}

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

const zero = (): Share => ({ bytes: 0, ipBytes: 0, pkts: 0 });

/** One connection to the gate: a flow, or one request of a keep-alive HTTP connection. */
class Conn {
  dest: DestinationAcc | undefined;
  outcome: FlowOutcome | undefined;
  name: NameEvidence | undefined;
  local = false;
  proxy: JudgedConnection['proxy'];
  /** The address judged, when the connection named one itself (an IP literal in Host or SNI): where the gateway goes. */
  address: string | undefined;
  /** Bytes the gate let through. */
  passed = 0;
  /** Client bytes (time, count) for the destination's timeline, held until it is known. */
  pending: { ms: number; bytes: number }[] = [];
  /** Bytes at the stream's start the gate is not charged: a CONNECT head is for the proxy. */
  uncharged = 0;
  /** Its own share (a request after the first); the first's is the flow's less the others'. */
  orig: Share | undefined;
  resp: Share | undefined;
  firstNs: bigint | undefined;
  lastNs: bigint | undefined;

  constructor(
    readonly id: string,
    public port: number,
  ) {}

  /** Client bytes at `ms` on the destination's timeline (held while it is not known). */
  timeline(ms: number, bytes: number): void {
    if (bytes <= 0) return;
    if (this.dest) {
      this.dest.up.add(ms, bytes);
      return;
    }
    const p = this.pending;
    if (p.length < AUDIT_LIMITS.maxPendingEvents) p.push({ ms, bytes });
    else p[p.length - 1]!.bytes += bytes;
  }

  /** Its packets so far, once it keeps a share of its own. */
  tally(dir: 'orig' | 'resp', o: FlowObservation, bytes: number): void {
    if (this.firstNs === undefined || o.ts < this.firstNs) this.firstNs = o.ts;
    if (this.lastNs === undefined || o.ts > this.lastNs) this.lastNs = o.ts;
    const s = this[dir];
    if (!s) return;
    s.pkts++;
    s.ipBytes += o.ipBytes;
    s.bytes += bytes;
  }
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
  private readonly first: Conn;
  /** Where client bytes go now: the first connection, or the latest request judged after it. */
  private conn: Conn;
  /**
   * Requests after the first (keep-alive HTTP) that are over: their packets' sum (the first's
   * share is the flow's less this), and, for onFlow only, their judgements. A connection is
   * credited to its destination as soon as the next request is judged: a flow of many requests
   * keeps none of them.
   */
  private more: { orig: Share; resp: Share; judged: JudgedConnection[] } | undefined;
  /** A plain-HTTP stream being followed request by request. */
  private follow: RequestFollower | undefined;
  /** The next request while following, begun but its head not complete (not judged yet). */
  private begun: Conn | undefined;
  /** Requests begun after the first. */
  private requests = 0;
  /** The gateway would have closed the connection (refused, cut, or its last request over). */
  private ended = false;
  /** The first request's answer, read until it shows whether it made the exchange a stream (NTRIP ICY). */
  private answer: AnswerWatch | undefined;
  /**
   * Client bytes past the first request that start no request the gateway would read: it holds
   * them until the answer shows whether they go up (an ICY stream) or never do.
   */
  private held: number | undefined;
  /** While the first head's stream is read on: bytes moved to later requests (see startFollow). */
  private seeding: { moved: number } | undefined;
  /** The connection the current packet's first new byte went to, and the packet's time. */
  private packetOwner: Conn | undefined;
  private nowNs = 0n;
  private nowMs = 0;
  /** A DNS flow's queries, judged one by one. */
  private readonly dns: DnsQueryJudge | undefined;
  private readonly proto: number;
  /** The transparent front that read the flow's head (443, 80, an extra port, to an egress address), once opened. */
  private front: FrontPort | undefined;

  constructor(
    private readonly id: string,
    o: FlowObservation,
    private readonly ctx: FlowContext,
  ) {
    this.proto = o.proto;
    const synAck = o.proto === 6 && ((o.tcpFlags ?? 0) & (SYN | ACK)) === (SYN | ACK);
    const s = { h: o.src, p: o.srcPort };
    const d = { h: o.dst, p: o.dstPort };
    this.client = synAck ? d : s;
    this.server = synAck ? s : d;
    this.isDns = (o.proto === 17 || o.proto === 6) && this.server.p === 53;
    if (this.isDns) this.dns = new DnsQueryJudge(ctx.gate);
    if (this.isDns && o.proto === 6) this.dnsTcp = { client: new DnsTcpStream(), server: new DnsTcpStream() };
    this.reader = this.newReader();
    this.first = new Conn(id, this.server.p);
    this.conn = this.first;
  }

  observe(
    o: FlowObservation,
    tcp: TcpSegment | undefined,
    udpPayload: Uint8Array | undefined,
    ms: number,
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
    if (this.follow || this.more) {
      this.followed(o, tcp, fromClient, ms);
      return;
    }
    if (!fromClient) {
      if (tcp) this.watchAnswer(tcp.payload, ms);
      return;
    }
    // Bytes after the gateway gave up waiting are not read as a head (it closed the connection).
    if (!this.opened && this.pastHandshake(ms)) this.open(ms, o.ts, 'handshake-timeout');
    const r = this.reader;
    if (r && !this.opened) {
      let done = false;
      if (r instanceof TcpNameReader || r instanceof FrontHeadReader) {
        if (tcp && (tcp.payload.length > 0 || flags & SYN)) done = r.push(tcp);
      } else if (udpPayload && udpPayload.length > 0) done = r.push(udpPayload);
      if (done) {
        this.first.timeline(ms, o.payloadBytes);
        this.open(ms, o.ts);
        return;
      }
    }
    if (o.payloadBytes > 0) this.up(ms, o.payloadBytes);
    // The client ended (FIN) or reset the connection before its head was complete: the gateway
    // logs 'client-closed' (its timer still running, else it had closed first: pastHandshake).
    if (!this.opened && tcp && flags & (FIN | RST) && this.unheardHeld())
      this.open(ms, o.ts, 'client-closed');
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
    return front && !this.ctx.isLocal(this.client.h, this.server.h, 6, this.server.p)
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
    if (this.follow) {
      this.nowMs = lastMs;
      this.follow.stop();
    }
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
      orig = pick(f.origCounts);
      resp = pick(f.respCounts);
      subtract(orig, more.orig);
      subtract(resp, more.resp);
    }
    const judged = this.credit(first, {
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
  private retire(c: Conn): void {
    this.more ??= { orig: zero(), resp: zero(), judged: [] };
    const more = this.more;
    add(more.orig, c.orig!);
    add(more.resp, c.resp!);
    const j = this.credit(c, {
      ts: c.firstNs!,
      lastTs: c.lastNs!,
      orig: c.orig!,
      resp: c.resp!,
      ip: this.server.h,
    });
    if (this.ctx.onFlow) more.judged.push(j);
  }

  /** One connection credited to its destination (`share`: where it went, its packets); its judgement. */
  private credit(c: Conn, share: ConnectionShare): JudgedConnection {
    const { orig, resp } = share;
    const literal = c.proxy && c.name?.name === undefined ? c.dest!.key.ip : undefined;
    c.dest!.addFlow(
      {
        ...share,
        ip: c.proxy ? literal : (c.address ?? share.ip),
        ...(c.proxy ? { proxy: endpoint(c.proxy.h, c.proxy.p) } : {}),
      },
      c.outcome!,
    );
    return {
      id: c.id,
      scope: c.local ? 'local' : 'egress',
      name: c.name?.name,
      nameSource: c.name?.source ?? 'none',
      port: c.port,
      outcome: c.outcome!,
      up: c.passed,
      ...(c.proxy ? { proxy: c.proxy } : {}),
      orig: pick(orig),
      resp: pick(resp),
    };
  }

  /** Client bytes, packet by packet, to the current connection (not followed). */
  private up(ms: number, bytes: number): void {
    const c = this.conn;
    c.timeline(ms, bytes);
    if (this.held !== undefined) this.held += bytes;
    else if (c.dest) this.charge(c, ms, bytes);
  }

  /**
   * A server payload while the first answer is read: an ICY stream ends request following (every
   * later client byte goes up) and sends up what the gateway held; any other answer ends the
   * connection where bytes were held (they never go up).
   */
  private watchAnswer(payload: Uint8Array, ms: number): void {
    const a = this.answer;
    if (a?.status !== 'need') return;
    const status = a.push(payload);
    if (status === 'need') return;
    const held = this.held;
    this.held = undefined;
    if (status !== 'stream') {
      if (held !== undefined) this.ended = true;
      return;
    }
    this.nowMs = ms;
    this.follow?.stop(false);
    if (held) this.charge(this.conn, ms, held);
  }

  /** The gate's replay: `bytes` up on `c` at `ms`; a cut ends the connection. */
  private charge(c: Conn, ms: number, bytes: number): void {
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
    const target = local && head ? proxyTarget(head) : undefined;
    const at = Math.min(c.pending[0]?.ms ?? ms, ms);
    const own = reader?.evidence();
    const s = this.scope();
    if (unheard) this.settle(c, judgeUnheard(s, unheard, own, local));
    else if (refused && !local) this.settle(c, judgeTransparent(s, c.id, refused, own!, at));
    else if (head && target) {
      this.settle(c, judgeProxy(s, c.id, target, own!, at));
      // Replayed packet by packet (a tunnel is not followed): its head is for the proxy, not upstream.
      if (target.form === 'connect') c.uncharged = head.length;
    } else if (head && !local)
      this.settle(c, judgeTransparent(s, c.id, requestName(head, this.claim()), own!, at));
    else if (hello && !local)
      this.settle(c, judgeTransparent(s, c.id, helloName(hello, this.claim()), own!, at));
    else this.settle(c, judgeServer(s, c.id, withDnsName(s, own), local, at));
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
    this.answer = new AnswerWatch();
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
      current: (bytes, relayed) => this.place(this.conn, this.nowMs, bytes, relayed),
      next: (bytes) => this.place(this.nextRequest(), this.nowMs, bytes, false),
      request: (head) => this.judgeRequest(head, this.nowMs),
      stopped: (closed, held) => this.stopFollowing(closed, held),
    };
  }

  /** A packet of a flow followed request by request, or split into several connections. */
  private followed(o: FlowObservation, tcp: TcpSegment | undefined, fromClient: boolean, ms: number): void {
    const f = this.follow;
    const latest = this.begun ?? this.conn;
    if (!fromClient) {
      latest.tally('resp', o, o.payloadBytes);
      if (tcp) this.watchAnswer(tcp.payload, ms);
      return;
    }
    if (!f || !tcp || o.payloadBytes === 0) {
      latest.tally('orig', o, o.payloadBytes);
      if (!f && o.payloadBytes > 0) this.up(ms, o.payloadBytes);
      return;
    }
    this.packetOwner = undefined;
    this.nowNs = o.ts;
    this.nowMs = ms;
    f.push(tcp.seq, tcp.payload);
    // The packet itself counts where its first new byte went, else to the request current now.
    const owner = this.packetOwner ?? this.begun ?? this.conn;
    owner.tally('orig', o, 0);
    this.packetOwner = undefined;
  }

  /** `bytes` client bytes on `c`: its share and its timeline (charged to the gate when `charge`). */
  private place(c: Conn, ms: number, bytes: number, charge: boolean): void {
    if (bytes <= 0) return;
    this.packetOwner ??= c;
    if (c.orig) {
      c.orig.bytes += bytes;
      c.firstNs ??= this.nowNs;
      if (c.lastNs === undefined || this.nowNs > c.lastNs) c.lastNs = this.nowNs;
    }
    // While seeding, the first connection's timeline already holds these bytes (startFollow).
    if (!this.seeding || c !== this.first) c.timeline(ms, bytes);
    if (this.seeding && c !== this.first) this.seeding.moved += bytes;
    if (charge) this.charge(c, ms, bytes);
    // Following over, the current request's own bytes: up in a stream, held while one may come.
    else if (!this.follow && c === this.conn) {
      if (this.answer?.status === 'stream') this.charge(c, ms, bytes);
      else if (this.held !== undefined) this.held += bytes;
    }
  }

  /** The next request begun while following: a connection of its own, judged once its head is complete. */
  private nextRequest(): Conn {
    if (!this.begun) {
      const c = new Conn(`${this.id}/${++this.requests}`, this.server.p);
      c.orig = zero();
      c.resp = zero();
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
    else this.more ??= { orig: zero(), resp: zero(), judged: [] };
    this.conn = c;
    const own = requestEvidence(head);
    // The connection's requests go to a forward proxy when its first did: each must be a proxy request.
    const viaProxy = this.first.proxy !== undefined;
    const target = viaProxy ? proxyTarget(head) : undefined;
    const s = this.scope();
    if (target) this.settle(c, judgeProxy(s, c.id, target, own, ms));
    else if (viaProxy) {
      // A proxy connection's request that the proxy would not forward: LAN traffic to the proxy.
      this.settle(c, judgeServer(s, c.id, withDnsName(s, own), true, ms));
      this.ended = true;
    } else {
      // On the HTTP port each request's head is read by the front again: it may refuse a later one.
      const refused = this.front === 'http' ? requestRefusal(head, this.ctx.maxHeaderBytes) : undefined;
      this.settle(c, judgeTransparent(s, c.id, refused ?? requestName(head, this.claim()), own, ms));
    }
    const held = c.pending;
    c.pending = [];
    for (const h of held) c.timeline(h.ms, h.bytes);
    if (c.outcome?.kind !== 'allowed') this.ended = true;
    else this.chargeHead(c, head, ms);
    return !this.ended;
  }

  /** An allowed request's head as the gateway sends it: rewritten to origin form; a CONNECT's to nobody. */
  private chargeHead(c: Conn, head: HttpRequestHead, ms: number): void {
    if (c.proxy?.form === 'connect') return;
    this.charge(c, ms, forwardedHeadLength(head, this.claim()) ?? head.length);
  }

  /** On an extra port read by its front, the host an unnamed connection there is taken to be for. */
  private claim(): string | undefined {
    return this.front === undefined ? undefined : this.ctx.unnamedClaim(this.server.p);
  }

  /**
   * No more request following (the connection over when `closed`, a stream that cannot go on, the
   * capture's end): a request begun but not complete is the current connection's.
   */
  private stopFollowing(closed: boolean, held = false): void {
    const stream = this.answer?.status === 'stream';
    // Bytes past the request the gateway holds until the answer says what they are (an ICY stream).
    if (closed && held && this.answer !== undefined && this.answer.status !== 'other') {
      if (!stream) this.held = 0;
    } else if (closed) this.ended = true;
    this.follow = undefined;
    const c = this.conn;
    const n = this.begun;
    this.begun = undefined;
    if (n) {
      // A next request begun, held by the gateway: in a stream it goes up as this request's.
      if (stream && n.orig) this.charge(c, this.nowMs, n.orig.bytes);
      if (c.orig && n.orig) add(c.orig, n.orig);
      if (c.resp && n.resp) add(c.resp, n.resp);
      if (n.lastNs !== undefined && (c.lastNs === undefined || n.lastNs > c.lastNs)) c.lastNs = n.lastNs;
      for (const h of n.pending) c.timeline(h.ms, h.bytes);
    }
  }

  /** The flow as its connections are judged: as it stands now (a SYN may have turned it round). */
  private scope(): JudgedFlowScope {
    return { ctx: this.ctx, server: this.server, proto: this.proto, isDns: this.isDns };
  }

  /** `c` judged as `j` says. */
  private settle(c: Conn, j: Judgement): void {
    c.dest = j.dest;
    c.name = j.name;
    c.local = j.local;
    c.outcome = j.outcome;
    if (j.address !== undefined) c.address = j.address;
    if (j.proxy) {
      c.proxy = j.proxy.via;
      c.port = j.proxy.port;
    }
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
    const v = dns.judge(q.name, q.type, ms, this.client.h);
    this.ctx.onDnsQuery?.({ flowId: this.id, ms, client: this.client.h, ...v });
  }
}

/** 'ip:port', an IPv6 address in brackets. */
const endpoint = (h: string, p: number): string => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);

const pick = (s: Readonly<Share>): Share => ({ bytes: s.bytes, ipBytes: s.ipBytes, pkts: s.pkts });

function add(to: Share, s: Readonly<Share>): void {
  to.bytes += s.bytes;
  to.ipBytes += s.ipBytes;
  to.pkts += s.pkts;
}

function subtract(from: Share, s: Readonly<Share>): void {
  from.bytes -= s.bytes;
  from.ipBytes -= s.ipBytes;
  from.pkts -= s.pkts;
}

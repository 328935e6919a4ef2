/**
 * One live flow's audit state, beside the FlowTable's counters: which side is the client, what
 * its first bytes name, and the replay of its upstream bytes through the egress gate in capture
 * order (the gateway's own sequence: a connection opens once its name is read, then its bytes go
 * up and may be cut). Bytes sent before the name is read are held as (time, count) and replayed
 * when the flow opens, as the gateway holds a ClientHello before it connects upstream.
 */
import { readDnsMessage } from '../net/app/dns.js';
import { DnsTcpStream } from '../net/app/dns-tcp-stream.js';
import type { FlowObservation, FlowRecord } from '../net/flow/types.js';
import type { TcpSegment } from '../net/transport/tcp.js';
import type { EgressGate } from '../policy/egress/gate.js';
import type { ConnectionRequest, ReasonCode } from '../policy/egress/types.js';
import type { DestinationAcc, DestinationKey, FlowOutcome, NameSource } from './destination.js';
import { AUDIT_LIMITS } from './limits.js';
import { type NameEvidence, QuicNameReader, TcpNameReader } from './name-reader.js';

const SYN = 0x002;
const ACK = 0x010;

/** What a flow needs from the audit around it. */
export interface FlowContext {
  readonly gate: EgressGate;
  dnsName(ip: string): string | undefined;
  /** A DNS response read from a TCP stream: its answers name addresses, as UDP ones do. */
  learnDns(message: Uint8Array): void;
  isLocal(orig: string, resp: string, proto: number, respPort: number): boolean;
  destination(k: DestinationKey): DestinationAcc;
  /** Each flow as it ends, with the policy's answer (the report only keeps sums per destination). */
  onFlow?: (f: JudgedFlow) => void;
  /** Each DNS query as it is judged. */
  onDnsQuery?: (q: JudgedQuery) => void;
}

/** One flow's judgement, as the gateway would have logged the connection (or the DNS flow). */
export interface JudgedFlow {
  /** The audit's flow id ('F1'…), also the gate's connection id. */
  readonly id: string;
  readonly record: FlowRecord;
  /** Client and server as the audit reads them (the SYN's sender is the client). */
  readonly client: { readonly h: string; readonly p: number };
  readonly server: { readonly h: string; readonly p: number };
  readonly scope: 'egress' | 'local';
  readonly name: string | undefined;
  readonly nameSource: NameSource;
  readonly outcome: FlowOutcome;
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

export const protocolName = (p: number): string =>
  p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : p === 58 ? 'ipv6-icmp' : `ip-${p}`;

export class FlowState {
  private client: { h: string; p: number };
  private server: { h: string; p: number };
  private synSeen = false;
  private reader: TcpNameReader | QuicNameReader | undefined;
  private readonly isDns: boolean;
  /** DNS over TCP: each direction's framed messages. */
  private dnsTcp: { client: DnsTcpStream; server: DnsTcpStream } | undefined;
  private pending: { ms: number; bytes: number }[] = [];
  private dest: DestinationAcc | undefined;
  private opened = false;
  private outcome: FlowOutcome | undefined;
  private passed = 0;
  private dnsFirst: FlowOutcome | undefined;
  private dnsQueries = 0;
  private dnsBlocked = 0;
  private readonly proto: number;

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
    if (this.isDns && o.proto === 6) this.dnsTcp = { client: new DnsTcpStream(), server: new DnsTcpStream() };
    if (o.proto === 6) this.reader = new TcpNameReader();
    else if (o.proto === 17 && this.server.p === 443) this.reader = new QuicNameReader();
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
        fromClient = true;
      }
      this.synSeen = true;
    }
    if (this.isDns && udpPayload) this.judgeQuery(udpPayload, ms, fromClient);
    if (this.dnsTcp && tcp)
      for (const m of this.dnsTcp[fromClient ? 'client' : 'server'].push(tcp)) {
        if (!fromClient) this.ctx.learnDns(m);
        this.judgeQuery(m, ms, fromClient);
      }
    if (!fromClient) return;
    const r = this.reader;
    if (r && !this.opened) {
      let done = false;
      if (r instanceof TcpNameReader) {
        if (tcp && (tcp.payload.length > 0 || flags & SYN)) done = r.push(tcp);
      } else if (udpPayload && udpPayload.length > 0) done = r.push(udpPayload);
      if (done) this.open(ms);
    }
    if (o.payloadBytes > 0) this.up(ms, o.payloadBytes);
  }

  /** The flow ended: open it if its name never settled, and credit it to its destination. */
  finish(f: FlowRecord): void {
    const lastMs = Number(f.lastTs) / 1e6;
    if (!this.dest) this.open(Number(f.ts) / 1e6);
    // A DNS flow is judged by its queries; one whose queries could not be read, as a connection.
    const outcome = this.isDns ? (this.dnsFirst ?? this.connect(Number(f.ts) / 1e6)) : this.outcome!;
    this.dest!.addFlow(f, outcome);
    this.dest!.dnsQueries += this.dnsQueries;
    this.dest!.dnsBlocked += this.dnsBlocked;
    this.ctx.gate.close(this.id, lastMs);
    this.ctx.onFlow?.({
      id: this.id,
      record: f,
      client: this.client,
      server: this.server,
      scope: this.local ? 'local' : 'egress',
      name: this.name?.name,
      nameSource: this.name?.source ?? 'none',
      outcome,
    });
  }

  private up(ms: number, bytes: number): void {
    if (!this.dest) {
      const p = this.pending;
      if (p.length < AUDIT_LIMITS.maxPendingEvents) p.push({ ms, bytes });
      else p[p.length - 1]!.bytes += bytes;
      return;
    }
    this.dest.up.add(ms, bytes);
    if (this.isDns || this.outcome?.kind !== 'allowed') return;
    const d = this.ctx.gate.upstream(this.id, bytes, ms);
    this.passed += d.pass;
    if (d.cut)
      this.outcome = {
        kind: 'cut',
        reason: d.reason ?? 'connection-budget',
        detail: d.detail ?? '',
        afterBytes: this.passed,
      };
  }

  private evidence(): NameEvidence {
    const e = this.reader?.evidence();
    if (e?.name) return e;
    const dns = this.ctx.dnsName(this.server.h);
    const app = e?.app ?? 'other';
    return dns
      ? { name: dns, source: 'dns', alpn: e?.alpn ?? [], ech: e?.ech ?? false, app }
      : { source: 'none', alpn: e?.alpn ?? [], ech: e?.ech ?? false, app };
  }

  /** The name is as known as it will get: pick the destination, ask the gate, replay held bytes. */
  private open(ms: number): void {
    if (this.dest) return;
    this.opened = true;
    const p = this.proto;
    const e = this.evidence();
    const local = this.ctx.isLocal(this.client.h, this.server.h, p, this.server.p);
    const dest = this.ctx.destination({
      scope: local ? 'local' : 'egress',
      name: e.name,
      ip: e.name === undefined ? this.server.h : undefined,
      port: this.server.p,
      protocol: protocolName(p),
    });
    dest.nameSources.add(e.source);
    for (const a of e.alpn) dest.alpn.add(a);
    if (e.ech) dest.ech = true;
    this.dest = dest;
    this.local = local;
    this.name = e;
    if (!this.isDns) this.outcome = this.connect(Math.min(this.pending[0]?.ms ?? ms, ms));
    const held = this.pending;
    this.pending = [];
    for (const h of held) this.up(h.ms, h.bytes);
  }

  private local = false;
  private name: NameEvidence | undefined;

  /**
   * The gate's answer to this connection opening at `ms`. The gate is told only a name the
   * connection carries itself (SNI, Host, CONNECT authority, QUIC SNI), as the gateway is: it
   * never reads the address a client aimed at, so an answer in the capture's DNS naming that
   * address names the destination in the report but cannot admit the connection.
   */
  private connect(ms: number): FlowOutcome {
    const p = this.proto;
    const e = this.name!;
    const own = e.source === 'dns' ? undefined : e.name;
    const req: ConnectionRequest = {
      id: this.id,
      ip: this.server.h,
      port: this.server.p,
      // The gateway relays TCP and UDP; other IP protocols are judged as UDP that is not DNS.
      proto: p === 6 ? 'tcp' : 'udp',
      app: this.isDns ? 'dns' : p === 6 || p === 17 ? e.app : 'other',
      ...(own !== undefined ? { name: own } : {}),
      ...(this.local ? { local: true } : {}),
    };
    const d = this.ctx.gate.open(req, ms);
    if (d.verdict === 'allow') return { kind: 'allowed', reason: d.reason };
    const dns = d.reason === 'no-name' && e.name !== undefined && own === undefined;
    return {
      kind: 'blocked',
      reason: d.reason,
      detail: dns ? `${d.detail} (the capture's DNS calls ${this.server.h} ${e.name})` : d.detail,
    };
  }

  /**
   * Each query the client sent is judged as the gateway's DNS server would judge it. A response
   * whose query the capture missed still proves the query was sent: its question is judged.
   */
  private judgeQuery(payload: Uint8Array, ms: number, fromClient: boolean): void {
    const m = readDnsMessage(payload);
    if (m.kind !== 'value') return;
    if (m.value.response ? this.dnsQueries > 0 : !fromClient) return;
    const q = m.value.questions[0];
    if (!q) return;
    const d = this.ctx.gate.openDns(q.name, ms, this.client.h);
    this.dnsQueries++;
    this.ctx.onDnsQuery?.({
      flowId: this.id,
      ms,
      client: this.client.h,
      name: d.name,
      qtype: q.type,
      verdict: d.verdict,
      reason: d.reason,
    });
    if (d.verdict === 'block') {
      this.dnsBlocked++;
      // A flow with any refused query counts as blocked; the first refusal is the example.
      if (this.dnsFirst?.kind !== 'blocked')
        this.dnsFirst = { kind: 'blocked', reason: d.reason, detail: `${d.name}: ${d.detail}` };
    } else this.dnsFirst ??= { kind: 'allowed', reason: d.reason };
  }
}

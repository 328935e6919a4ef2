/**
 * How the audit judges one connection, apart from how its packets are followed (flow-state.ts):
 * given where the flow goes (its server, protocol, whether it is DNS) and what its first bytes
 * named, which destination it is credited to and what the egress gate answers, as the gateway
 * would have asked it. Each function returns its judgement; the flow's state keeps it. The gate
 * and the destination book are the audit's (FlowContext): judging is their only side effect, in
 * the order the gateway would have caused it (the destination first, then the gate).
 */

import { GATEWAY_REASONS } from '../gateway/core/types.js';
import type { FrontRefusal } from '../net/app/transparent-front.js';
import type { TransparentName } from '../net/app/transparent-name.js';
import type { EgressGate } from '../policy/egress/gate.js';
import type { ConnectionRequest, OpenDecision, ReasonCode } from '../policy/egress/types.js';
import type { DestinationAcc, DestinationKey, FlowOutcome, UnheardReason } from './destination.js';
import type { NameEvidence } from './name-reader.js';
import type { ProxyTarget } from './proxy-request.js';

/** What judging needs from the audit around it. */
export interface JudgeContext {
  readonly gate: EgressGate;
  dnsName(ip: string): string | undefined;
  destination(k: DestinationKey): DestinationAcc;
}

export interface Endpoint {
  readonly h: string;
  readonly p: number;
}

/**
 * The flow a connection belongs to, as it stands when the connection is judged (its SYN may have
 * turned client and server round before it opened).
 */
export interface JudgedFlowScope {
  readonly ctx: JudgeContext;
  readonly server: Endpoint;
  /** IP protocol number. */
  readonly proto: number;
  /** To port 53 over TCP or UDP: judged by its queries, not as a connection. */
  readonly isDns: boolean;
}

/** A forward-proxy request: the proxy's address and port, and the request's form. */
export interface ProxyVia {
  readonly h: string;
  readonly p: number;
  readonly form: ProxyTarget['form'];
}

/** One connection judged: where it is credited and what the gate answered. */
export interface Judgement {
  readonly dest: DestinationAcc;
  readonly name: NameEvidence;
  readonly local: boolean;
  /** None for a DNS flow: its queries judge it. */
  readonly outcome: FlowOutcome | undefined;
  /** The address judged, when the connection named one itself (an IP literal in Host or SNI): where the gateway goes. */
  readonly address?: string;
  /** A forward-proxy request, judged on its target's port. */
  readonly proxy?: { readonly via: ProxyVia; readonly port: number };
}

export const protocolName = (p: number): string =>
  p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : p === 58 ? 'ipv6-icmp' : `ip-${p}`;

/** The connection's own name, else the name the capture's DNS gives its server's address. */
export function withDnsName(s: JudgedFlowScope, own: NameEvidence | undefined): NameEvidence {
  if (own?.name) return own;
  const dns = s.ctx.dnsName(s.server.h);
  const app = own?.app ?? 'other';
  const alpn = own?.alpn ?? [];
  const ech = own?.ech ?? false;
  return dns ? { name: dns, source: 'dns', alpn, ech, app } : { source: 'none', alpn, ech, app };
}

/** Judges connection `id` as one to the server (SNI, Host…; LAN traffic when `local`). */
export function judgeServer(
  s: JudgedFlowScope,
  id: string,
  e: NameEvidence,
  local: boolean,
  at: number,
): Judgement {
  const dest = destine(s, e, local, s.server.h);
  return { dest, name: e, local, outcome: s.isDns ? undefined : connect(s, id, e, local, at) };
}

/**
 * Judges `id`, a plain-HTTP request or a TLS connection to an egress address, named `t` as the
 * gateway's transparent fronts name it (transparent-name.ts): by its name (Host, SNI); by the
 * address an IP literal there names, with no name; without a name, or a head the front refuses
 * (transparent-front.ts), refused before the gate is asked, in every mode.
 */
export function judgeTransparent(
  s: JudgedFlowScope,
  id: string,
  t: TransparentName | FrontRefusal,
  own: NameEvidence,
  at: number,
): Judgement {
  // A name the front took from the policy's claim, not from the connection (transparent-name.ts).
  const e: NameEvidence =
    t.kind === 'name' && own.name === undefined ? { ...own, name: t.name, source: 'claim' } : own;
  if (t.kind === 'name' || s.isDns) return judgeServer(s, id, withDnsName(s, e), false, at);
  const bare: NameEvidence = { source: 'none', alpn: own.alpn, ech: own.ech, app: own.app };
  if (t.kind === 'refused')
    return nameless(s, bare, false, { kind: 'blocked', reason: t.reason, detail: t.detail });
  // The gateway goes to the address the Host field or SNI names, not to the one the client aimed at.
  const dest = destine(s, bare, false, t.ip);
  const app = own.app === 'tls' ? 'tls' : 'http';
  const d = s.ctx.gate.open({ id, ip: t.ip, port: s.server.p, proto: 'tcp', app }, at);
  return { dest, name: bare, local: false, outcome: outcomeOf(d), address: t.ip };
}

/**
 * A connection the gateway held (a transparent front's, or the proxy's) whose head never came:
 * unheard, with the reason the gateway logs it under, before the gate is asked, in every mode;
 * named as any nameless connection is (the capture's DNS, else the address).
 */
export function judgeUnheard(
  s: JudgedFlowScope,
  reason: UnheardReason,
  own: NameEvidence | undefined,
  local: boolean,
): Judgement {
  const bare: NameEvidence = {
    source: 'none',
    alpn: own?.alpn ?? [],
    ech: own?.ech ?? false,
    app: own?.app ?? 'other',
  };
  return nameless(s, bare, local, { kind: 'unheard', reason, detail: GATEWAY_REASONS[reason] });
}

/**
 * A connection the gateway held whose head the audit could not read, though its client sent
 * bytes the capture cannot put in order (held past a gap never filled, or dropped when the hold
 * was full) before the gateway's wait ended: the gateway's stack may have read a head there, so
 * it is no unheard connection (that would never count toward exit 1). It gets the gate's answer to
 * a connection without a name (refused no-name in one-way, sealed in sealed), as the gateway
 * gives one whose name it cannot read.
 */
export function judgeUnread(
  s: JudgedFlowScope,
  id: string,
  unread: { readonly bytes: number; readonly full: boolean },
  e: NameEvidence,
  local: boolean,
  at: number,
): Judgement {
  const j = judgeServer(s, id, e, local, at);
  const o = j.outcome;
  if (o?.kind !== 'blocked') return j;
  const why = unread.full
    ? 'the client sent more segments past a gap than the audit holds'
    : `${unread.bytes} bytes the client sent lie past a gap the capture never fills`;
  return { ...j, outcome: { ...o, detail: `${o.detail}; no head was read, yet ${why}` } };
}

/**
 * Refused (or unheard) before the gate is asked, named in the report as any nameless connection
 * is (the capture's DNS, else the address); the detail says a DNS name is no name of the
 * connection's own, as connect() does.
 */
function nameless(
  s: JudgedFlowScope,
  bare: NameEvidence,
  local: boolean,
  outcome: Extract<FlowOutcome, { kind: 'blocked' | 'unheard' }>,
): Judgement {
  const e = withDnsName(s, bare);
  const dest = destine(s, e, local, s.server.h);
  const dns = e.name === undefined ? '' : ` (the capture's DNS calls ${s.server.h} ${e.name})`;
  return { dest, name: e, local, outcome: { ...outcome, detail: `${outcome.detail}${dns}` } };
}

/**
 * Judges `id` as a forward-proxy request to `t`: by name and port (the proxy resolves the name),
 * or by the address when the target is an IP literal, as the gateway's proxy asks the gate.
 */
export function judgeProxy(
  s: JudgedFlowScope,
  id: string,
  t: ProxyTarget,
  e: NameEvidence,
  at: number,
): Judgement {
  const name: NameEvidence = {
    ...(t.name !== undefined ? { name: t.name } : {}),
    source: t.name !== undefined ? 'http-host' : 'none',
    alpn: e.alpn,
    ech: e.ech,
    app: 'http',
  };
  const dest = s.ctx.destination({
    scope: 'egress',
    name: t.name,
    ip: t.name === undefined ? t.host : undefined,
    port: t.port,
    protocol: 'tcp',
  });
  dest.nameSources.add(name.source);
  for (const a of e.alpn) dest.alpn.add(a);
  if (e.ech) dest.ech = true;
  // The gateway tells the gate a tunnel to 443 is TLS, any other port's is opaque.
  const app = t.form === 'connect' ? (t.port === 443 ? 'tls' : 'other') : 'http';
  const d =
    t.name === undefined
      ? s.ctx.gate.open({ id, ip: t.host, port: t.port, proto: 'tcp', app }, at)
      : s.ctx.gate.openByName({ id, name: t.name, port: t.port, proto: 'tcp', app }, at);
  return {
    dest,
    name,
    local: false,
    outcome: outcomeOf(d),
    proxy: { via: { h: s.server.h, p: s.server.p, form: t.form }, port: t.port },
  };
}

/**
 * The gate's answer to `id`, named `e`, opening at `ms`. The gate is told only a name the
 * connection carries itself (SNI, Host, CONNECT authority, QUIC SNI), as the gateway is: it never
 * reads the address a client aimed at, so an answer in the capture's DNS naming that address names
 * the destination in the report but cannot admit the connection.
 */
export function connect(
  s: JudgedFlowScope,
  id: string,
  e: NameEvidence,
  local: boolean,
  ms: number,
): FlowOutcome {
  const p = s.proto;
  const own = e.source === 'dns' ? undefined : e.name;
  const req: ConnectionRequest = {
    id,
    ip: s.server.h,
    port: s.server.p,
    // The gateway relays TCP and UDP; other IP protocols are judged as UDP that is not DNS.
    proto: p === 6 ? 'tcp' : 'udp',
    app: s.isDns ? 'dns' : p === 6 || p === 17 ? e.app : 'other',
    ...(own !== undefined ? { name: own } : {}),
    ...(local ? { local: true } : {}),
  };
  const d = s.ctx.gate.open(req, ms);
  const dns = d.reason === 'no-name' && e.name !== undefined && own === undefined;
  return outcomeOf(d, dns ? `${d.detail} (the capture's DNS calls ${s.server.h} ${e.name})` : undefined);
}

/** The destination of a connection named `e` to the server: by its name, else by `ip`. */
function destine(
  s: JudgedFlowScope,
  e: NameEvidence,
  local: boolean,
  ip: string | undefined,
): DestinationAcc {
  const dest = s.ctx.destination({
    scope: local ? 'local' : 'egress',
    name: e.name,
    ip: e.name === undefined ? ip : undefined,
    port: s.server.p,
    protocol: protocolName(s.proto),
  });
  dest.nameSources.add(e.source);
  for (const a of e.alpn) dest.alpn.add(a);
  if (e.ech) dest.ech = true;
  return dest;
}

export function outcomeOf(d: OpenDecision, detail?: string): FlowOutcome {
  return d.verdict === 'allow'
    ? { kind: 'allowed', reason: d.reason }
    : { kind: 'blocked', reason: d.reason, detail: detail ?? d.detail };
}

/** One DNS query judged as the gateway's DNS server would judge it. */
export interface DnsQueryVerdict {
  /** The name as the gate normalised it. */
  readonly name: string;
  /** The question's type (1 A, 28 AAAA…). */
  readonly qtype: number;
  readonly verdict: 'allow' | 'block';
  readonly reason: ReasonCode;
}

/**
 * A DNS flow's queries, judged one by one: the flow's outcome is its first refusal, else its
 * first answer; with how many were asked and refused.
 */
export class DnsQueryJudge {
  first: FlowOutcome | undefined;
  queries = 0;
  blocked = 0;

  constructor(private readonly gate: EgressGate) {}

  /** Judges the query `name` (type `qtype`, class `qclass`) from `client` at `ms`. */
  judge(name: string, qtype: number, ms: number, client: string, qclass: number): DnsQueryVerdict {
    const d = this.gate.openDns(name, ms, client, { type: qtype, class: qclass });
    this.queries++;
    if (d.verdict === 'block') {
      this.blocked++;
      // A flow with any refused query counts as blocked; the first refusal is the example.
      if (this.first?.kind !== 'blocked')
        this.first = { kind: 'blocked', reason: d.reason, detail: `${d.name}: ${d.detail}` };
    } else this.first ??= { kind: 'allowed', reason: d.reason };
    return { name: d.name, qtype, verdict: d.verdict, reason: d.reason };
  }
}

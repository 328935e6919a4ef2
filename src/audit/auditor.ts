/**
 * The audit core, sans-IO: captured packets in (from any number of captures, in order), flows
 * and destinations out. Per packet: dissect, count in the FlowTable, learn names from DNS
 * answers, and advance the flow's audit state (name reading, gate replay). Memory follows the
 * live flows and the destinations, never the packets: nothing of a packet is kept past its turn.
 */

import { parseHostPort } from '../gateway/io/listen-address.js';
import { extraPorts } from '../gateway/rules/nftables.js';
import type { CapturedPacket } from '../net/capture/types.js';
import type { NetWarning } from '../net/decode/warning.js';
import { type Dissected, Dissector } from '../net/flow/dissect.js';
import { observationOf } from '../net/flow/observe.js';
import { FlowTable } from '../net/flow/table.js';
import type { FlowRecord } from '../net/flow/types.js';
import { classifyIp, compileCidrs, parseIp } from '../policy/egress/address.js';
import { EgressGate } from '../policy/egress/gate.js';
import type { UnlockWindow } from '../policy/egress/types.js';
import { unnamedClaims } from '../policy/egress/unnamed-claim.js';
import type { Policy } from '../policy/types.js';
import { DestinationAcc, type DestinationKey, destinationKey } from './destination.js';
import { type FlowContext, FlowState } from './flow-state.js';
import { inferredDirection } from './inferred-direction.js';
import { AUDIT_LIMITS } from './limits.js';
import { isLocal } from './locality.js';
import { NameBook } from './name-book.js';

export interface AuditorOptions {
  windows?: UnlockWindow[];
  /** Reassembly and flow warnings (fragment overlaps, timeouts, a flow's direction inferred). */
  warn?: (w: NetWarning) => void;
  /** Each flow as it ends, judged (the per-connection view the report sums per destination). */
  onFlow?: FlowContext['onFlow'];
  /** Each DNS query as it is judged. */
  onDnsQuery?: FlowContext['onDnsQuery'];
}

export class Auditor {
  readonly dissector: Dissector;
  private readonly table: FlowTable;
  private readonly warn: (w: NetWarning) => void;
  /** Audit state per live flow, by the FlowTable's uid (its records carry the same uid). */
  private readonly flows = new Map<string, FlowState>();
  private readonly names = new NameBook();
  private readonly dests = new Map<string, DestinationAcc>();
  private readonly ctx: FlowContext;
  private nextId = 1;
  /** The latest packet's time (ms since 1970): how far the captures have run. */
  private clockMs = Number.NEGATIVE_INFINITY;
  /** Destinations that did not fit under AUDIT_LIMITS.maxDestinations were folded into one. */
  overflowed = false;
  /** Connections whose client stream could not be read as the gateway's stack reads it (each warned of): exit 1. */
  ambiguous = 0;
  /** The capture offset of the packet being read: where a flow's warnings point. */
  private offset = 0;

  constructor(policy: Policy, opts: AuditorOptions = {}) {
    this.warn = opts.warn ?? (() => {});
    this.dissector = new Dissector({}, opts.warn);
    this.table = new FlowTable({ servicePorts: servicePorts(policy) });
    const gate = new EgressGate(policy, opts.windows ? { windows: opts.windows } : undefined);
    const cidrs = compileCidrs(policy.network.allowedPrivateCidrs);
    // The ports the printed rules send to the `other` listener: the gateway's own list.
    const redirected = new Set(policy.gateway.transparent.other === null ? [] : extraPorts(policy));
    const claims = unnamedClaims(policy.network.allow);
    this.ctx = {
      gate,
      maxHeaderBytes: policy.gateway.maxHeaderBytes,
      handshakeTimeoutMs: policy.gateway.handshakeTimeoutSeconds * 1000,
      isProxy: proxyListeners(policy.gateway.listen),
      clockMs: () => this.clockMs,
      extraPorts: redirected,
      unnamedClaim: (port) => (redirected.has(port) ? claims.get(port) : undefined),
      dnsName: (ip) => this.names.nameOf(ip),
      learnDns: (m) => this.names.learn(m, false),
      isLocal: (o, r, proto, port) => isLocal(o, r, proto, port, cidrs),
      destination: (k) => this.destination(k),
      ambiguous: (detail) => {
        this.ambiguous++;
        this.warn({ name: 'stream-ambiguous', offset: this.offset, detail });
      },
      ...(opts.onFlow ? { onFlow: opts.onFlow } : {}),
      ...(opts.onDnsQuery ? { onDnsQuery: opts.onDnsQuery } : {}),
    };
  }

  /**
   * One captured packet; returns what the dissector made of it: its `problem` when a layer could
   * not be read whole, its link 'unsupported-link' when Airlock does not read its link type.
   */
  packet(p: CapturedPacket): Dissected {
    this.offset = p.recordOffset;
    const d = this.dissector.dissect(p);
    const o = observationOf(p, d);
    if (!o) return d;
    // Before flows time out on this packet: they end no earlier than it.
    this.clockMs = Math.max(this.clockMs, Number(p.ts) / 1e6);
    const seen = this.table.observeFlow(o);
    const { uid, advance } = seen;
    for (const r of seen.done) this.end(r);
    const udp = d.udp?.payload;
    if (udp && (o.srcPort === 53 || o.srcPort === 5353)) this.names.learn(udp, o.srcPort === 5353);
    let s = this.flows.get(uid);
    if (!s) {
      s = new FlowState(`F${this.nextId++}`, o, this.ctx, seen);
      this.flows.set(uid, s);
      const w = inferredDirection(o, seen.orig, seen.resp, seen.basis, p.recordOffset);
      if (w) this.warn(w);
    }
    s.observe(o, d.tcp, udp, Number(p.ts) / 1e6, advance);
    return d;
  }

  /** Every flow still live ends (end of the last capture); the destinations, egress first. */
  finish(): DestinationAcc[] {
    for (const r of this.table.flush()) this.end(r);
    return [...this.dests.values()].sort(
      (a, b) =>
        (a.key.scope === b.key.scope ? 0 : a.key.scope === 'egress' ? -1 : 1) ||
        b.orig.bytes - a.orig.bytes ||
        b.resp.bytes - a.resp.bytes,
    );
  }

  private end(r: FlowRecord): void {
    const s = this.flows.get(r.uid);
    if (!s) return;
    this.flows.delete(r.uid);
    s.finish(r);
  }

  private destination(k: DestinationKey): DestinationAcc {
    let key = destinationKey(k);
    let d = this.dests.get(key);
    if (d) return d;
    if (this.dests.size >= AUDIT_LIMITS.maxDestinations) {
      // A hostile capture of a million addresses still gives a bounded report.
      this.overflowed = true;
      const o: DestinationKey = {
        scope: k.scope,
        name: '(other destinations)',
        ip: undefined,
        port: 0,
        protocol: 'any',
      };
      key = destinationKey(o);
      d = this.dests.get(key) ?? new DestinationAcc(o);
    } else d = new DestinationAcc(k);
    this.dests.set(key, d);
    return d;
  }
}

/**
 * The ports this policy's servers listen on, beside the usual service ports (orientation.ts): an
 * allowlist entry's ports and the proxy listeners'. A flow seen without its handshake is read as
 * a connection to them.
 */
function servicePorts(policy: Policy): Set<number> {
  const ports = new Set<number>();
  for (const e of policy.network.allow) for (const p of e.ports ?? []) ports.add(p);
  for (const l of policy.gateway.listen) ports.add(parseHostPort(l).port);
  return ports;
}

/**
 * The policy's proxy listeners as a capture shows them: a connection to one of their addresses
 * and ports, or to any address on a listener's port when it listens on every address.
 */
function proxyListeners(listen: readonly string[]): (ip: string, port: number) => boolean {
  const at = listen.map((l) => {
    const a = parseHostPort(l);
    const ip = parseIp(a.host === 'localhost' ? '127.0.0.1' : a.host);
    return { ip, any: ip !== undefined && classifyIp(ip) === 'unspecified', port: a.port };
  });
  return (ip, port) => {
    const b = parseIp(ip);
    return at.some(
      (a) => a.port === port && (a.any || (a.ip !== undefined && b !== undefined && sameBytes(a.ip, b))),
    );
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

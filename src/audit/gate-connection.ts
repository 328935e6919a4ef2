/**
 * One connection to the gate as the audit keeps it while flow-state.ts follows the packets: a
 * flow, or one request of a keep-alive HTTP connection. What the gate judged it (flow-judge.ts),
 * the bytes it let through, its client bytes on its destination's timeline (held while that is not
 * known), and, for a request after the first, its own share of the flow's packets. Once over, it
 * is credited to its destination and told as the gateway would have logged it (a row).
 */
import type { FlowObservation } from '../net/flow/types.js';
import { endpointText } from '../net/ip/address.js';
import type { ConnectionShare, DestinationAcc, FlowOutcome, NameSource, Share } from './destination.js';
import type { Judgement, ProxyVia } from './flow-judge.js';
import { AUDIT_LIMITS } from './limits.js';
import type { NameEvidence } from './name-reader.js';

/** One connection as the gate judged it: as the gateway would have logged it (a row). */
export interface JudgedConnection {
  /** The gate's id: the flow's ('F1'…), with '/n' for the nth request after the first on a keep-alive connection. */
  readonly id: string;
  /** Its first packet, nanoseconds since 1970 (a request's: the first that was its own). */
  readonly ts: bigint;
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

export class GateConnection {
  dest: DestinationAcc | undefined;
  outcome: FlowOutcome | undefined;
  name: NameEvidence | undefined;
  local = false;
  proxy: ProxyVia | undefined;
  /** The address judged, when the connection named one itself (an IP literal in Host or SNI): where the gateway goes. */
  address: string | undefined;
  /** Bytes the gate let through. */
  passed = 0;
  /** Client stream bytes (time, count) for the destination's timeline, held until it is known. */
  pending: { ms: number; bytes: number }[] = [];
  /** Bytes at the stream's start the gate is not charged: a CONNECT head is for the proxy. */
  uncharged = 0;
  /** Its own share (a request after the first); the first's is the flow's less the others'. */
  orig: Share | undefined;
  resp: Share | undefined;
  firstNs: bigint | undefined;
  lastNs: bigint | undefined;
  /** Why the client stream read for it may not be the gateway's (flow-state.ts flag): counted toward exit 1. */
  ambiguous: string | undefined;

  constructor(
    readonly id: string,
    public port: number,
  ) {}

  /** Judged as `j` says. */
  settle(j: Judgement): void {
    this.dest = j.dest;
    this.name = j.name;
    this.local = j.local;
    this.outcome = j.outcome;
    if (j.address !== undefined) this.address = j.address;
    if (j.proxy) {
      this.proxy = j.proxy.via;
      this.port = j.proxy.port;
    }
  }

  /**
   * Client stream bytes (Share.streamBytes: each byte once) at `ms` on the destination's timeline,
   * held while it is not known.
   */
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

  /** Its packets so far, once it keeps a share of its own (`fresh`: of `bytes`, those new to the stream). */
  tally(dir: 'orig' | 'resp', o: FlowObservation, bytes: number, fresh: number): void {
    if (this.firstNs === undefined || o.ts < this.firstNs) this.firstNs = o.ts;
    if (this.lastNs === undefined || o.ts > this.lastNs) this.lastNs = o.ts;
    const s = this[dir];
    if (!s) return;
    s.pkts++;
    s.ipBytes += o.ipBytes;
    s.bytes += bytes;
    s.streamBytes += fresh;
  }

  /** Credited to its destination (`share`: where it went, its packets); its judgement. */
  credit(share: ConnectionShare): JudgedConnection {
    const { orig, resp } = share;
    const literal = this.proxy && this.name?.name === undefined ? this.dest!.key.ip : undefined;
    this.dest!.addFlow(
      {
        ...share,
        ip: this.proxy ? literal : (this.address ?? share.ip),
        ...(this.proxy ? { proxy: endpointText(this.proxy.h, this.proxy.p) } : {}),
      },
      this.outcome!,
      this.ambiguous,
    );
    return {
      id: this.id,
      ts: share.ts,
      scope: this.local ? 'local' : 'egress',
      name: this.name?.name,
      nameSource: this.name?.source ?? 'none',
      port: this.port,
      outcome: this.outcome!,
      up: this.passed,
      ...(this.proxy ? { proxy: this.proxy } : {}),
      orig: copyShare(orig),
      resp: copyShare(resp),
    };
  }
}

export const zeroShare = (): Share => ({ bytes: 0, ipBytes: 0, pkts: 0, streamBytes: 0 });

export const copyShare = (s: Readonly<Share>): Share => ({
  bytes: s.bytes,
  ipBytes: s.ipBytes,
  pkts: s.pkts,
  streamBytes: s.streamBytes,
});

export function addShare(to: Share, s: Readonly<Share>): void {
  to.bytes += s.bytes;
  to.ipBytes += s.ipBytes;
  to.pkts += s.pkts;
  to.streamBytes += s.streamBytes;
}

export function subtractShare(from: Share, s: Readonly<Share>): void {
  from.bytes -= s.bytes;
  from.ipBytes -= s.ipBytes;
  from.pkts -= s.pkts;
  from.streamBytes -= s.streamBytes;
}

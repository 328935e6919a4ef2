/**
 * One destination being accumulated: a name (or an address when there is none), port and
 * protocol, on the egress or local side. Connections are credited to it as they end (a flow, or
 * each request of a keep-alive HTTP connection: see flow-state.ts); upload bytes as they pass, so
 * the rolling-hour sum and the timeline follow the capture's clock.
 */

import type { GatewayReason } from '../gateway/core/types.js';
import type { FrontReason } from '../net/app/transparent-front.js';
import type { ReasonCode } from '../policy/egress/types.js';
import { UpTimeline } from './timeline.js';

/**
 * What the gateway logs, blocked in every mode, for a connection whose head never came: its
 * client closed first, or the handshake timeout ran out (gateway/core/connection.ts). The report
 * counts these apart, as 'unheard': nothing was asked of the policy and nothing left (browsers
 * open such connections ahead of need and close them unused), so they do not make a capture
 * "would have blocked" (exit 1) on their own.
 */
export const UNHEARD_REASONS = [
  'client-closed',
  'handshake-timeout',
] as const satisfies readonly GatewayReason[];
export type UnheardReason = (typeof UNHEARD_REASONS)[number];

/** 'claim': no name of the connection's own, the policy's claimsUnnamed entry for its port. */
export type NameSource = 'sni' | 'quic-sni' | 'http-host' | 'dns' | 'claim' | 'none';

/**
 * What the policy would have done with one connection (or one DNS flow's queries); blocked also
 * by a transparent front's own refusal, before the gate was asked (FrontReason); unheard when its
 * head never came (UnheardReason).
 */
export type FlowOutcome =
  | { kind: 'allowed'; reason: ReasonCode }
  | { kind: 'blocked'; reason: ReasonCode | FrontReason; detail: string }
  | { kind: 'cut'; reason: ReasonCode; detail: string; afterBytes: number }
  | { kind: 'unheard'; reason: UnheardReason; detail: string };

export interface DestinationKey {
  scope: 'egress' | 'local';
  name: string | undefined;
  /** Set when there is no name: the address is the destination. */
  ip: string | undefined;
  port: number;
  protocol: string;
}

/** One direction's share of a connection: payload bytes, IP bytes, packets (as tshark's conversations count them). */
export interface Share {
  bytes: number;
  ipBytes: number;
  pkts: number;
  /**
   * The payload new to the stream, by TCP sequence number (Zeek's orig_bytes): a retransmitted
   * segment counts once, as the gateway reads it. What the budgets count.
   */
  streamBytes: number;
}

/**
 * One connection as the gate judged it, credited to its destination: a whole flow, or one request
 * of a keep-alive HTTP connection with the packets that were its own.
 */
export interface ConnectionShare {
  /** First and last packet, nanoseconds since 1970. */
  ts: bigint;
  lastTs: bigint;
  orig: Readonly<Share>;
  resp: Readonly<Share>;
  /** The address it reached as the capture shows it; undefined for a proxy request to a name (the proxy resolves it). */
  ip: string | undefined;
  /** A forward-proxy request: the proxy it went through ('ip:port'; '[v6]:port'). */
  proxy?: string;
}

export const destinationKey = (k: DestinationKey): string =>
  `${k.scope}|${k.name ?? ''}|${k.name === undefined ? k.ip : ''}|${k.port}|${k.protocol}`;

export class DestinationAcc {
  readonly ips = new Set<string>();
  readonly nameSources = new Set<NameSource>();
  readonly alpn = new Set<string>();
  ech = false;
  connections = 0;
  orig = { bytes: 0, ipBytes: 0, pkts: 0 };
  resp = { bytes: 0, ipBytes: 0, pkts: 0 };
  firstNs: bigint | undefined;
  lastNs: bigint | undefined;
  maxConnectionUp = 0;
  readonly up = new UpTimeline();
  readonly outcomes = { allowed: 0, blocked: 0, cut: 0, unheard: 0 };
  /** First blocked, cut and unheard, as examples for the report. */
  firstBlocked: Extract<FlowOutcome, { kind: 'blocked' }> | undefined;
  firstCut: Extract<FlowOutcome, { kind: 'cut' }> | undefined;
  firstUnheard: Extract<FlowOutcome, { kind: 'unheard' }> | undefined;
  /** Connections whose client stream could not be read as the gateway's stack reads it (ambiguous), and the first's why. */
  ambiguous = 0;
  firstAmbiguous: string | undefined;
  readonly allowReasons = new Set<ReasonCode>();
  dnsQueries = 0;
  dnsBlocked = 0;
  /** Connections that were forward-proxy requests, and the proxies they went through. */
  proxied = 0;
  readonly proxies = new Set<string>();

  constructor(readonly key: DestinationKey) {}

  /** `ambiguous`: why its client stream may not be what the gateway read, when it may not be. */
  addFlow(f: ConnectionShare, outcome: FlowOutcome, ambiguous?: string): void {
    this.connections++;
    if (ambiguous !== undefined) {
      this.ambiguous++;
      this.firstAmbiguous ??= ambiguous;
    }
    if (f.ip !== undefined) this.ips.add(f.ip);
    if (f.proxy !== undefined) {
      this.proxied++;
      this.proxies.add(f.proxy);
    }
    add(this.orig, f.orig);
    add(this.resp, f.resp);
    if (this.firstNs === undefined || f.ts < this.firstNs) this.firstNs = f.ts;
    if (this.lastNs === undefined || f.lastTs > this.lastNs) this.lastNs = f.lastTs;
    if (f.orig.streamBytes > this.maxConnectionUp) this.maxConnectionUp = f.orig.streamBytes;
    this.outcomes[outcome.kind]++;
    if (outcome.kind === 'allowed') this.allowReasons.add(outcome.reason);
    else if (outcome.kind === 'blocked') this.firstBlocked ??= outcome;
    else if (outcome.kind === 'cut') this.firstCut ??= outcome;
    else this.firstUnheard ??= outcome;
  }
}

function add(to: Omit<Share, 'streamBytes'>, c: Readonly<Share>): void {
  to.bytes += c.bytes;
  to.ipBytes += c.ipBytes;
  to.pkts += c.pkts;
}

/**
 * One destination being accumulated: a name (or an address when there is none), port and
 * protocol, on the egress or local side. Flows are credited to it as they end; upload bytes as
 * they pass, so the rolling-hour sum and the timeline follow the capture's clock.
 */
import type { FlowRecord } from '../net/flow/types.js';
import type { ReasonCode } from '../policy/egress/types.js';
import { UpTimeline } from './timeline.js';

export type NameSource = 'sni' | 'quic-sni' | 'http-host' | 'dns' | 'none';

/** What the policy would have done with one connection (or one DNS flow's queries). */
export type FlowOutcome =
  | { kind: 'allowed'; reason: ReasonCode }
  | { kind: 'blocked'; reason: ReasonCode; detail: string }
  | { kind: 'cut'; reason: ReasonCode; detail: string; afterBytes: number };

export interface DestinationKey {
  scope: 'egress' | 'local';
  name: string | undefined;
  /** Set when there is no name: the address is the destination. */
  ip: string | undefined;
  port: number;
  protocol: string;
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
  readonly outcomes = { allowed: 0, blocked: 0, cut: 0 };
  /** First blocked and first cut, as examples for the report. */
  firstBlocked: Extract<FlowOutcome, { kind: 'blocked' }> | undefined;
  firstCut: Extract<FlowOutcome, { kind: 'cut' }> | undefined;
  readonly allowReasons = new Set<ReasonCode>();
  dnsQueries = 0;
  dnsBlocked = 0;

  constructor(readonly key: DestinationKey) {}

  addFlow(f: FlowRecord, outcome: FlowOutcome): void {
    this.connections++;
    this.ips.add(f.resp.h);
    add(this.orig, f.origCounts);
    add(this.resp, f.respCounts);
    if (this.firstNs === undefined || f.ts < this.firstNs) this.firstNs = f.ts;
    if (this.lastNs === undefined || f.lastTs > this.lastNs) this.lastNs = f.lastTs;
    if (f.origCounts.bytes > this.maxConnectionUp) this.maxConnectionUp = f.origCounts.bytes;
    this.outcomes[outcome.kind]++;
    if (outcome.kind === 'allowed') this.allowReasons.add(outcome.reason);
    else if (outcome.kind === 'blocked') this.firstBlocked ??= outcome;
    else this.firstCut ??= outcome;
  }
}

function add(to: { bytes: number; ipBytes: number; pkts: number }, c: FlowRecord['origCounts']): void {
  to.bytes += c.bytes;
  to.ipBytes += c.ipBytes;
  to.pkts += c.pkts;
}

/**
 * The egress gate's vocabulary: the events it takes and the verdicts it returns. Shared by
 * `airlock audit` (a capture judged after the fact) and `airlock gateway` (traffic judged live),
 * so both give one answer to "would this have been allowed, and where would it have been cut?".
 */
import type { AllowEntry } from '../types.js';

/** A connection attempt as the gate sees it: a name when one is known, always an address. */
export interface ConnectionRequest {
  /** Unique per connection (gateway socket id, audit flow uid). */
  id: string;
  /** TLS SNI, HTTP Host or DNS name; absent when unknown. */
  name?: string;
  ip: string;
  port: number;
  proto: 'tcp' | 'udp';
  app?: 'tls' | 'http' | 'quic' | 'dns' | 'other';
  /** LAN, mDNS, link-local or loopback traffic: judged by the policy's `local` settings. */
  local?: boolean;
}

/**
 * A connection known by its name and port only (EgressGate.openByName): a forward-proxy request
 * whose name the gateway would resolve, audited where the address it resolves to is not seen.
 */
export interface NamedConnectionRequest {
  id: string;
  /** The CONNECT authority's or absolute URI's host (an IP literal is an address: use open()). */
  name: string;
  port: number;
  proto: 'tcp';
  app?: ConnectionRequest['app'];
}

/** A time-boxed exception for one host (or '*.suffix'): open while fromMs <= now < untilMs. */
export interface UnlockWindow {
  host: string;
  fromMs: number;
  untilMs: number;
  reason: string;
}

/** Stable codes: reports, logs and tests key on these, never on the text. */
export const REASONS = {
  // open(): allowed
  monitor: 'monitor mode: allowed and counted',
  allowlisted: 'the name is on the download allowlist',
  'unlock-window': 'an unlock window for this host is open',
  'local-allowed': 'local traffic allowed by the policy',
  'private-allowed': 'private destination inside an allowed CIDR',
  // open(): blocked
  sealed: 'sealed mode: nothing leaves',
  'not-allowlisted': 'the name is not on the download allowlist',
  'port-not-allowed': 'the name is allowlisted, but not on this port',
  'no-name': 'no name (SNI, Host or DNS) to judge the connection by',
  'private-destination': 'loopback, private, link-local or reserved destination',
  'metadata-destination': 'cloud metadata endpoint',
  'bad-address': 'the destination address is not an IP address',
  'udp-not-dns': 'UDP other than DNS (QUIC included) is refused',
  'hour-budget-spent': "the destination's hourly upstream budget is spent",
  'name-budget-spent':
    'a new name under this wildcard entry would overrun its hourly upstream budget (names sent to the resolver count as upload)',
  'local-blocked': 'local traffic blocked by the policy',
  // openDns(), and admitsName()/open() for the name the gateway would resolve
  'dns-name-too-long': 'the query name is longer than the policy allows',
  'dns-rate': 'the client sent more queries per minute than the policy allows',
  'dns-bad-name': 'the query name is not a valid DNS name',
  'dns-class-refused': 'one-way forwards only class IN queries',
  'dns-type-refused': 'one-way forwards only A, AAAA, CNAME, HTTPS and SVCB queries',
  // upstream()
  'connection-budget': "the connection's upstream budget is spent",
  'hour-budget': "the destination's hourly upstream budget is spent",
  'unlock-expired': 'the unlock window closed and the host is not allowlisted',
  'unknown-connection': 'no open connection with this id (blocked, closed or never opened)',
} as const;
export type ReasonCode = keyof typeof REASONS;

export interface OpenDecision {
  verdict: 'allow' | 'block';
  reason: ReasonCode;
  /** Human text for the reason, with the particulars (name, budget, CIDR). */
  detail: string;
  /** The policy's unit: the host name, or the IP when there is no name. */
  destination: string;
  matched?: AllowEntry;
  /** The window that allowed the connection, when one did. */
  window?: UnlockWindow;
  /** Upstream bytes this connection may send (Infinity in monitor or under a window; 0 when blocked). */
  connectionBudget: number;
  /** The key of the rolling hourly budget this connection draws on (see gate.ts). */
  ledger?: string;
}

export interface UpstreamDecision {
  /** How many of these bytes go through. */
  pass: number;
  /** The connection is cut: the gateway closes it; later calls pass nothing. */
  cut: boolean;
  reason?: ReasonCode;
  detail?: string;
}

export interface DnsDecision {
  verdict: 'allow' | 'block';
  reason: ReasonCode;
  detail: string;
  /** The normalised query name (lower case, no trailing dot). */
  name: string;
  matched?: AllowEntry;
}

/** EgressGate.admitsName: a name judged before it is resolved (no connection registered). */
export interface NameDecision {
  verdict: 'allow' | 'block';
  reason: ReasonCode;
  detail: string;
  /** The normalised name (lower case, no trailing dot), or the name as given when invalid. */
  name: string;
  matched?: AllowEntry;
  /** The window that allows the name, when one does. */
  window?: UnlockWindow;
}

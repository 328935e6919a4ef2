/**
 * The proxy core's vocabulary (mitmproxy's sans-IO shape): events in, commands out. The I/O shell
 * turns socket happenings into events and carries out the commands; the core never sees a socket
 * or a clock of its own, so every path is a playbook test.
 */
import type { ConnectionLogRow } from '../../store/types.js';

export type TimeoutKind = 'handshake' | 'idle';

export type ProxyEvent =
  | { type: 'client-data'; data: Uint8Array }
  /** The shell resolved the name the core asked for (addresses in the resolver's order). */
  | { type: 'resolved'; addresses: readonly string[] }
  | { type: 'resolve-failed'; detail: string }
  | { type: 'upstream-connected' }
  | { type: 'upstream-failed'; detail: string }
  | { type: 'upstream-data'; data: Uint8Array }
  /** After 'pass-down': upstream bytes the shell moved to the client without showing them here. */
  | { type: 'down-relayed'; bytes: number }
  /** The client shut its write side (TCP half-close): it may still read the response. */
  | { type: 'client-ended' }
  | { type: 'client-closed' }
  | { type: 'upstream-closed' }
  | { type: 'timeout'; kind: TimeoutKind }
  /**
   * The shell's periodic look at every connection: one open longer than OPEN_ROW_AFTER_MS is
   * logged now, not only when it ends, so a kill or crash cannot take a long tunnel out of the record.
   */
  | { type: 'still-open' };

/** The events of a connection's own traffic and timers (every ProxyEvent but 'still-open'). */
export type FlowEvent = Exclude<ProxyEvent, { type: 'still-open' }>;

export type ProxyCommand =
  /** Resolve `host` and answer with 'resolved' or 'resolve-failed'. */
  | { type: 'resolve'; host: string }
  /**
   * Connect to ip:port. With `pool`, the connection may later be released to the shell's pool of
   * idle upstream connections under `pool.key` (one destination: name, address and port), and
   * when `pool.reuse` an idle one of that key may serve instead of a new connection.
   */
  | { type: 'open-upstream'; ip: string; port: number; pool?: UpstreamPoolUse }
  /**
   * The response ended on an upstream connection that may carry another request: keep it idle
   * under its key (the shell forgets it for this client connection; no event comes from it again).
   */
  | { type: 'release-upstream' }
  | { type: 'send-to-client'; data: Uint8Array }
  | { type: 'send-to-upstream'; data: Uint8Array }
  /**
   * A tunnel (no HTTP exchange to frame) is relaying: from now on the shell may move upstream
   * bytes to the client without showing them to the core (the kernel's splice), reporting how many
   * with 'down-relayed'. Client → upstream bytes still come through the core and its budget.
   */
  | { type: 'pass-down' }
  /** Shut the upstream's write side once what was sent is flushed (pass the client's half-close on). */
  | { type: 'end-upstream' }
  /** Flush what was sent and close both sides; the connection is over. */
  | { type: 'close' }
  /**
   * One per exchange: per connection, or per request on a keep-alive connection (the last one just
   * before 'close'; a keep-alive connection closed between requests ends without another).
   */
  | { type: 'log'; row: ConnectionLogRow }
  /**
   * A keep-alive connection's next request head has begun: (re)start the handshake timer, which
   * then runs as it does for the first request (until relaying), so every head is time-bounded.
   */
  | { type: 'arm-handshake' };

export interface UpstreamPoolUse {
  key: string;
  reuse: boolean;
}

/**
 * Reasons the gateway itself gives, beside the gate's ReasonCodes (policy/egress/types.ts).
 * Stable: log rows and metrics key on them.
 */
export const GATEWAY_REASONS = {
  'bad-request': 'the request head is not valid HTTP/1',
  'bad-framing':
    'the request body framing is ambiguous (Content-Length and Transfer-Encoding; differing or unreadable Content-Length; a coding other than chunked)',
  'version-not-supported': 'the request is not HTTP/1.0 or HTTP/1.1',
  'header-too-large': 'the request head exceeds the header size limit',
  'not-proxy-request': 'a proxy takes absolute-URI requests and CONNECT only',
  'not-tls': 'the first bytes on the transparent TLS port are not a TLS ClientHello',
  // Without the port there is nothing to judge or connect to; guessing one would open a port the allowlist never listed.
  'no-original-port':
    "the port the client aimed at could not be read from conntrack (not redirected by the box's rules, or conntrack missing)",
  'no-port': 'the request names no port and its scheme implies none',
  'handshake-timeout': 'the client sent no complete request head in time',
  'idle-timeout': 'no bytes either way for the idle timeout',
  'resolve-failed': 'the name did not resolve',
  'upstream-failed': 'the upstream connection failed',
  'bad-response': 'the upstream answered with a malformed or oversized HTTP response head',
  'protocol-switch':
    'the upstream switched protocols (101); the gateway relays HTTP only, upgrades are stripped',
  'client-closed': 'the client closed before a decision',
  'connection-limit': 'too many connections (total or from this client)',
  'log-unwritable': 'the event log cannot be written: new connections are refused',
} as const;
export type GatewayReason = keyof typeof GATEWAY_REASONS;

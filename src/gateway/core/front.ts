/**
 * A front reads what a client connection asks for from its first bytes; the connection state
 * machine (connection.ts) does the rest the same way for every front: gate, resolve, connect,
 * relay with budgets, log. mitmproxy's shape: a mode only chooses the top layer.
 *
 *  - proxy: an HTTP forward proxy request (absolute URI or CONNECT)       proxy-head.ts
 *  - tls:   a redirected TLS connection, named by its ClientHello SNI     transparent-head.ts
 *  - http:  a redirected plain HTTP connection, named by its Host field   transparent-head.ts
 *  - extra ports: one front per redirected connection, for the port it    transparent-head.ts
 *    was aimed at; TLS or HTTP by its first byte (net/app/transparent-front.ts sniffFront,
 *    shared with audit), then as tls / http
 */
import type { HeadProgress } from '../../net/app/head-progress.js';
import type { HttpRequestHead } from '../../net/app/http-request.js';
import type { ReasonCode } from '../../policy/egress/index.js';
import type { GatewayReason } from './types.js';

/** What a connection asks for, once its first bytes are read. */
export interface Target {
  /** How the target was named: it sets the app the gate is told about and what the client hears. */
  kind: 'connect' | 'forward' | 'tls' | 'http';
  /** Host as written (lower case; IPv6 without brackets). */
  host: string;
  /** Undefined for IP literals: the gate refuses nameless connections outside monitor. */
  name: string | undefined;
  port: number;
  /** Bytes to send upstream first (a rewritten request head, the ClientHello; empty for CONNECT). */
  firstUp: Uint8Array;
  /** Bytes the client gets once the upstream is connected (CONNECT's 200; else empty). */
  firstDown: Uint8Array;
  /** An HTTP request (forward, transparent http): its exchange may be followed by another. */
  request?: HttpRequestHead;
  /** The connection named no host; `name` is its port's claimsUnnamed entry's (logged as such). */
  claimed?: true;
}

export type HeadOutcome =
  | { kind: 'need' }
  /** `rest`: client bytes after the head that are not part of `target.firstUp`. */
  | { kind: 'target'; target: Target; rest: Uint8Array }
  | { kind: 'refuse'; status: number; reason: GatewayReason | ReasonCode; detail?: string };

export interface Front {
  /** What the client speaks (an extra-port front: what its first byte showed, 'http' until then). */
  readonly name: 'proxy' | 'tls' | 'http';
  /**
   * `buf`: every byte the client sent so far; at most `maxHeadBytes` of it are looked at.
   * `progress`: the connection's own (fronts are shared), kept from one call to the next while the
   * head is read, so a head sent in many pieces is read in time linear in its length.
   */
  readHead(buf: Uint8Array, maxHeadBytes: number, progress?: HeadProgress): HeadOutcome;
  /** What a refused client is told; undefined: the connection is closed without a word (TLS). */
  refusal(status: number, reason: string, detail: string): Uint8Array | undefined;
}

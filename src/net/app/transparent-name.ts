/**
 * The transparent fronts' naming rule, one for the gateway (gateway/core/transparent-head.ts) and
 * for audit (a capture's connection to an egress address, not through the proxy): what name the
 * gate judges, and what is refused before the gate is asked. The gateway never reads the address
 * the client aimed at, so:
 *  - TLS: the ClientHello's SNI (lower case) is the name. No SNI, or an SNI that is not a host
 *    name (escaped odd bytes, empty labels, over 253 characters…), is refused 'no-name' in every
 *    mode, monitor included: there is nowhere to connect.
 *  - HTTP: the host of the request's authority (the Host field, or an absolute URI's) is the
 *    name; a request without one is refused 'no-name' in every mode, likewise.
 *  - An IP literal in SNI or Host is no name: the gateway connects to the address it names, and
 *    the gate judges that address (refused 'no-name' in sealed and one-way, passed in monitor,
 *    refused in every mode when private).
 *  - `claim`: on an extra port whose allowlist entry claims unnamed connections
 *    (policy/egress/unnamed-claim.ts), a request without Host or a ClientHello without SNI is
 *    that entry's host. Only an absent name is claimed: a Host or SNI that is there is the
 *    connection's own, whatever it says.
 * Heads the fronts refuse for their framing or form (a CONNECT or `*` on the HTTP port, bytes
 * that are not TLS on the TLS port) are refused before this, by transparent-front.ts.
 */
import type { HttpRequestHead } from './http-request.js';
import { ipLiteralVersion } from './ip-literal.js';
import type { ClientHello } from './tls-client-hello.js';

export type TransparentName =
  /** `claimed`: the connection named none; the name is its port's claimsUnnamed entry's. */
  | { readonly kind: 'name'; readonly name: string; readonly claimed?: true }
  /** An IP literal (lower case; IPv6 without brackets): where the gateway connects, by address. */
  | { readonly kind: 'address'; readonly ip: string }
  /** Refused before any decision, with the gateway's reason and detail. */
  | { readonly kind: 'refused'; readonly reason: 'no-name'; readonly detail: string };

/** SNI as the name: escaped odd bytes (\DDD) or anything but a host name is no name at all. */
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;
const MAX_NAME = 253;

/** A plain-HTTP request's name, as the transparent HTTP front reads it. */
export function requestName(head: HttpRequestHead, claim?: string): TransparentName {
  const auth = head.authority;
  if (!auth)
    return claim !== undefined
      ? { kind: 'name', name: claim, claimed: true }
      : { kind: 'refused', reason: 'no-name', detail: 'request without a Host field' };
  return ipLiteralVersion(auth.host) !== 0
    ? { kind: 'address', ip: auth.host }
    : { kind: 'name', name: auth.host };
}

/** A TLS ClientHello's name, as the transparent TLS front reads it (with ECH, the outer name). */
export function helloName(hello: ClientHello, claim?: string): TransparentName {
  const sni = hello.sni?.toLowerCase();
  if (sni === undefined)
    return claim !== undefined
      ? { kind: 'name', name: claim, claimed: true }
      : { kind: 'refused', reason: 'no-name', detail: 'ClientHello without SNI' };
  if (ipLiteralVersion(sni) !== 0) return { kind: 'address', ip: sni };
  if (sni.length > MAX_NAME || !HOST_NAME.test(sni))
    return { kind: 'refused', reason: 'no-name', detail: 'SNI is not a host name' };
  return { kind: 'name', name: sni };
}

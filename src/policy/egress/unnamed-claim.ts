/**
 * Which allowlisted host a connection on an extra port is taken to be for when it carries no
 * name of its own: an HTTP request without a Host field (most NTRIP 1.0 rovers send none), a TLS
 * ClientHello without SNI. The transparent fronts never read the address the client aimed at, so
 * such a connection is refused 'no-name', unless the policy says, on the entry of the one host
 * that port serves, `claimsUnnamed: true`: the admin's statement that an unnamed connection on
 * that port can only be for that host. The gateway then connects to that NAME on the port, as it
 * would to a named one (never to the address aimed at), so nothing else can be reached by it.
 * The policy's schema keeps claims to exact names, to ports an entry lists, never 443 or 80, and
 * one entry per port. Audit names a captured connection by the same rule.
 */
import type { AllowEntry } from '../types.js';

/**
 * Each claimed port's host, built once per policy: the gateway asks per connection and audit per
 * request, and an allowlist may hold thousands of entries.
 */
export function unnamedClaims(allow: readonly AllowEntry[]): ReadonlyMap<number, string> {
  const claims = new Map<number, string>();
  for (const e of allow)
    if (e.claimsUnnamed === true) for (const p of e.ports ?? []) if (!claims.has(p)) claims.set(p, e.host);
  return claims;
}

/** The host whose entry claims unnamed connections on `port`; undefined when none does. */
export const unnamedClaim = (allow: readonly AllowEntry[], port: number): string | undefined =>
  unnamedClaims(allow).get(port);

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

/** The host whose entry claims unnamed connections on `port`; undefined when none does. */
export function unnamedClaim(allow: readonly AllowEntry[], port: number): string | undefined {
  for (const e of allow) if (e.claimsUnnamed === true && e.ports?.includes(port)) return e.host;
  return undefined;
}

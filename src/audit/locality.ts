/**
 * Egress or local. A conversation is local when neither end is a public address (loopback,
 * RFC 1918 / ULA LAN, link-local, multicast, broadcast, unspecified as in DHCP discovery), or
 * when it is mDNS or DHCP by port. A private destination the policy lists in allowedPrivateCidrs
 * is egress: the policy names it as an upstream the gateway forwards to (a corporate proxy, a
 * test server), so it is judged by the allowlist like any public one.
 */
import { type CompiledCidr, classifyIp, matchingCidr, parseIp } from '../policy/egress/address.js';

const LOCAL_UDP_PORTS = new Set([5353, 67, 68, 546, 547]);

export function isLocal(
  orig: string,
  resp: string,
  proto: number,
  respPort: number,
  allowedPrivate: readonly CompiledCidr[],
): boolean {
  if (proto === 17 && LOCAL_UDP_PORTS.has(respPort)) return true;
  const r = parseIp(resp);
  const o = parseIp(orig);
  if (!r || !o) return true;
  const rc = classifyIp(r);
  if (rc === 'multicast' || isBroadcast(r)) return true;
  if (rc !== 'public' && matchingCidr(r, allowedPrivate)) return false;
  return rc !== 'public' && classifyIp(o) !== 'public';
}

const isBroadcast = (ip: Uint8Array): boolean => ip.length === 4 && ip.every((b) => b === 255);

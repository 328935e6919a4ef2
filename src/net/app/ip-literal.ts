/**
 * node:net's isIP, answered without its regular expressions for what cannot be an IP literal: a
 * name with no ':' (every IPv6 literal has one) and anything but digits and dots (all an IPv4
 * literal has). Every request head asks; most carry names.
 */
import { isIP } from 'node:net';

export function ipLiteralVersion(host: string): number {
  if (host.includes(':')) return isIP(host);
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) return 0;
  }
  return isIP(host);
}

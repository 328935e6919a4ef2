/**
 * BSD loopback: NULL (DLT 0) stores the address family in the capturing host's byte order, so
 * both orders are tried; LOOP (108) stores it in network byte order.
 */
import { malformed } from '../../core/errors.js';
import { ensure, u32be, u32le } from '../decode/bytes.js';

const AF_INET = 2;
/** AF_INET6 differs by OS: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
const AF_INET6 = new Set([24, 28, 30, 10]);

const family = (af: number): 'ipv4' | 'ipv6' | undefined =>
  af === AF_INET ? 'ipv4' : AF_INET6.has(af) ? 'ipv6' : undefined;

export function readNull(b: Uint8Array): { network: 'ipv4' | 'ipv6'; payloadOffset: number } {
  ensure(b, 0, 4, 'BSD loopback header');
  const net = family(u32le(b, 0)) ?? family(u32be(b, 0));
  if (!net) throw malformed(`BSD loopback: unknown address family ${u32le(b, 0)}`, 0);
  return { network: net, payloadOffset: 4 };
}

export function readLoop(b: Uint8Array): { network: 'ipv4' | 'ipv6'; payloadOffset: number } {
  ensure(b, 0, 4, 'OpenBSD loopback header');
  const net = family(u32be(b, 0));
  if (!net) throw malformed(`OpenBSD loopback: unknown address family ${u32be(b, 0)}`, 0);
  return { network: net, payloadOffset: 4 };
}

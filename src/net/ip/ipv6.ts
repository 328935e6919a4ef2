/**
 * IPv6 header (RFC 8200) and its extension-header chain: hop-by-hop, routing, destination
 * options, AH; the walk stops at the fragment header (what follows belongs to the datagram).
 */
import { AirlockError, malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { ensure, u16be, u32be } from '../decode/bytes.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { NET_LIMITS } from '../limits.js';
import { ipv6Key, ipv6Text } from './address.js';
import { IPPROTO, type IpFragment, type IpPacket } from './types.js';

const CHAINED = new Set<number>([IPPROTO.HOPOPTS, IPPROTO.ROUTING, IPPROTO.DSTOPTS, IPPROTO.AH]);

export interface ExtensionWalk {
  /** The upper-layer protocol (or FRAGMENT/NONE/ESP, where the walk must stop). */
  readonly protocol: number;
  /** Bytes of extension headers walked (the fragment header included). */
  readonly length: number;
  readonly extensions: number[];
  readonly fragment?: IpFragment;
}

/** Walks extension headers in b from `next`, bounded in count and by the bytes given. */
export function walkIpv6Extensions(next: number, b: Uint8Array, base = 0): ExtensionWalk {
  let at = 0;
  const extensions: number[] = [];
  for (;;) {
    if (CHAINED.has(next)) {
      bound(extensions.length + 1, NET_LIMITS.maxIpv6ExtensionHeaders, 'IPv6 extension headers', base + at);
      if (next === IPPROTO.HOPOPTS && extensions.length > 0)
        throw malformed('IPv6 hop-by-hop options not first', base + at);
      ensure(b, at, 2, 'IPv6 extension header');
      const len = next === IPPROTO.AH ? (b[at + 1]! + 2) * 4 : (b[at + 1]! + 1) * 8;
      ensure(b, at, len, 'IPv6 extension header');
      extensions.push(next);
      next = b[at]!;
      at += len;
      continue;
    }
    if (next === IPPROTO.FRAGMENT) {
      bound(extensions.length + 1, NET_LIMITS.maxIpv6ExtensionHeaders, 'IPv6 extension headers', base + at);
      ensure(b, at, 8, 'IPv6 fragment header');
      extensions.push(next);
      const word = u16be(b, at + 2);
      const fragment = { id: u32be(b, at + 4), offset: word & 0xfff8, more: (word & 1) !== 0 };
      return { protocol: b[at]!, length: at + 8, extensions, fragment };
    }
    return { protocol: next, length: at, extensions };
  }
}

/** Extension headers that overrun a fully captured datagram are malformed, not truncated. */
function walkChecked(next: number, b: Uint8Array, whole: boolean): ExtensionWalk {
  try {
    return walkIpv6Extensions(next, b, 40);
  } catch (e) {
    if (whole && e instanceof AirlockError && e.code === 'AIRLOCK_ERR_TRUNCATED')
      throw malformed('IPv6 extension headers overrun the payload length', (e.offset ?? 0) + 40);
    throw e;
  }
}

export function readIpv6(b: Uint8Array): IpPacket {
  ensure(b, 0, 40, 'IPv6 header');
  const version = b[0]! >> 4;
  if (version !== 6) throw malformed(`IPv6 header: version ${version}`, 0);
  let payloadLength = u16be(b, 4);
  // 0 means a jumbogram (its length sits in a hop-by-hop option) or offloaded segmentation.
  if (payloadLength === 0 && b[6] !== IPPROTO.NONE) payloadLength = Math.max(0, b.length - 40);
  const totalLength = 40 + payloadLength;
  const end = Math.min(totalLength, b.length);
  const walk = walkChecked(b[6]!, b.subarray(40, end), b.length >= totalLength);
  const headerLength = 40 + walk.length;
  // A fragmented datagram is whole only once reassembled; a real fragment is either not first or has more.
  const fragment =
    walk.fragment && (walk.fragment.offset > 0 || walk.fragment.more) ? walk.fragment : undefined;
  return {
    version: 6,
    src: ipv6Text(b, 8),
    dst: ipv6Text(b, 24),
    srcKey: ipv6Key(b, 8),
    dstKey: ipv6Key(b, 24),
    protocol: walk.protocol,
    headerLength,
    totalLength,
    payload: b.subarray(headerLength, end),
    snapped: b.length < totalLength,
    ttl: b[7]!,
    ...(fragment ? { fragment } : {}),
    extensions: walk.extensions,
  };
}

export const decodeIpv6 = (b: Uint8Array): Decoded<IpPacket> => decodeWith(() => readIpv6(b));

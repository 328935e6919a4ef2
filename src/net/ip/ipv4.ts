/** IPv4 header (RFC 791): lengths checked against each other and against what was captured. */
import { malformed } from '../../core/errors.js';
import { ensure, u16be } from '../decode/bytes.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { ipv4Key, ipv4TextCached } from './address.js';
import type { IpPacket } from './types.js';

export function readIpv4(b: Uint8Array): IpPacket {
  ensure(b, 0, 20, 'IPv4 header');
  const version = b[0]! >> 4;
  if (version !== 4) throw malformed(`IPv4 header: version ${version}`, 0);
  const headerLength = (b[0]! & 0x0f) * 4;
  if (headerLength < 20) throw malformed(`IPv4 header length ${headerLength} < 20`, 0);
  ensure(b, 0, headerLength, 'IPv4 options');
  let totalLength = u16be(b, 2);
  // 0 is what TCP segmentation offload leaves in captures taken on the sender: use what was captured.
  if (totalLength === 0) totalLength = Math.min(b.length, 65535);
  if (totalLength < headerLength)
    throw malformed(`IPv4 total length ${totalLength} < header ${headerLength}`, 2);
  const flags = u16be(b, 6);
  const offset = (flags & 0x1fff) * 8;
  const more = (flags & 0x2000) !== 0;
  const end = Math.min(totalLength, b.length);
  const packet = {
    version: 4 as const,
    src: ipv4TextCached(b, 12),
    dst: ipv4TextCached(b, 16),
    srcKey: ipv4Key(b, 12),
    dstKey: ipv4Key(b, 16),
    protocol: b[9]!,
    headerLength,
    totalLength,
    payload: b.subarray(headerLength, end),
    snapped: b.length < totalLength,
    ttl: b[8]!,
    extensions: NO_EXTENSIONS,
  };
  // Two literal shapes, not a spread: the common unfragmented case allocates nothing more.
  return more || offset > 0 ? { ...packet, fragment: { id: u16be(b, 4), offset, more } } : packet;
}

/** IPv4 has no extension headers: one shared empty list. */
const NO_EXTENSIONS: readonly number[] = Object.freeze([]);

export const decodeIpv4 = (b: Uint8Array): Decoded<IpPacket> => decodeWith(() => readIpv4(b));

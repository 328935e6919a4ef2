/** The network header a link frame points at, by version. */
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { readIpv4 } from './ipv4.js';
import { readIpv6 } from './ipv6.js';
import type { IpPacket } from './types.js';

export const decodeIp = (version: 'ipv4' | 'ipv6', b: Uint8Array): Decoded<IpPacket> =>
  decodeWith(() => (version === 'ipv4' ? readIpv4(b) : readIpv6(b)));

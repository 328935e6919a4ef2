/** UDP header (RFC 768). */
import { malformed } from '../../core/errors.js';
import { ensure, u16be } from '../decode/bytes.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';

export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  /** The length field: header + payload (0 in IPv6 jumbograms, then the IP length rules). */
  readonly length: number;
  readonly checksum: number;
  /** Payload bytes captured (at most length - 8). */
  readonly payload: Uint8Array;
}

/** `b` is the IP payload; `ipPayloadLength` is what the IP header declares for it. */
export function readUdp(b: Uint8Array, ipPayloadLength: number = b.length): UdpDatagram {
  ensure(b, 0, 8, 'UDP header');
  const length = u16be(b, 4);
  if (length !== 0 && length < 8) throw malformed(`UDP length ${length} < 8`, 4);
  if (length > ipPayloadLength)
    throw malformed(`UDP length ${length} exceeds the IP payload ${ipPayloadLength}`, 4);
  const end = length === 0 ? b.length : Math.min(length, b.length);
  return {
    srcPort: u16be(b, 0),
    dstPort: u16be(b, 2),
    length,
    checksum: u16be(b, 6),
    payload: b.subarray(8, end),
  };
}

export const decodeUdp = (b: Uint8Array, ipPayloadLength?: number): Decoded<UdpDatagram> =>
  decodeWith(() => readUdp(b, ipPayloadLength));

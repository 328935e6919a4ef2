/** One entry point: a captured frame and its link type → where the network header starts. */
import { malformed } from '../../core/errors.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { readSll, readSll2 } from './cooked.js';
import { NO_VLANS, readEthernet } from './ethernet.js';
import { ETHERTYPE, LINKTYPE } from './linktypes.js';
import { readLoop, readNull } from './loopback.js';
import type { LinkFrame } from './types.js';

const byEtherType = (t: number): LinkFrame['network'] =>
  t === ETHERTYPE.IPV4 ? 'ipv4' : t === ETHERTYPE.IPV6 ? 'ipv6' : 'other';

/** Raw IP: the version nibble says which. */
function rawIp(b: Uint8Array): LinkFrame['network'] {
  if (b.length === 0) throw malformed('raw IP frame is empty', 0);
  const v = b[0]! >> 4;
  if (v === 4) return 'ipv4';
  if (v === 6) return 'ipv6';
  throw malformed(`raw IP frame: IP version ${v}`, 0);
}

/** The throwing form (truncated()/malformed()): the Dissector's fast path, one try per packet. */
export function readLink(linkType: number, frame: Uint8Array): LinkFrame {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      const e = readEthernet(frame);
      return {
        linkType,
        network: byEtherType(e.etherType),
        protocol: e.etherType,
        payloadOffset: e.payloadOffset,
        vlans: e.vlans,
      };
    }
    case LINKTYPE.LINUX_SLL:
    case LINKTYPE.LINUX_SLL2: {
      const c = linkType === LINKTYPE.LINUX_SLL ? readSll(frame) : readSll2(frame);
      return {
        linkType,
        network: byEtherType(c.protocol),
        protocol: c.protocol,
        payloadOffset: c.payloadOffset,
        vlans: NO_VLANS,
      };
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
      return { linkType, network: rawIp(frame), payloadOffset: 0, vlans: NO_VLANS };
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      const want = linkType === LINKTYPE.IPV4 ? 'ipv4' : 'ipv6';
      if (rawIp(frame) !== want) throw malformed(`link type ${linkType} frame is not ${want}`, 0);
      return { linkType, network: want, payloadOffset: 0, vlans: NO_VLANS };
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      const l = linkType === LINKTYPE.NULL ? readNull(frame) : readLoop(frame);
      return { linkType, network: l.network, payloadOffset: l.payloadOffset, vlans: NO_VLANS };
    }
    default:
      return { linkType, network: 'unsupported-link', payloadOffset: 0, vlans: NO_VLANS };
  }
}

export const decodeLink = (linkType: number, frame: Uint8Array): Decoded<LinkFrame> =>
  decodeWith(() => readLink(linkType, frame));

/** Ethernet II with any number (bounded) of stacked 802.1Q / 802.1ad tags. */
import { bound } from '../../core/limits.js';
import { ensure, u16be } from '../decode/bytes.js';
import { NET_LIMITS } from '../limits.js';
import { ETHERTYPE } from './linktypes.js';

const isTag = (t: number): boolean =>
  t === ETHERTYPE.VLAN || t === ETHERTYPE.QINQ || t === ETHERTYPE.QINQ_OLD;

/** Shared by every untagged frame: no array per packet. */
export const NO_VLANS: readonly number[] = Object.freeze([]);

/** EtherType after the tags, the offset of what follows, and the VLAN IDs. */
export function readEthernet(b: Uint8Array): {
  etherType: number;
  payloadOffset: number;
  vlans: readonly number[];
} {
  ensure(b, 0, 14, 'Ethernet header');
  let at = 12;
  let type = u16be(b, at);
  if (!isTag(type)) return { etherType: type, payloadOffset: 14, vlans: NO_VLANS };
  const vlans: number[] = [];
  while (isTag(type)) {
    bound(vlans.length + 1, NET_LIMITS.maxVlanTags, 'stacked VLAN tags', at);
    ensure(b, at + 2, 4, 'VLAN tag');
    vlans.push(u16be(b, at + 2) & 0x0fff);
    at += 4;
    type = u16be(b, at);
  }
  return { etherType: type, payloadOffset: at + 2, vlans };
}

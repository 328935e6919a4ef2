/** Linux "cooked" captures (the "any" device): SLL (16-byte header) and SLL2 (20 bytes). */
import { ensure, u16be } from '../decode/bytes.js';

/** SLL: packet type, ARPHRD, address length, 8 address bytes, protocol. */
export function readSll(b: Uint8Array): { protocol: number; payloadOffset: number } {
  ensure(b, 0, 16, 'Linux cooked (SLL) header');
  return { protocol: u16be(b, 14), payloadOffset: 16 };
}

/** SLL2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 address bytes. */
export function readSll2(b: Uint8Array): { protocol: number; payloadOffset: number } {
  ensure(b, 0, 20, 'Linux cooked v2 (SLL2) header');
  return { protocol: u16be(b, 0), payloadOffset: 20 };
}

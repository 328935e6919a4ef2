/**
 * Frames as a pcapng file (one section, one Ethernet interface, an Enhanced Packet Block a frame;
 * microsecond timestamps, the format's default). Little-endian, as Wireshark's dumpcap writes it.
 */
import type { Frame } from './packets.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const LINKTYPE_ETHERNET = 1;

function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  v.setUint32(total - 4, total, true);
  return out;
}

export function pcapng(frames: readonly Frame[]): Uint8Array {
  const shb = new Uint8Array(16);
  const s = new DataView(shb.buffer);
  s.setUint32(0, 0x1a2b3c4d, true);
  s.setUint16(4, 1, true);
  s.setUint16(6, 0, true);
  s.setBigInt64(8, -1n, true); // section length not given
  const idb = new Uint8Array(8);
  const i = new DataView(idb.buffer);
  i.setUint16(0, LINKTYPE_ETHERNET, true);
  i.setUint32(4, 0, true); // no snap length limit
  const blocks = [block(SHB, shb), block(IDB, idb)];
  for (const f of frames) {
    const body = new Uint8Array(20 + f.bytes.length);
    const v = new DataView(body.buffer);
    const us = BigInt(Math.round(f.tsMs * 1000));
    v.setUint32(0, 0, true);
    v.setUint32(4, Number(us >> 32n), true);
    v.setUint32(8, Number(us & 0xffffffffn), true);
    v.setUint32(12, f.bytes.length, true);
    v.setUint32(16, f.bytes.length, true);
    body.set(f.bytes, 20);
    blocks.push(block(EPB, body));
  }
  return Buffer.concat(blocks);
}

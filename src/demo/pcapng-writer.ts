/**
 * Frames as a pcapng file (one section, one Ethernet interface, an Enhanced Packet Block a frame;
 * microsecond timestamps, the format's default). Little-endian, as Wireshark's dumpcap writes it.
 * Packets go through net/'s writeEpb; the header blocks, which no reader-side code writes, here.
 */
import { BLOCK, BLOCK_OVERHEAD, BYTE_ORDER_MAGIC, writeEpb } from '../net/capture/pcapng-layout.js';
import type { Frame } from './packets.js';

const LINKTYPE_ETHERNET = 1;

function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = BLOCK_OVERHEAD + padded;
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
  s.setUint32(0, BYTE_ORDER_MAGIC, true);
  s.setUint16(4, 1, true);
  s.setUint16(6, 0, true);
  s.setBigInt64(8, -1n, true); // section length not given
  const idb = new Uint8Array(8);
  const i = new DataView(idb.buffer);
  i.setUint16(0, LINKTYPE_ETHERNET, true);
  i.setUint32(4, 0, true); // no snap length limit
  const blocks = [block(BLOCK.SHB, shb), block(BLOCK.IDB, idb)];
  for (const f of frames) {
    const epb = { interfaceId: 0, units: BigInt(Math.round(f.tsMs * 1000)), options: [] };
    blocks.push(writeEpb({ ...epb, capLen: f.bytes.length, origLen: f.bytes.length }, f.bytes, true));
  }
  return Buffer.concat(blocks);
}

/**
 * Ethernet frames for the demo's tablet capture: IPv4 with TCP or UDP, checksums computed, and a
 * TCP conversation laid out as a real stack sends it (handshake, MSS-sized segments, ACKs, FINs).
 * Written by hand: the capture libraries on npm parse; none builds TCP conversations.
 */

/** One captured frame and when it was seen (ms since the epoch, fractional). */
export interface Frame {
  tsMs: number;
  bytes: Uint8Array;
}

/** An IPv4 host as the tablet's link sees it: its address, and the MAC its frames carry. */
export interface Host {
  ip: string;
  mac: string;
}

const ETHERTYPE_IPV4 = 0x0800;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
/** Segment payload: Ethernet's 1500-byte MTU less IPv4's and TCP's headers (with timestamps). */
const MSS = 1448;

const FLAG = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 } as const;

const ipBytes = (ip: string): number[] => ip.split('.').map(Number);
const macBytes = (mac: string): number[] => mac.split(':').map((h) => Number.parseInt(h, 16));

/** The Internet checksum (RFC 1071) of `parts`, as if concatenated. */
function checksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts)
    for (const b of p) {
      if (odd === undefined) odd = b;
      else {
        sum += (odd << 8) | b;
        odd = undefined;
      }
    }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ethernetIpv4(src: Host, dst: Host, proto: number, id: number, l4: Uint8Array): Uint8Array {
  const ip = new Uint8Array(20);
  const v = new DataView(ip.buffer);
  ip[0] = 0x45;
  v.setUint16(2, 20 + l4.length);
  v.setUint16(4, id & 0xffff);
  v.setUint16(6, 0x4000); // don't fragment
  ip[8] = 64;
  ip[9] = proto;
  ip.set(ipBytes(src.ip), 12);
  ip.set(ipBytes(dst.ip), 16);
  v.setUint16(10, checksum([ip]));
  const out = new Uint8Array(14 + 20 + l4.length);
  out.set(macBytes(dst.mac), 0);
  out.set(macBytes(src.mac), 6);
  new DataView(out.buffer).setUint16(12, ETHERTYPE_IPV4);
  out.set(ip, 14);
  out.set(l4, 34);
  return out;
}

function pseudoHeader(src: Host, dst: Host, proto: number, length: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(ipBytes(src.ip), 0);
  p.set(ipBytes(dst.ip), 4);
  p[9] = proto;
  new DataView(p.buffer).setUint16(10, length);
  return p;
}

export function udpFrame(
  src: Host,
  sport: number,
  dst: Host,
  dport: number,
  payload: Uint8Array,
  id: number,
): Uint8Array {
  const udp = new Uint8Array(8 + payload.length);
  const v = new DataView(udp.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, udp.length);
  udp.set(payload, 8);
  v.setUint16(6, checksum([pseudoHeader(src, dst, PROTO_UDP, udp.length), udp]) || 0xffff);
  return ethernetIpv4(src, dst, PROTO_UDP, id, udp);
}

function tcpFrame(
  src: Host,
  sport: number,
  dst: Host,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
  id: number,
): Uint8Array {
  const tcp = new Uint8Array(20 + payload.length);
  const v = new DataView(tcp.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, flags & FLAG.ACK ? ack >>> 0 : 0);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  v.setUint16(14, 64240);
  tcp.set(payload, 20);
  v.setUint16(16, checksum([pseudoHeader(src, dst, PROTO_TCP, tcp.length), tcp]));
  return ethernetIpv4(src, dst, PROTO_TCP, id, tcp);
}

/** What a TCP conversation carries, in order: the client's bytes, then the server's, and so on. */
export type Turn = { from: 'client' | 'server'; bytes: Uint8Array };

export interface Conversation {
  client: Host;
  clientPort: number;
  server: Host;
  serverPort: number;
  startMs: number;
  turns: readonly Turn[];
  /** Round trip between the tablet and the server (default 30 ms). */
  rttMs?: number;
}

/**
 * The frames of one TCP connection: SYN, SYN-ACK, ACK; each turn in MSS-sized segments, the last
 * one pushed, the receiver acknowledging every second segment and the last; then FIN, FIN, ACK.
 * Initial sequence numbers come from the ports, so the same conversation gives the same bytes.
 */
export function tcpConversation(c: Conversation): Frame[] {
  const rtt = c.rttMs ?? 30;
  const frames: Frame[] = [];
  let t = c.startMs;
  let ipId = c.clientPort * 7;
  const side = {
    client: { host: c.client, port: c.clientPort, seq: (c.clientPort * 2654435761) >>> 0 },
    server: { host: c.server, port: c.serverPort, seq: (c.serverPort * 40503 + c.clientPort * 977) >>> 0 },
  };
  const send = (from: 'client' | 'server', flags: number, payload: Uint8Array, dtMs: number): void => {
    const a = side[from];
    const b = side[from === 'client' ? 'server' : 'client'];
    t += dtMs;
    frames.push({
      tsMs: t,
      bytes: tcpFrame(a.host, a.port, b.host, b.port, a.seq, b.seq, flags, payload, ipId++),
    });
    a.seq = (a.seq + payload.length + (flags & (FLAG.SYN | FLAG.FIN) ? 1 : 0)) >>> 0;
  };
  send('client', FLAG.SYN, new Uint8Array(0), 0);
  send('server', FLAG.SYN | FLAG.ACK, new Uint8Array(0), rtt / 2);
  send('client', FLAG.ACK, new Uint8Array(0), rtt / 2);
  for (const turn of c.turns) {
    const other = turn.from === 'client' ? 'server' : 'client';
    const n = Math.ceil(turn.bytes.length / MSS);
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      send(
        turn.from,
        FLAG.ACK | (last ? FLAG.PSH : 0),
        turn.bytes.subarray(i * MSS, (i + 1) * MSS),
        i === 0 ? rtt / 2 : 0.05,
      );
      if (i % 2 === 1 || last) send(other, FLAG.ACK, new Uint8Array(0), last ? rtt / 2 : 0.02);
    }
  }
  send('client', FLAG.FIN | FLAG.ACK, new Uint8Array(0), 5);
  send('server', FLAG.FIN | FLAG.ACK, new Uint8Array(0), rtt / 2);
  send('client', FLAG.ACK, new Uint8Array(0), rtt / 2);
  return frames;
}

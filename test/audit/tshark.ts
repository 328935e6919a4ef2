/** tshark (Debian 4.0) as the oracle for the audit: payload bytes per stream direction, and names. */
import { execFileSync, spawnSync } from 'node:child_process';

const fields = (path: string, filter: string, fs: string[]): string[][] =>
  execFileSync(
    'tshark',
    ['-n', '-r', path, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', ...fs.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));

/** Per TCP stream: the SYN sender's tcp.len sum (up) and the other side's (down). */
export function tcpPayloadByStream(path: string): Map<number, { client: string; up: number; down: number }> {
  const out = new Map<number, { client: string; up: number; down: number }>();
  for (const [stream, src, sport, len, syn, ack] of fields(path, 'tcp', [
    'tcp.stream',
    'ip.src',
    'tcp.srcport',
    'tcp.len',
    'tcp.flags.syn',
    'tcp.flags.ack',
  ])) {
    const id = Number(stream);
    const from = `${src}:${sport}`;
    let s = out.get(id);
    if (!s) {
      s = { client: from, up: 0, down: 0 };
      out.set(id, s);
    }
    if ((syn === '1' || syn === 'True') && (ack === '0' || ack === 'False')) s.client = from;
    if (from === s.client) s.up += Number(len);
    else s.down += Number(len);
  }
  return out;
}

/** Names the client sent: TLS/QUIC SNI and HTTP Host (port stripped, lower case). */
export function clientNames(path: string): Set<string> {
  const names = new Set<string>();
  for (const [sni, host] of fields(path, 'tls.handshake.type == 1 or http.request', [
    'tls.handshake.extensions_server_name',
    'http.host',
  ])) {
    if (sni) names.add(sni.toLowerCase());
    if (host) names.add(host.replace(/:\d+$/, '').toLowerCase());
  }
  return names;
}

/**
 * Payload bytes each side sent, by direction ('10.9.0.2:46001>198.18.7.7:443'): tcp.len for TCP,
 * udp.length less its header for UDP. tshark reads both from the headers, not from what was
 * captured, so a snapped packet counts in full.
 */
export function payloadBySender(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [src, tsport, usport, dst, tdport, udport, tlen, ulen] of fields(path, 'tcp or udp', [
    'ip.src',
    'tcp.srcport',
    'udp.srcport',
    'ip.dst',
    'tcp.dstport',
    'udp.dstport',
    'tcp.len',
    'udp.length',
  ])) {
    const k = `${src}:${tsport || usport}>${dst}:${tdport || udport}`;
    out.set(k, (out.get(k) ?? 0) + (tlen ? Number(tlen) : Number(ulen) - 8));
  }
  return out;
}

/** The numbers (1-based) of the frames a display filter matches. */
export const framesMatching = (path: string, filter: string): number[] =>
  fields(path, filter, ['frame.number']).map(([n]) => Number(n));

/** How many frames tshark reads: every whole one, from a file cut short too (tshark then exits 2). */
export const framesRead = (path: string): number =>
  spawnSync('tshark', ['-n', '-r', path, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .stdout.split('\n')
    .filter(Boolean).length;

/** The file offset of each record of a little-endian pcap (frame n at index n - 1), walked from its headers. */
export function pcapRecordOffsets(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 24; at + 16 <= bytes.length; at += 16 + v.getUint32(at + 8, true)) out.push(at);
  return out;
}

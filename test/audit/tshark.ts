/** tshark (Debian 4.0) as the oracle for the audit: payload bytes per stream direction, and names. */
import { execFileSync } from 'node:child_process';

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

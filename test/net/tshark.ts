/** tshark (Debian 4.0) as the oracle: per-frame fields aggregated per stream direction. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DirectedCounts } from './pipeline.js';

const run = promisify(execFile);
const FIELDS = [
  'frame.len',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'tcp.stream',
  'udp.stream',
  'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'icmp.type',
  'icmpv6.type',
];

/**
 * Frames tshark puts in a TCP or UDP stream, counted per direction. Left out: IP fragments (tshark
 * credits the reassembled datagram to the last fragment), and frames carrying a second IP header
 * (ICMP errors quoting a packet, tunnels): their fields hold several values.
 */
export async function tsharkDirected(path: string): Promise<{ counts: DirectedCounts; frames: number }> {
  const { stdout } = await run(
    'tshark',
    ['-n', '-r', path, '-T', 'fields', '-E', 'separator=\t', ...FIELDS.flatMap((f) => ['-e', f])],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const counts: DirectedCounts = new Map();
  let frames = 0;
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const v = line.split('\t');
    const [len, ip4s, ip4d, ip6s, ip6d, tsp, tdp, usp, udp, , , mf, fo, f6o, f6m, icmp, icmp6] = v;
    if (icmp || icmp6) continue;
    if ((mf && mf !== '0' && mf !== 'False') || (fo && fo !== '0')) continue;
    if ((f6o && f6o !== '0') || (f6m && f6m !== '0' && f6m !== 'False')) continue;
    const src = ip4s || ip6s;
    const dst = ip4d || ip6d;
    const tcp = tsp !== '';
    const sp = tcp ? tsp : usp;
    const dp = tcp ? tdp : udp;
    if (!src || !dst || !sp || !dp) continue;
    if ([src, dst, sp, dp].some((x) => x!.includes(','))) continue;
    frames++;
    const k = `${tcp ? 'tcp' : 'udp'} ${src}:${sp} > ${dst}:${dp}`;
    const c = counts.get(k) ?? { frames: 0, bytes: 0 };
    c.frames++;
    c.bytes += Number(len);
    counts.set(k, c);
  }
  return { counts, frames };
}

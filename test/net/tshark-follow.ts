/**
 * tshark's own TCP reassembly ("follow tcp") as an oracle: per stream, the bytes each side sent,
 * each stream byte once (retransmissions and overlaps not again), keyed "ip:port>ip:port" (IPv6
 * as tshark prints it, in brackets).
 */
import { execFileSync } from 'node:child_process';

export function followedBytes(pcap: string): Map<string, number> {
  const streams = execFileSync('tshark', ['-n', '-r', pcap, '-T', 'fields', '-e', 'tcp.stream'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .filter(Boolean);
  const out = new Map<string, number>();
  for (const id of new Set(streams)) {
    const text = execFileSync('tshark', ['-n', '-r', pcap, '-q', '-z', `follow,tcp,raw,${id}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const node = (n: number) => new RegExp(`Node ${n}: (\\S+)`).exec(text)?.[1] as string;
    const [a, b] = [node(0), node(1)];
    let fromA = 0;
    let fromB = 0;
    for (const line of text.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) fromB += (line.length - 1) / 2;
      else if (/^[0-9a-f]+$/.test(line)) fromA += line.length / 2;
    }
    // A reused 5-tuple is two streams: their bytes add up under one key.
    out.set(`${a}>${b}`, (out.get(`${a}>${b}`) ?? 0) + fromA);
    out.set(`${b}>${a}`, (out.get(`${b}>${a}`) ?? 0) + fromB);
  }
  return out;
}

/**
 * Stream bytes (Zeek's orig_bytes/resp_bytes, by sequence number) beside captured payload: a
 * retransmitted segment counts once, an overlap by its new tail, a wrap past 2^32 as any other
 * byte. tshark's "follow tcp" (its own reassembly) is the oracle, on the corpus captures that
 * hold a retransmission and on one scapy writes with retransmissions, overlaps, reordering and a
 * wrap; tshark's tcp.len sums stay the oracle for captured payload.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqAdvance } from '../../src/net/flow/seq-advance.js';
import { corpusFile, ROOT } from '../helpers/corpus.js';
import { runCapture } from './pipeline.js';
import { followedBytes } from './tshark-follow.js';

describe('SeqAdvance', () => {
  it('in order, retransmitted, overlapping, after a gap', () => {
    const s = new SeqAdvance();
    expect(s.push(99, 0, true)).toBe(0); // the SYN: data starts at 100
    expect(s.push(100, 50, false)).toBe(50);
    expect(s.push(100, 50, false)).toBe(0);
    expect(s.push(120, 50, false)).toBe(20);
    expect(s.push(200, 10, false)).toBe(40); // 30 missed, 10 seen
    expect(s.missed).toBe(30);
    expect(s.push(170, 30, false)).toBe(0); // the missed bytes, late: already counted
  });
  it('wraps past 2^32', () => {
    const s = new SeqAdvance();
    expect(s.push(2 ** 32 - 10, 20, false)).toBe(20);
    expect(s.push(5, 10, false)).toBe(5);
    expect(s.push(2 ** 32 - 10, 20, false)).toBe(0);
  });
  it('a jump too far to be a gap counts only the segment (a forged or resynchronised number)', () => {
    const s = new SeqAdvance();
    s.push(0, 10, false);
    expect(s.push(2 ** 30, 10, false)).toBe(10);
    expect(s.missed).toBe(0);
    // The real bytes after it still count: the forged number moved nothing.
    expect(s.push(10, 20, false)).toBe(20);
  });
});

async function ours(pcap: string): Promise<{ stream: Map<string, number>; captured: Map<string, number> }> {
  const { flows } = await runCapture(pcap);
  const stream = new Map<string, number>();
  const captured = new Map<string, number>();
  for (const f of flows.filter((f) => f.proto === 6)) {
    const o = `${f.orig.h}:${f.orig.p}`;
    const r = `${f.resp.h}:${f.resp.p}`;
    stream.set(`${o}>${r}`, f.origCounts.streamBytes);
    stream.set(`${r}>${o}`, f.respCounts.streamBytes);
    captured.set(`${o}>${r}`, f.origCounts.bytes);
    captured.set(`${r}>${o}`, f.respCounts.bytes);
  }
  return { stream, captured };
}

const tcpLenSums = (pcap: string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const l of execFileSync(
    'tshark',
    [
      '-n',
      '-r',
      pcap,
      '-Y',
      'tcp',
      '-T',
      'fields',
      '-E',
      'separator=,',
      '-e',
      'ip.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.len',
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean)) {
    const [s, sp, d, dp, len] = l.split(',');
    const k = `${s}:${sp}>${d}:${dp}`;
    m.set(k, (m.get(k) ?? 0) + Number(len));
  }
  return m;
};

describe('stream bytes against tshark', () => {
  let dir: string;
  let scapy: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-stream-bytes-'));
    scapy = join(dir, 'retransmissions.pcap');
    execFileSync('/usr/bin/python3', [join(ROOT, 'test/net/make-retransmissions.py'), scapy], {
      stdio: 'pipe',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // tshark flags a retransmission in each; in zeek-ftp-retr.pcap it carries data (in the other
  // none, so the two counts agree there).
  it.each([
    ['zeek-ftp-retr.pcap', true],
    ['zeek-http-post.pcap', false],
  ])('corpus %s (it holds a retransmission; with data: %s)', async (name, withData) => {
    const pcap = corpusFile('pcap', name);
    const { stream, captured } = await ours(pcap);
    const want = followedBytes(pcap);
    expect(Object.fromEntries([...want.keys()].map((k) => [k, stream.get(k)]))).toEqual(
      Object.fromEntries(want),
    );
    // Captured payload is still tshark's tcp.len sum, and differs somewhere: the retransmission.
    const sums = tcpLenSums(pcap);
    expect(Object.fromEntries([...sums.keys()].map((k) => [k, captured.get(k)]))).toEqual(
      Object.fromEntries(sums),
    );
    expect([...want].some(([k, v]) => sums.get(k) !== v)).toBe(withData);
  });

  it('scapy: retransmitted, overlapping, reordered, wrapping', async () => {
    const { stream } = await ours(scapy);
    const want = followedBytes(scapy);
    expect(want.get('10.9.0.2:40001>198.18.7.7:443')).toBe(3000);
    expect(want.get('198.18.7.7:443>10.9.0.2:40001')).toBe(4000);
    expect(Object.fromEntries([...want.keys()].map((k) => [k, stream.get(k)]))).toEqual(
      Object.fromEntries(want),
    );
    // The capture holds the retransmitted 1,000 bytes: tcp.len sums them twice.
    expect(tcpLenSums(scapy).get('10.9.0.2:40001>198.18.7.7:443')).toBe(4000);
  });
});

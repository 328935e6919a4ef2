/**
 * A reused 5-tuple is a new connection: the FlowTable splits where tshark starts a new tcp.stream
 * (and Zeek a new uid). Oracle: tshark's partition of TCP frames into streams, on a capture scapy
 * writes (make-port-reuse.py: reuse after FIN, after RST, after an unanswered SYN, after a capture
 * that began mid-connection; retransmitted SYNs that must not split) and on every corpus pcap.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/net/capture/file.js';
import { CaptureReader } from '../../src/net/capture/reader.js';
import { Dissector } from '../../src/net/flow/dissect.js';
import { observationOf } from '../../src/net/flow/observe.js';
import { FlowTable } from '../../src/net/flow/table.js';
import { corpusDir, ROOT } from '../helpers/corpus.js';

/** TCP frames (1-based numbers, as tshark counts) grouped by connection, each group in order. */
type Partition = string[];

async function ours(pcap: string): Promise<Partition> {
  const table = new FlowTable();
  const dissector = new Dissector({}, () => {});
  const groups = new Map<string, number[]>();
  let n = 0;
  for await (const item of readCaptureFile(pcap, new CaptureReader())) {
    if (item.kind === 'warning') continue;
    n++;
    const d = dissector.dissect(item.packet);
    const o = observationOf(item.packet, d);
    // Fragments and frames quoting a packet (ICMP errors) are left out, as tshark's side does.
    if (o?.proto !== 6 || d.ip?.fragment) continue;
    const { uid } = table.observeFlow(o);
    groups.set(uid, [...(groups.get(uid) ?? []), n]);
  }
  return [...groups.values()].map((g) => g.join(' ')).sort();
}

function theirs(pcap: string): Partition {
  const groups = new Map<string, number[]>();
  const out = execFileSync(
    'tshark',
    [
      '-n',
      '-r',
      pcap,
      '-Y',
      'tcp && !icmp && !icmpv6',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'tcp.stream',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  for (const line of out.split('\n').filter(Boolean)) {
    const [frame, stream] = line.split('\t');
    groups.set(stream!, [...(groups.get(stream!) ?? []), Number(frame)]);
  }
  return [...groups.values()].map((g) => g.join(' ')).sort();
}

describe('a reused 5-tuple against tshark', () => {
  let dir: string;
  let pcap: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-port-reuse-'));
    pcap = join(dir, 'reuse.pcap');
    execFileSync('/usr/bin/python3', [join(ROOT, 'test/net/make-port-reuse.py'), pcap], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scapy: reuse after FIN, RST, an unanswered SYN and a capture begun mid-connection; retransmitted SYNs not', async () => {
    const want = theirs(pcap);
    // The writer's eight connections (41001: 3, 41002: 1, 41003: 2, 41004: 2), as tshark splits them.
    expect(want).toHaveLength(8);
    expect(await ours(pcap)).toEqual(want);
  });

  it('the flow records: one per connection, each with its own counts, the reused one ended as reuse', async () => {
    const table = new FlowTable();
    const dissector = new Dissector({}, () => {});
    const records = [];
    for await (const item of readCaptureFile(pcap, new CaptureReader())) {
      if (item.kind === 'warning') continue;
      const o = observationOf(item.packet, dissector.dissect(item.packet));
      if (o) records.push(...table.observe(o));
    }
    records.push(...table.flush());
    const of41001 = records.filter((r) => r.orig.p === 41001);
    expect(
      of41001.map((r) => [r.end, r.origCounts.streamBytes, r.respCounts.streamBytes, r.history]),
    ).toEqual([
      ['reuse', 100, 200, 'ShADdFf'],
      ['reuse', 300, 400, 'ShADdR'],
      ['flush', 50, 60, 'ShADd'],
    ]);
  });

  for (const f of corpusDir('pcap').filter((p) => /\.pcap(ng)?$/.test(p)))
    it(`corpus ${f.split('/').pop()}: the same TCP connections`, async () => {
      expect(await ours(f)).toEqual(theirs(f));
    });
});

/**
 * Captures written by independent writers, made per run in a temp dir: editcap's nanosecond pcap
 * and pcapng of corpus files must read as the same packets; scapy's big-endian pcap, VLAN stacks,
 * raw IP (101/12/14/228/229), Linux cooked v1/v2, BSD NULL/LOOP, IPv6 extension headers and
 * IPv4/IPv6 fragments must decode to what each packet was built from (scapy's manifest).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFile } from '../helpers/corpus.js';
import { runCapture } from './pipeline.js';

interface Expect {
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  payload: number;
  vlans: number[];
}
interface Manifest {
  [file: string]: { linkType: number; packets: (Expect | { fragment: true })[]; datagrams?: Expect[] };
}

let dir = '';
let manifest: Manifest = {};
const EDITCAP_SOURCES = [
  'zeek-http-putty-upload.pcap',
  'zeek-ipv6-fragmented-dns.pcap',
  'zeek-http-connect-with-header.pcap',
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-net-'));
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'make-variants.py'), dir], { stdio: 'ignore' });
  manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  for (const f of EDITCAP_SOURCES) {
    const src = corpusFile('pcap', f);
    execFileSync('editcap', ['-F', 'nsecpcap', src, join(dir, `${f}.nsec.pcap`)]);
    execFileSync('editcap', ['-F', 'pcapng', src, join(dir, `${f}.pcapng`)]);
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('editcap variants read as the same packets', () => {
  for (const f of EDITCAP_SOURCES) {
    for (const variant of ['nsec.pcap', 'pcapng']) {
      it(`${f} as ${variant}`, async () => {
        const a = await runCapture(corpusFile('pcap', f));
        const b = await runCapture(join(dir, `${f}.${variant}`));
        expect(b.warnings).toEqual([]);
        expect(b.reader.format).toBe(variant === 'pcapng' ? 'pcapng' : 'pcap');
        const view = (r: typeof a) =>
          r.packets.map(({ packet: p }) => [
            p.ts,
            p.linkType,
            p.originalLength,
            Buffer.from(p.data).toString('hex'),
          ]);
        expect(view(b)).toEqual(view(a));
        expect(a.packets.length).toBeGreaterThan(0);
      });
    }
  }
});

describe('scapy variants decode to what they were built from', () => {
  const files = [
    'ether-be.pcap',
    'vlan-stacked.pcap',
    'raw-101.pcap',
    'raw-12.pcap',
    'raw-14.pcap',
    'ipv4-228.pcap',
    'ipv6-229.pcap',
    'sll.pcap',
    'sll2.pcap',
    'null.pcap',
    'loop-108.pcap',
    'ipv6-ext.pcap',
  ];
  for (const f of files) {
    it(f, async () => {
      const m = manifest[f]!;
      const r = await runCapture(join(dir, f));
      expect(r.warnings).toEqual([]);
      expect(r.packets.length).toBe(m.packets.length);
      r.packets.forEach(({ packet, d }, i) => {
        const x = m.packets[i] as Expect;
        expect(packet.linkType).toBe(m.linkType);
        // scapy stamps packet i at 1700000000 + i + 0.123456 s.
        expect(packet.ts / 1000n).toBe(BigInt(1700000000 + i) * 1_000_000n + 123456n);
        const t = d.tcp ?? d.udp;
        expect({
          src: d.ip?.src,
          dst: d.ip?.dst,
          proto: d.ip?.protocol,
          sport: t?.srcPort,
          dport: t?.dstPort,
          payload: t?.payload.length,
          vlans: d.link?.vlans,
        }).toEqual(x);
      });
    });
  }

  it('fragments.pcap: IPv4 and (reversed) IPv6 fragments reassemble to the datagrams sent', async () => {
    const m = manifest['fragments.pcap']!;
    const r = await runCapture(join(dir, 'fragments.pcap'));
    expect(r.warnings).toEqual([]);
    expect(r.packets.every(({ d }) => d.ip?.fragment !== undefined)).toBe(true);
    const whole = r.packets.filter(({ d }) => d.reassembled);
    const sent = new Uint8Array(3072).map((_, i) => i % 256);
    expect(
      whole.map(({ d }) => {
        const t = d.udp!;
        return {
          src: d.ip!.src,
          dst: d.ip!.dst,
          proto: 17,
          sport: t.srcPort,
          dport: t.dstPort,
          payload: t.payload.length,
          vlans: [],
        };
      }),
    ).toEqual(m.datagrams);
    for (const { d } of whole) expect(Buffer.from(d.udp!.payload).equals(Buffer.from(sent))).toBe(true);
  });
});

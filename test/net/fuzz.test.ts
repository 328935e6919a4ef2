/** Truncation / bit-flip fuzz of every net decoder, seeded from the real corpus. */
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { readCaptureBytes } from '../../src/net/capture/file.js';
import type { CapturedPacket } from '../../src/net/capture/types.js';
import { Dissector } from '../../src/net/flow/dissect.js';
import { observationOf } from '../../src/net/flow/observe.js';
import { FlowTable } from '../../src/net/flow/table.js';
import { decodeIpv4 } from '../../src/net/ip/ipv4.js';
import { decodeIpv6 } from '../../src/net/ip/ipv6.js';
import { decodeLink } from '../../src/net/link/decode.js';
import { LINKTYPE } from '../../src/net/link/linktypes.js';
import { decodeTcp } from '../../src/net/transport/tcp.js';
import { decodeUdp } from '../../src/net/transport/udp.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { fuzz } from './fuzz-harness.js';

const captureSeeds = (): Uint8Array[] => [
  ...[
    'zeek-dns53.pcap',
    'zeek-http-post.pcap',
    'zeek-ipv6-fragmented-dns.pcap',
    'zeek-http-connect-with-header.pcap',
  ].map((f) => new Uint8Array(readFileSync(corpusFile('pcap', f)))),
  ...[
    'output_le/difficult/test202.pcapng',
    'output_be/difficult/test202.pcapng',
    'output_le/advanced/test101.pcapng',
  ].map((f) => new Uint8Array(readFileSync(corpusFile('pcapng', f)))),
];

let packetCache: CapturedPacket[] | undefined;
/** Every frame of the corpus pcaps, with its link type. */
function corpusPackets(): CapturedPacket[] {
  if (packetCache) return packetCache;
  packetCache = [];
  for (const f of corpusDir('pcap').filter((p) => p.endsWith('.pcap'))) {
    for (const i of readCaptureBytes(new Uint8Array(readFileSync(f))).items)
      if (i.kind === 'packet') packetCache.push({ ...i.packet, data: i.packet.data.slice() });
  }
  return packetCache;
}
const layer =
  (pick: (p: CapturedPacket, d: ReturnType<Dissector['dissect']>) => Uint8Array | undefined) => () => {
    const out: Uint8Array[] = [];
    const dis = new Dissector();
    for (const p of corpusPackets()) {
      const b = pick(p, dis.dissect(p));
      if (b) out.push(b.slice());
    }
    return out;
  };
const ipBytes = (v: 4 | 6) =>
  layer((p, d) => (d.ip?.version === v && d.link ? p.data.subarray(d.link.payloadOffset) : undefined));
const transportBytes = (proto: 'tcp' | 'udp') =>
  layer((_p, d) => (d.ip && (proto === 'tcp' ? d.tcp : d.udp) ? d.ip.payload : undefined));

const LINKS = Object.values(LINKTYPE);

describe('net fuzz', () => {
  fuzz('capture reader (pcap + pcapng, random chunking)', captureSeeds, (bytes, r) => {
    const chunk = 1 + r.int(4096);
    const { items, error, reader } = readCaptureBytes(bytes, chunk);
    // Every step consumes bytes or ends: more events than bytes would mean a loop.
    expect(items.length).toBeLessThanOrEqual(bytes.length + 1);
    expect(reader.position).toBeLessThanOrEqual(bytes.length);
    if (error) return `error ${error.code}`;
    return items.some((i) => i.kind === 'warning') ? 'warnings' : 'clean';
  });
  fuzz(
    'link decoders (every supported link type)',
    layer((p) => p.data),
    (bytes, r) => decodeLink(r.pick(LINKS), bytes).kind,
  );
  fuzz('IPv4', ipBytes(4), (bytes) => decodeIpv4(bytes).kind);
  fuzz('IPv6 with extension headers', ipBytes(6), (bytes) => decodeIpv6(bytes).kind);
  fuzz('TCP', transportBytes('tcp'), (bytes) => decodeTcp(bytes).kind);
  fuzz(
    'UDP',
    transportBytes('udp'),
    (bytes, r) => decodeUdp(bytes, r.int(2) ? bytes.length : r.int(70000)).kind,
  );
  fuzz(
    'dissector + reassembler + flow table over mutated frame sequences',
    () => [new Uint8Array(readFileSync(corpusFile('pcap', 'zeek-ipv6-fragmented-dns.pcap')))],
    (bytes) => {
      const dis = new Dissector({ maxBytes: 4096, timeoutNs: 1_000_000_000n });
      const table = new FlowTable({ maxLiveFlows: 3 });
      let flows = 0;
      for (const i of readCaptureBytes(bytes).items) {
        if (i.kind !== 'packet') continue;
        const d = dis.dissect(i.packet);
        const o = observationOf(i.packet, d);
        if (o) flows += table.observe(o).length;
      }
      expect(table.live).toBeLessThanOrEqual(3);
      return flows + table.flush().length > 0 ? 'flows' : 'none';
    },
  );
});

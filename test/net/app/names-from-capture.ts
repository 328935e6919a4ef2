/**
 * Test helper: every name the app decoders find in a capture, packet by packet, through the real
 * capture reader and Dissector (test/net/pipeline.ts), as audit will run them.
 */
import { type DnsMessage, isMdnsPort, readDnsMessage } from '../../../src/net/app/dns.js';
import { QuicInitialAssembler } from '../../../src/net/app/quic/assembler.js';
import { peekInitial } from '../../../src/net/app/quic/initial.js';
import { type StreamHead, StreamHeadCollector } from '../../../src/net/app/tcp-stream-head.js';
import type { Decoded } from '../../../src/net/decode/outcome.js';
import { runCapture } from '../pipeline.js';

export interface CaptureNames {
  sni: string[];
  hosts: string[];
  /** Frame number (1-based) → DNS message. */
  dns: Map<number, DnsMessage>;
  /** Per flow, the QUIC assemblers (to check how many Initial packets a hello spanned). */
  quic: QuicInitialAssembler[];
}

function collectHead(d: Decoded<StreamHead>, out: CaptureNames): void {
  if (d.kind !== 'value') return;
  const h = d.value;
  if (h.kind === 'tls' && h.hello.sni !== undefined) out.sni.push(h.hello.sni);
  if (h.kind === 'http') {
    if (h.request.hostHeader !== undefined) out.hosts.push(h.request.hostHeader);
    if (h.tunnel) collectHead(h.tunnel, out);
  }
}

export async function namesIn(path: string): Promise<CaptureNames> {
  const run = await runCapture(path, false);
  const out: CaptureNames = { sni: [], hosts: [], dns: new Map(), quic: [] };
  const tcp = new Map<string, { orig: string; c: StreamHeadCollector }>();
  const udp = new Map<string, { orig: string; q: QuicInitialAssembler }>();
  run.packets.forEach(({ d }, i) => {
    const ip = d.ip;
    if (!ip) return;
    const t = d.tcp ?? d.udp;
    if (!t) return;
    const from = `${ip.src}:${t.srcPort}`;
    const to = `${ip.dst}:${t.dstPort}`;
    const key = [from, to].sort().join(' ');
    if (d.udp) {
      const p = d.udp.payload;
      if (t.srcPort === 53 || t.dstPort === 53 || isMdnsPort(t.srcPort, t.dstPort)) {
        const m = readDnsMessage(p, { mdns: isMdnsPort(t.srcPort, t.dstPort) });
        if (m.kind === 'value') out.dns.set(i + 1, m.value);
        return;
      }
      let flow = udp.get(key);
      // A flow is QUIC when its first datagram is a v1/v2 Initial, whatever the port.
      if (!flow && !peekInitial(p)) return;
      if (!flow) {
        flow = { orig: from, q: new QuicInitialAssembler() };
        udp.set(key, flow);
        out.quic.push(flow.q);
      }
      if (flow.orig === from) flow.q.push(p);
      return;
    }
    const seg = d.tcp!;
    let flow = tcp.get(key);
    // The originator: the sender of a bare SYN, or else of the first packet seen.
    if (!flow || ((seg.flags & 0x12) === 0x02 && flow.orig !== from)) {
      flow = { orig: from, c: new StreamHeadCollector() };
      tcp.set(key, flow);
    }
    if (flow.orig === from) flow.c.push(seg);
  });
  for (const { c } of tcp.values()) collectHead(c.result(), out);
  for (const { q } of udp.values()) {
    const r = q.push(new Uint8Array(0));
    if (r.kind === 'value' && r.value.sni !== undefined) out.sni.push(r.value.sni);
  }
  return out;
}

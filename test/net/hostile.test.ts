/** Hostile-input regressions and rules no oracle above reaches, each named for what it proves. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/net/capture/file.js';
import {
  readPcapHeader,
  readPcapRecordHeader,
  writePcapHeader,
  writePcapRecordHeader,
} from '../../src/net/capture/pcap-layout.js';
import { BLOCK, readEpb, unitsToNs, writeEpb } from '../../src/net/capture/pcapng-layout.js';
import { Dissector } from '../../src/net/flow/dissect.js';
import { FlowTable } from '../../src/net/flow/table.js';
import { ipv6Text } from '../../src/net/ip/address.js';
import { readIpv4 } from '../../src/net/ip/ipv4.js';
import { decodeIpv6 } from '../../src/net/ip/ipv6.js';
import { Reassembler } from '../../src/net/ip/reassembly.js';
import { decodeLink } from '../../src/net/link/decode.js';
import { decodeTcp } from '../../src/net/transport/tcp.js';
import { corpusFile } from '../helpers/corpus.js';

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const pcapHeader = (link = 1) => [
  ...le32(0xa1b2c3d4),
  ...le16(2),
  ...le16(4),
  ...le32(0),
  ...le32(0),
  ...le32(65535),
  ...le32(link),
];
const pcapRecord = (data: number[], sec = 1700000000) => [
  ...le32(sec),
  ...le32(5),
  ...le32(data.length),
  ...le32(data.length),
  ...data,
];
/** A pcapng block (little-endian): type, length, body padded to 4, length. */
const block = (type: number, body: number[]) => {
  const padded = [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)];
  const len = padded.length + 12;
  return [...le32(type), ...le32(len), ...padded, ...le32(len)];
};
const shb = () =>
  block(BLOCK.SHB, [...le32(0x1a2b3c4d), ...le16(1), ...le16(0), ...le32(0xffffffff), ...le32(0xffffffff)]);
const idb = (opts: number[] = []) => block(BLOCK.IDB, [...le16(1), ...le16(0), ...le32(0), ...opts]);
const epb = (iface: number, data: number[]) =>
  block(BLOCK.EPB, [
    ...le32(iface),
    ...le32(0),
    ...le32(1000),
    ...le32(data.length),
    ...le32(data.length),
    ...data,
  ]);
const bytes = (xs: number[]) => new Uint8Array(xs);
const kinds = (r: ReturnType<typeof readCaptureBytes>) =>
  r.items.map((i) => (i.kind === 'warning' ? i.warning.name : 'packet'));

describe('capture reader', () => {
  it('does not hang on a pcapng block of length 0: resyncs to the next block', () => {
    const bad = [...le32(BLOCK.EPB), ...le32(0), 0, 0, 0, 0];
    const r = readCaptureBytes(bytes([...shb(), ...idb(), ...bad, ...epb(0, [1, 2, 3, 4])]));
    expect(kinds(r)).toEqual(['resync', 'packet']);
    expect(r.error).toBeUndefined();
  });
  it('names the offset of a block whose trailer disagrees with its length', () => {
    const good = epb(0, [9, 9, 9, 9]);
    const broken = good.slice();
    broken[broken.length - 4] = 0x99;
    const head = [...shb(), ...idb()];
    const r = readCaptureBytes(bytes([...head, ...broken, ...good]));
    expect(r.items[0]).toMatchObject({ kind: 'warning', warning: { name: 'resync', offset: head.length } });
    expect(kinds(r)).toEqual(['resync', 'packet']);
  });
  it('reports a capture cut inside a record as a truncated tail, not as malformed', () => {
    const whole = [...pcapHeader(), ...pcapRecord([1, 2, 3, 4, 5, 6])];
    const r = readCaptureBytes(bytes(whole.slice(0, -2)));
    expect(r.error).toBeUndefined();
    expect(kinds(r)).toEqual(['truncated-tail']);
  });
  it('resyncs past a pcap record with an absurd captured length', () => {
    const rec = pcapRecord([1, 2, 3, 4]);
    const bad = rec.slice();
    bad.splice(8, 4, ...le32(0x7fffffff));
    const r = readCaptureBytes(bytes([...pcapHeader(), ...rec, ...bad, ...rec, ...rec]));
    expect(kinds(r)).toEqual(['packet', 'resync', 'packet', 'packet']);
  });
  it('gives a typed error for an empty file and for a file that is not a capture', () => {
    expect(readCaptureBytes(new Uint8Array(0)).error?.code).toBe('AIRLOCK_ERR_EMPTY');
    expect(readCaptureBytes(bytes([0x47, 0x49, 0x46, 0x38, 0, 0])).error?.code).toBe(
      'AIRLOCK_ERR_UNSUPPORTED',
    );
    expect(readCaptureBytes(bytes([0xd4, 0xc3])).error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
  });
  it('warns on an EPB naming an interface its section never declared', () => {
    const r = readCaptureBytes(bytes([...shb(), ...idb(), ...epb(3, [1, 2, 3, 4])]));
    expect(kinds(r)).toEqual(['unknown-interface']);
  });
  it('keeps memory to one block: a 1-byte-chunked read holds no more than the largest block', () => {
    const f = new Uint8Array(readFileSync(corpusFile('pcap', 'zeek-http-putty-upload.pcap')));
    const r = readCaptureBytes(f, 1);
    expect(r.error).toBeUndefined();
    expect(kinds(r).every((k) => k === 'packet')).toBe(true);
  });
});

describe('pcapng timestamps', () => {
  it('applies if_tsresol as a power of 10 and of 2, and if_tsoffset in seconds', () => {
    expect(unitsToNs(1_500_000n, { tsresol: 6, tsoffset: 0n })).toBe(1_500_000_000n);
    expect(unitsToNs(15n, { tsresol: 1, tsoffset: 0n })).toBe(1_500_000_000n);
    expect(unitsToNs(3n * 2n ** 29n, { tsresol: 0x80 | 30, tsoffset: 0n })).toBe(1_500_000_000n);
    expect(unitsToNs(5n, { tsresol: 0, tsoffset: 100n })).toBe(105_000_000_000n);
    expect(unitsToNs(1_234_567_890_123n, { tsresol: 12, tsoffset: 0n })).toBe(1_234_567_890n);
  });
  it('reads if_tsresol from an IDB option (code 9)', () => {
    const r = readCaptureBytes(
      bytes([...shb(), ...idb([...le16(9), ...le16(1), 3, 0, 0, 0]), ...epb(0, [1, 2, 3, 4])]),
    );
    const p = r.items.find((i) => i.kind === 'packet');
    expect(p?.kind === 'packet' && p.packet.ts).toBe(1000n * 1_000_000n);
  });
});

describe('layouts read back what they write', () => {
  it('pcap file and record headers', () => {
    const f = readFileSync(corpusFile('pcap', 'zeek-http-connect-with-header.pcap'));
    const h = readPcapHeader(f.subarray(0, 24));
    expect(Buffer.from(writePcapHeader(h)).equals(f.subarray(0, 24))).toBe(true);
    const rh = readPcapRecordHeader(f, 24, h.le);
    expect(Buffer.from(writePcapRecordHeader(rh, h.le)).equals(f.subarray(24, 40))).toBe(true);
  });
  it('an EPB with options', () => {
    const f = new Uint8Array(readFileSync(corpusFile('pcapng', 'output_le/basic/test006.pcapng')));
    const r = readCaptureBytes(f);
    const p = r.items.find((i) => i.kind === 'packet' && i.packet.record === 'EPB');
    if (p?.kind !== 'packet') throw new Error('no EPB in test006');
    const len = f[p.packet.recordOffset + 4]! | (f[p.packet.recordOffset + 5]! << 8);
    const blk = f.subarray(p.packet.recordOffset, p.packet.recordOffset + len);
    const e = readEpb(blk, true);
    expect(Buffer.from(writeEpb(e, p.packet.data, true)).equals(Buffer.from(blk))).toBe(true);
  });
});

describe('link, IP and transport', () => {
  it('counts an unknown link type instead of failing', () => {
    const d = new Dissector();
    expect(d.dissect({ ts: 0n, linkType: 147, data: bytes([1, 2, 3]) }).link?.network).toBe(
      'unsupported-link',
    );
    expect(d.unsupportedLinks.get(147)).toBe(1);
  });
  it('stops at eight stacked VLAN tags with a limit error', () => {
    const frame = [...new Array(12).fill(0)];
    for (let i = 0; i < 9; i++) frame.push(0x81, 0x00, 0x00, i);
    frame.push(0x08, 0x00);
    const r = decodeLink(1, bytes(frame));
    expect(r.kind === 'malformed' && r.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });
  it('tells a snapped IPv4 header (need) from a self-contradicting one (malformed)', () => {
    expect(() => readIpv4(bytes([0x45, 0, 0, 20]))).toThrow(/data ends early/);
    expect(() => readIpv4(bytes([0x45, 0, 0, 10, ...new Array(16).fill(0)]))).toThrow(/total length 10/);
  });
  it('bounds an IPv6 chain of destination-options headers', () => {
    const hdr = [0x60, 0, 0, 0, 0, 8 * 20, 60, 64, ...new Array(32).fill(0)];
    const chain: number[] = [];
    for (let i = 0; i < 20; i++) chain.push(60, 0, 1, 4, 0, 0, 0, 0);
    const r = decodeIpv6(bytes([...hdr, ...chain]));
    expect(r.kind === 'malformed' && r.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });
  it('rejects a TCP option whose length runs past the header', () => {
    const tcp = [0, 80, 0, 81, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0x02, 0, 0, 0, 0, 0, 0, 2, 9, 0, 0];
    expect(decodeTcp(bytes(tcp)).kind).toBe('malformed');
  });
  it('writes IPv6 addresses as RFC 5952 text', () => {
    const a = new Uint8Array(16);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[15] = 1;
    expect(ipv6Text(a, 0)).toBe('2001:db8::1');
    expect(ipv6Text(new Uint8Array(16), 0)).toBe('::');
  });
});

describe('reassembly and flows stay bounded', () => {
  const frag = (id: number, offset: number, more: boolean, len: number) => ({
    version: 4 as const,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    protocol: 17,
    headerLength: 20,
    totalLength: 20 + len,
    payload: new Uint8Array(len),
    snapped: false,
    ttl: 64,
    fragment: { id, offset, more },
    extensions: [],
  });
  it('drops an incomplete datagram after its timeout', () => {
    const r = new Reassembler({ timeoutNs: 10n });
    const names: string[] = [];
    r.add(0n, frag(1, 0, true, 8), (w) => names.push(w.name));
    expect(r.add(100n, frag(2, 8, false, 8), (w) => names.push(w.name))).toBeUndefined();
    expect(names).toEqual(['fragment-timeout']);
    expect(r.datagramsPending).toBe(1);
  });
  it('evicts the oldest datagram when the byte cap is reached', () => {
    const r = new Reassembler({ maxBytes: 100 });
    const names: string[] = [];
    for (let id = 0; id < 5; id++) r.add(0n, frag(id, 0, true, 40), (w) => names.push(w.name));
    expect(r.bytesHeld).toBeLessThanOrEqual(100);
    expect(names.filter((n) => n === 'reassembly-evicted').length).toBe(3);
  });
  it('reports overlapping fragments and discards their datagram, as Linux does', () => {
    const r = new Reassembler();
    const names: string[] = [];
    r.add(0n, frag(1, 0, true, 16), (w) => names.push(w.name));
    expect(r.add(0n, frag(1, 8, false, 16), (w) => names.push(w.name))).toBeUndefined();
    expect(names).toEqual(['fragment-overlap']);
  });
  const obs = (ts: bigint, src: string, dst: string, sp: number, dp: number, flags?: number) => ({
    ts,
    proto: flags === undefined ? 17 : 6,
    src,
    dst,
    srcPort: sp,
    dstPort: dp,
    ipBytes: 60,
    frameBytes: 74,
    payloadBytes: 0,
    ...(flags === undefined ? {} : { tcpFlags: flags }),
  });
  it('takes the SYN sender as originator even when its SYN-ACK was seen first', () => {
    const t = new FlowTable();
    t.observe(obs(1n, 'b', 'a', 80, 5000, 0x12));
    const [f] = t.flush();
    expect(f?.orig).toEqual({ h: 'a', p: 5000 });
    expect(f?.respCounts.pkts).toBe(1);
  });
  it('emits idle flows as they complete and holds no more than its live cap', () => {
    const t = new FlowTable({ otherIdleNs: 10n, maxLiveFlows: 2 });
    expect(t.observe(obs(0n, 'a', 'b', 1, 2))).toEqual([]);
    expect(t.observe(obs(100n, 'a', 'c', 1, 2)).map((f) => f.end)).toEqual(['idle']);
    t.observe(obs(101n, 'a', 'd', 1, 2));
    expect(t.observe(obs(102n, 'a', 'e', 1, 2)).map((f) => f.end)).toEqual(['capacity']);
    expect(t.live).toBe(2);
  });
});

/**
 * The demo's packet capture: the flight tablet's own Wi-Fi link on a fictional morning BEFORE the
 * gateway was put in, the vendor app online and talking freely, as Wireshark would have recorded
 * it. `airlock audit` then answers an auditor's questions from it with the gateway's policy: who
 * the tablet talked to, how much went up, and what the policy would have blocked or cut.
 *
 * Only the traffic is scripted (names, byte counts, times; the hosts are the vendor's and SDKs'
 * real names, the addresses the benchmarking range 198.18.0.0/15): the frames are real Ethernet,
 * IPv4, UDP and TCP with checksums, the TLS ClientHellos carry their SNI as an app sends it, and
 * the DNS answers are what the tablet's resolver would have said. Payloads are seeded noise, so
 * the same capture comes out every time (bar its clock).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditCaptures } from '../audit/run.js';
import { buildQuery } from '../gateway/dns/messages.js';
import { DNS_TYPE } from '../net/app/dns.js';
import type { Policy } from '../policy/types.js';
import { renderAuditHtml } from '../report/audit/html.js';
import { renderAuditJson } from '../report/audit/json.js';
import type { AuditReport } from '../report/audit/model.js';
import { type Frame, type Host, type Turn, tcpConversation, udpFrame } from './packets.js';
import { pcapng } from './pcapng-writer.js';

const TABLET: Host = { ip: '192.168.8.23', mac: '02:00:5e:10:00:23' };
const ROUTER: Host = { ip: '192.168.8.1', mac: '02:00:5e:10:00:01' };
const MIN = 60_000;

/** One scripted connection: the name the app looks up and connects to, and what goes each way. */
export interface TabletVisit {
  atMin: number;
  host: string;
  /** 443: TLS with the name as SNI; 80: one HTTP POST with the name as Host. */
  port: 443 | 80;
  /** Bytes the tablet sends (TLS: records and all; HTTP: the POST's body). */
  up: number;
  /** TLS: application data the server sends after its hello (HTTP: a short 200 answer). */
  down: number;
  /** What it is, for the reader of the demo's code. */
  what: string;
}

export const TABLET_VISITS: readonly TabletVisit[] = [
  { atMin: 0, host: 'statistical-report.djiservice.org', port: 443, up: 1800, down: 310, what: 'analytics' },
  { atMin: 0.2, host: 'api.share.mob.com', port: 443, up: 900, down: 240, what: 'MobTech SDK' },
  { atMin: 0.5, host: 'flysafe-api.dji.com', port: 443, up: 2100, down: 180_000, what: 'geofence database' },
  { atMin: 1, host: 'dl.djicdn.com', port: 443, up: 2600, down: 400_000, what: 'firmware' },
  { atMin: 3, host: 'bugly.qq.com', port: 80, up: 3000, down: 0, what: 'Bugly crash report' },
  { atMin: 95, host: 'mydjiflight.dji.com', port: 443, up: 600_000, down: 2100, what: 'flight-record sync' },
];

/** A small seeded generator (mulberry32): noise that is the same in every run. */
function noise(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = (t ^ (t >>> 14)) & 0xff;
    }
    return out;
  };
}

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const vec16 = (b: readonly number[]): number[] => [...u16(b.length), ...b];
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

function tlsRecord(type: number, body: readonly number[] | Uint8Array): Uint8Array {
  return Uint8Array.from([type, 0x03, 0x03, ...u16(body.length), ...body]);
}

/** A hello's legacy version (TLS 1.2), its random and a 32-byte session id, as TLS 1.3 sends them. */
const helloStart = (rand: (n: number) => Uint8Array): number[] => [0x03, 0x03, ...rand(32), 32, ...rand(32)];

/** A TLS 1.3 ClientHello as a browser-grade stack sends it: SNI, supported_versions, ALPN. */
function clientHello(host: string, rand: (n: number) => Uint8Array): Uint8Array {
  const sni = vec16([0, ...vec16(ascii(host))]);
  const alpn = vec16([2, ...ascii('h2'), 8, ...ascii('http/1.1')]);
  const extensions = [
    ...u16(0x0000),
    ...vec16(sni),
    ...u16(0x002b),
    ...u16(3),
    2,
    0x03,
    0x04,
    ...u16(0x0010),
    ...vec16(alpn),
  ];
  const body = [
    ...helloStart(rand),
    ...vec16([0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2f]),
    1,
    0,
    ...vec16(extensions),
  ];
  const hello = tlsRecord(0x16, [0x01, ...u24(body.length), ...body]);
  hello[2] = 0x01; // a ClientHello's record says TLS 1.0, as stacks send it
  return hello;
}

function serverHello(rand: (n: number) => Uint8Array): Uint8Array {
  const body = [...helloStart(rand), 0x13, 0x01, 0, ...vec16([...u16(0x002b), ...u16(2), 0x03, 0x04])];
  return Buffer.concat([tlsRecord(0x16, [0x02, ...u24(body.length), ...body]), tlsRecord(0x14, [1])]);
}

/** `n` bytes of TLS application data: records of at most 16 KiB of ciphertext each. */
function appData(n: number, rand: (n: number) => Uint8Array): Uint8Array {
  const records: Uint8Array[] = [];
  for (let left = n; left > 0; ) {
    const body = Math.min(left - 5, 16_384 + 17);
    if (body <= 0) break;
    records.push(tlsRecord(0x17, rand(body)));
    left -= body + 5;
  }
  return Buffer.concat(records);
}

function turns(v: TabletVisit, rand: (n: number) => Uint8Array): Turn[] {
  if (v.port === 80) {
    const body = rand(v.up);
    const head = `POST /rqd/sync HTTP/1.1\r\nHost: ${v.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`;
    return [
      { from: 'client', bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]) },
      { from: 'server', bytes: Buffer.from(answer, 'latin1') },
    ];
  }
  const hello = clientHello(v.host, rand);
  return [
    { from: 'client', bytes: hello },
    { from: 'server', bytes: serverHello(rand) },
    { from: 'client', bytes: Buffer.concat([tlsRecord(0x14, [1]), appData(v.up - hello.length - 6, rand)]) },
    { from: 'server', bytes: appData(v.down, rand) },
  ];
}

/** The resolver's answer to `query`: one A record (RFC 1035 §4.1), TTL 300. */
function dnsAnswer(query: Uint8Array, address: string): Uint8Array {
  const out = Buffer.concat([
    query,
    Uint8Array.from([
      0xc0,
      12,
      ...u16(1),
      ...u16(1),
      0,
      0,
      0x01,
      0x2c,
      ...u16(4),
      ...address.split('.').map(Number),
    ]),
  ]);
  out.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, NOERROR
  out.writeUInt16BE(1, 6); // one answer
  return out;
}

/** The tablet's query for `host` from port `port`, and the resolver's answer. */
function dnsExchange(id: number, port: number, host: string, address: string, atMs: number): Frame[] {
  const query = buildQuery(id, { name: host, type: DNS_TYPE.A, class: 1 });
  return [
    { tsMs: atMs, bytes: udpFrame(TABLET, port, ROUTER, 53, query, id) },
    { tsMs: atMs + 18, bytes: udpFrame(ROUTER, 53, TABLET, port, dnsAnswer(query, address), id + 1) },
  ];
}

/** The morning's frames in time order, starting at `startMs`. */
export function tabletFrames(startMs: number): Frame[] {
  const frames: Frame[] = [];
  TABLET_VISITS.forEach((v, i) => {
    const at = startMs + v.atMin * MIN;
    const server: Host = { ip: `198.18.${i + 1}.10`, mac: ROUTER.mac };
    frames.push(...dnsExchange(0x4100 + i, 51_000 + i, v.host, server.ip, at));
    frames.push(
      ...tcpConversation({
        client: TABLET,
        clientPort: 43_000 + i,
        server,
        serverPort: v.port,
        startMs: at + 25,
        turns: turns(v, noise(0xa1b2 + i)),
      }),
    );
  });
  return frames.sort((a, b) => a.tsMs - b.tsMs);
}

export const CAPTURE_SUBDIR = 'capture';

export interface DemoCapture {
  dir: string;
  capture: string;
  html: string;
  report: AuditReport;
}

/**
 * Writes the capture under `kitDir`/capture (its morning starting at `startMs`) and audits it with
 * `policy` (the gateway's), the report beside it as JSON (the dashboard lists it) and HTML.
 */
export async function writeDemoCapture(
  kitDir: string,
  startMs: number,
  policy: Policy,
): Promise<DemoCapture> {
  const dir = join(kitDir, CAPTURE_SUBDIR);
  mkdirSync(dir);
  const capture = join(dir, 'tablet.pcapng');
  writeFileSync(capture, pcapng(tabletFrames(startMs)), { flag: 'wx' });
  const report = await auditCaptures([capture], { policy, command: 'airlock demo' });
  writeFileSync(join(dir, 'audit.json'), renderAuditJson(report), { flag: 'wx' });
  const html = join(dir, 'audit.html');
  writeFileSync(html, renderAuditHtml(report), { flag: 'wx' });
  return { dir, capture, html, report };
}

/**
 * A capture that began mid-connection holds no handshake, and its first packet may be the
 * server's: taking its sender for the client turns an upload into a download and judges the
 * tablet's own address as the destination. Such a flow is turned as Zeek's flip heuristic turns it
 * (the side on a service port is the responder; of two, the lower port) and the report says the
 * direction was inferred. Oracles: tshark's payload per sender (tcp.len, udp.length) on a capture
 * scapy writes (make-mid-connection.py), and on a corpus capture cut after its handshake with
 * editcap, whose client tshark names from the whole capture's SYN.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { corpusFile } from '../helpers/corpus.js';
import { auditFlows } from './audit-flows.js';
import { framesMatching, payloadBySender, pcapRecordOffsets, tcpPayloadByStream } from './tshark.js';

const TABLET = '10.9.0.2';
/** The writer's flows by the tablet's port: the server each talks to (make-mid-connection.py). */
const SERVERS: [number, string][] = [
  [46001, '198.18.7.7:443'],
  [46002, '198.18.7.7:8883'],
  [46003, '198.18.7.7:47000'],
  [8000, '198.18.7.7:443'],
  [46004, '198.18.7.7:443'],
  [46010, '198.18.7.53:53'],
];
/** The one flow whose handshake the capture holds. */
const WHOLE = 46004;

let dir: string;
let pcap: string;

const endpoint = (e: { h: string; p: number }) => `${e.h}:${e.p}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-mid-'));
  pcap = join(dir, 'mid-connection.pcap');
  execFileSync('/usr/bin/python3', [new URL('./make-mid-connection.py', import.meta.url).pathname, pcap]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a capture that begins mid-connection', () => {
  it('each flow has the tablet as its client, and its bytes up and down are what tshark says each side sent', async () => {
    const { r, flows } = await auditFlows(pcap, 'monitor');
    const sent = payloadBySender(pcap);
    for (const [port, server] of SERVERS) {
      const client = `${TABLET}:${port}`;
      const f = flows.get(port);
      expect(f && [endpoint(f.client), endpoint(f.server)], client).toEqual([client, server]);
      expect(f!.record.origCounts.bytes, client).toBe(sent.get(`${client}>${server}`));
      expect(f!.record.respCounts.bytes, client).toBe(sent.get(`${server}>${client}`) ?? 0);
    }
    // The upload is an upload, to the server's address, not a download to the tablet's.
    const up = r.destinations.find((d) => d.ips.includes('198.18.7.7') && d.port === 443)!;
    const toHttps = SERVERS.filter(([, s]) => s.endsWith(':443'));
    expect(up.orig.bytes).toBe(toHttps.reduce((a, [p, s]) => a + sent.get(`${TABLET}:${p}>${s}`)!, 0));
    expect(up.verdict).toBe('upload');
    expect(r.destinations.flatMap((d) => d.ips)).not.toContain(TABLET);
    // Zeek's history letter for a flow its heuristic turned round.
    expect(flows.get(46001)!.record.history).toMatch(/^\^/);
    expect(flows.get(WHOLE)!.record.history).toMatch(/^S/);
  });

  it('says so: a direction-inferred warning at the first packet of each flow without its handshake', async () => {
    const { r } = await auditFlows(pcap, 'monitor');
    const offsets = pcapRecordOffsets(new Uint8Array(readFileSync(pcap)));
    const expected = SERVERS.filter(([p]) => p !== WHOLE).map(([p]) => {
      const [first] = framesMatching(pcap, `tcp.port == ${p} or udp.port == ${p}`);
      return { name: 'direction-inferred', offset: offsets[first! - 1], client: `${TABLET}:${p}` };
    });
    const warnings = r.captures[0]!.warnings.filter((w) => w.name === 'direction-inferred');
    expect(
      warnings.map((w) => ({ name: w.name, offset: w.offset, client: /(\S+) is taken/.exec(w.detail)?.[1] })),
    ).toEqual(expected.sort((a, b) => a.offset! - b.offset!));
    expect(r.captures[0]!.status).toBe('read');
  });

  it('a corpus capture cut after its handshake (editcap -r 6-42): its client is the one the whole capture’s SYN names', async () => {
    const whole = corpusFile('pcap/zeek-tls-chrome-34-google.pcap');
    const cut = join(dir, 'chrome-mid.pcapng');
    execFileSync('editcap', ['-r', whole, cut, '6-42']);
    const streams = [...tcpPayloadByStream(whole).values()];
    expect(streams).toHaveLength(1);
    const client = streams[0]!.client;
    // The cut's first frame is the server's: taken as it comes, the tablet would be the server.
    const [firstSender] = [...payloadBySender(cut).keys()];
    expect(firstSender!.startsWith(client)).toBe(false);
    const flows: JudgedFlow[] = [];
    const r = await auditCaptures([cut], { policy: defaultPolicy(), onFlow: (f) => flows.push(f) });
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(endpoint(f.client)).toBe(client);
    const server = endpoint(f.server);
    const sent = payloadBySender(cut);
    expect(f.record.origCounts.bytes).toBe(sent.get(`${client}>${server}`));
    expect(f.record.respCounts.bytes).toBe(sent.get(`${server}>${client}`));
    const [d] = r.destinations;
    expect([d!.ips, d!.port, d!.outcome.reasons]).toEqual([[f.server.h], 443, ['sealed']]);
    const w = r.captures[0]!.warnings.find((x) => x.name === 'direction-inferred');
    expect(w?.detail).toContain(`${client} is taken as the client`);
  });
});

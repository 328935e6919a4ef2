/**
 * The audit judges plain HTTP request by request and forward-proxy requests by their target, as
 * the gateway does (README, Audit): each request on a keep-alive connection is its own connection
 * to the gate, charged the head the gateway forwards (in origin form, hop-by-hop fields out) and
 * its body, credited to its own destination; a CONNECT or absolute-URI request to a LAN proxy is
 * egress to its target by name and port, the CONNECT head charged to nobody. The captures are
 * written by scapy (make-http-requests.py); tshark says what they hold. Expected bytes come from
 * the request texts below (the same ones the script writes), rewritten by hand as RFC 9112 §3.2.2
 * and the gateway's forward-head.ts say.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { renderAuditCsv } from '../../src/report/audit/csv.js';
import { destinationLabel } from '../../src/report/audit/format.js';
import type { AuditReport } from '../../src/report/audit/model.js';
import { tcpPayloadByStream } from './tshark.js';

let dir: string;
const pcap: Record<'keepalive' | 'proxy' | 'nameless', string> = { keepalive: '', proxy: '', nameless: '' };
const PROXY = '10.9.0.1:3128';
const SERVER = '198.18.7.7';

const policy = (mode: 'one-way' | 'monitor' = 'one-way') => {
  const p = defaultPolicy();
  p.network.mode = mode;
  p.network.allow = [
    { host: 'files.test' },
    { host: 'up.test', budget: { upstreamBytesPerConnection: 4096 } },
  ];
  return p;
};

async function audit(
  file: string,
  mode?: 'one-way' | 'monitor',
): Promise<{ r: AuditReport; flows: Map<number, JudgedFlow> }> {
  const flows = new Map<number, JudgedFlow>();
  const r = await auditCaptures([file], { policy: policy(mode), onFlow: (f) => flows.set(f.client.p, f) });
  return { r, flows };
}

/** [gate id, name, outcome, reason, bytes the gate let through] per connection of a flow. */
const judged = (f: JudgedFlow | undefined) =>
  f?.connections.map((c) => [c.id, c.name ?? null, c.outcome.kind, c.outcome.reason, c.up]);

// The requests as make-http-requests.py writes them.
const get = (host: string, path: string, extra = '', version = 'HTTP/1.1') =>
  `GET ${path} ${version}\r\nHost: ${host}\r\n${extra}\r\n`;
const post = (host: string, n: number, extra = '') =>
  `POST /up HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${n}\r\n${extra}\r\n${'u'.repeat(n)}`;
const CHUNKED_HEAD = 'POST /up HTTP/1.1\r\nHost: up.test\r\nTransfer-Encoding: chunked\r\n\r\n';
const CHUNKED_BODY = `64\r\n${'c'.repeat(100)}\r\n32\r\n${'d'.repeat(50)}\r\n0\r\n\r\n`;
const len = (s: string) => Buffer.byteLength(s, 'latin1');

function fields(file: string, filter: string, fs: string[]): string[][] {
  return execFileSync(
    'tshark',
    ['-n', '-r', file, '-Y', filter, '-T', 'fields', ...fs.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-httpreq-'));
  for (const k of ['keepalive', 'proxy', 'nameless'] as const) {
    pcap[k] = join(dir, `${k}.pcap`);
    execFileSync('/usr/bin/python3', [
      new URL('./make-http-requests.py', import.meta.url).pathname,
      pcap[k],
      k,
    ]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keep-alive plain HTTP: each request judged, charged and credited as its own connection', () => {
  it('each request by its own Host and budget; a refused one ends the connection; the head charged as forwarded', async () => {
    // The fixture holds the requests it says, several on each connection (tshark).
    const byPort = new Map<string, string[]>();
    for (const [port, hosts] of fields(pcap.keepalive, 'http.request', ['tcp.srcport', 'http.host']))
      byPort.set(port!, [...(byPort.get(port!) ?? []), ...hosts!.split(',')]);
    expect(Object.fromEntries(byPort)).toMatchObject({
      41001: ['files.test', 'up.test', 'up.test', 'elsewhere.test', 'files.test'],
      41003: ['files.test', 'up.test'],
      41004: ['files.test', 'up.test', 'files.test'],
      41005: ['up.test', 'up.test', 'up.test'],
    });
    // The pipelined pair is one segment (tshark reads both requests from it).
    expect(byPort.get('41002')?.slice(0, 2)).toEqual(['files.test', 'up.test']);
    const { flows } = await audit(pcap.keepalive);
    expect(judged(flows.get(41001))).toEqual([
      ['F1', 'files.test', 'allowed', 'allowlisted', len(get('files.test', '/a'))],
      ['F1/1', 'up.test', 'allowed', 'allowlisted', len(post('up.test', 300))],
      // A chunked request goes up with 'Connection: close' (its upstream connection is not kept).
      [
        'F1/2',
        'up.test',
        'allowed',
        'allowlisted',
        len(CHUNKED_HEAD) + len('Connection: close\r\n') + len(CHUNKED_BODY),
      ],
      // After the refusal, 'GET /after' is never read by the gateway: no connection of its own.
      ['F1/3', 'elsewhere.test', 'blocked', 'not-allowlisted', 0],
    ]);
    // Three uploads, each within its own 4,096 bytes but the last; the hop-by-hop fields are not forwarded.
    expect(judged(flows.get(41005))).toEqual([
      ['F5', 'up.test', 'allowed', 'allowlisted', len(post('up.test', 3000))],
      ['F5/1', 'up.test', 'allowed', 'allowlisted', len(post('up.test', 3000))],
      ['F5/2', 'up.test', 'cut', 'connection-budget', 4096],
    ]);
    expect(flows.get(41005)!.connections[2]!.orig.bytes).toBe(
      len(post('up.test', 5000, 'Connection: keep-alive\r\nProxy-Connection: keep-alive\r\n')),
    );
  });

  it("a client's 'Connection: close' (HTTP/1.1) or no keep-alive (HTTP/1.0) ends the connection after its request", async () => {
    const { flows } = await audit(pcap.keepalive);
    const close = flows.get(41003)!;
    expect(judged(close)).toEqual([
      ['F3', 'files.test', 'allowed', 'allowlisted', len(get('files.test', '/c'))],
    ]);
    // The request after it is the first's bytes, charged to nothing.
    expect(close.connections[0]!.orig.bytes).toBe(
      len(get('files.test', '/c', 'Connection: close\r\n')) + len(get('up.test', '/never')),
    );
    // HTTP/1.0 goes up with 'Connection: close' in place of its own fields.
    const old = (host: string, path: string) => len(get(host, path, 'Connection: close\r\n', 'HTTP/1.0'));
    expect(judged(flows.get(41004))).toEqual([
      ['F4', 'files.test', 'allowed', 'allowlisted', old('files.test', '/k')],
      ['F4/1', 'up.test', 'allowed', 'allowlisted', old('up.test', '/k2')],
    ]);
  });

  it('pipelined, retransmitted and reordered: each request once, in stream order', async () => {
    const { flows } = await audit(pcap.keepalive);
    const f = flows.get(41002)!;
    expect(judged(f)).toEqual([
      ['F2', 'files.test', 'allowed', 'allowlisted', len(get('files.test', '/p1'))],
      ['F2/1', 'up.test', 'allowed', 'allowlisted', len(get('up.test', '/p2'))],
      ['F2/2', 'files.test', 'allowed', 'allowlisted', len(get('files.test', '/p3'))],
    ]);
    // The retransmitted pair is counted (the capture holds it) with the request current when it came.
    const pair = len(get('files.test', '/p1')) + len(get('up.test', '/p2'));
    expect(f.connections.map((c) => c.orig.bytes)).toEqual([
      len(get('files.test', '/p1')),
      len(get('up.test', '/p2')) + pair,
      len(get('files.test', '/p3')),
    ]);
  });

  it("the requests' shares add up to their flow's bytes and packets (tshark's tcp.len sums per stream)", async () => {
    const { flows } = await audit(pcap.keepalive);
    const streams = [...tcpPayloadByStream(pcap.keepalive).values()];
    expect(streams).toHaveLength(5);
    // Thirteen requests judged on five connections: the shares are the requests'.
    expect([...flows.values()].map((f) => f.connections.length)).toEqual([4, 3, 1, 2, 3]);
    for (const s of streams) {
      const f = flows.get(Number(s.client.split(':')[1]))!;
      const sum = (k: 'orig' | 'resp', m: 'bytes' | 'pkts' | 'ipBytes') =>
        f.connections.reduce((n, c) => n + c[k][m], 0);
      expect([s.client, sum('orig', 'bytes'), sum('resp', 'bytes')]).toEqual([s.client, s.up, s.down]);
      for (const m of ['pkts', 'ipBytes'] as const) {
        expect(sum('orig', m)).toBe(f.record.origCounts[m]);
        expect(sum('resp', m)).toBe(f.record.respCounts[m]);
      }
    }
  });

  it('a second Host on one connection is its own destination: the report sums per request', async () => {
    const { r, flows } = await audit(pcap.keepalive);
    const dest = (name: string) => r.destinations.find((d) => d.name === name && d.port === 80)!;
    const all = [...flows.values()].flatMap((f) => f.connections);
    for (const name of ['files.test', 'up.test', 'elsewhere.test']) {
      const mine = all.filter((c) => c.name === name);
      const d = dest(name);
      expect([name, d.connections, d.orig.bytes, d.resp.bytes]).toEqual([
        name,
        mine.length,
        mine.reduce((n, c) => n + c.orig.bytes, 0),
        mine.reduce((n, c) => n + c.resp.bytes, 0),
      ]);
      expect(d.ips).toEqual([SERVER]);
    }
    expect(dest('elsewhere.test').outcome).toMatchObject({ kind: 'blocked', blocked: 1 });
    expect(dest('up.test').outcome).toMatchObject({ kind: 'mixed', allowed: 6, cut: 1, cutAfterBytes: 4096 });
    expect(r.summary.connections).toBe(all.length);
    expect(r.summary.origBytes).toBe([...flows.values()].reduce((n, f) => n + f.record.origCounts.bytes, 0));
  });
});

describe('forward proxy: a request to a LAN proxy is judged by its target', () => {
  it('by name and port, charged what the gateway sends upstream (a CONNECT head: nothing); what the proxy refuses stays LAN traffic', async () => {
    // The fixture holds the proxy requests it says (tshark).
    const requests = fields(pcap.proxy, 'http.request', [
      'tcp.srcport',
      'http.request.method',
      'http.request.uri',
    ]);
    expect(requests).toEqual([
      ['42001', 'CONNECT', 'files.test:443'],
      ['42002', 'GET', 'http://files.test/a'],
      ['42002', 'GET', 'http://elsewhere.test/b'],
      ['42003', 'GET', '/x'],
      ['42004', 'CONNECT', '198.18.7.7:443'],
      ['42005', 'GET', 'https://files.test/'],
      ['42006', 'CONNECT', 'files.test'],
      ['42007', 'GET', 'http://files.test:8080/'],
      ['42008', 'CONNECT', 'up.test:443'],
    ]);
    const { flows } = await audit(pcap.proxy);
    const streams = tcpPayloadByStream(pcap.proxy);
    const upOf = (port: number) => [...streams.values()].find((s) => s.client.endsWith(`:${port}`))!.up;
    const connect = (host: string) =>
      len(`CONNECT ${host}:443 HTTP/1.1\r\n${host === 'files.test' ? `Host: ${host}:443\r\n` : ''}\r\n`);
    const rows = [42001, 42002, 42004, 42007, 42008].map((p) => [
      p,
      flows
        .get(p)!
        .connections.map((c) => [
          c.name ?? null,
          c.port,
          c.proxy?.form,
          c.outcome.kind,
          c.outcome.reason,
          c.up,
        ]),
    ]);
    expect(rows).toEqual([
      // The tunnel's bytes after the CONNECT head.
      [
        42001,
        [['files.test', 443, 'connect', 'allowed', 'allowlisted', upOf(42001) - connect('files.test')]],
      ],
      // Keep-alive through the proxy: each request by its own target, sent up in origin form.
      [
        42002,
        [
          ['files.test', 80, 'absolute', 'allowed', 'allowlisted', len(get('files.test', '/a'))],
          ['elsewhere.test', 80, 'absolute', 'blocked', 'not-allowlisted', 0],
        ],
      ],
      // An IP literal is an address: the gate judges it as the gateway's proxy does (no name).
      [42004, [[null, 443, 'connect', 'blocked', 'no-name', 0]]],
      [42007, [['files.test', 8080, 'absolute', 'blocked', 'port-not-allowed', 0]]],
      [42008, [['up.test', 443, 'connect', 'cut', 'connection-budget', 4096]]],
    ]);
    expect(flows.get(42008)!.orig.bytes - connect('up.test')).toBeGreaterThan(4096);
    for (const p of [42001, 42002, 42004, 42007, 42008])
      expect(flows.get(p)!.connections.every((c) => c.scope === 'egress' && c.proxy?.h === '10.9.0.1')).toBe(
        true,
      );
    // What the proxy refuses before any decision stays LAN traffic to the proxy.
    // Origin form, an https:// URI, CONNECT without a port.
    for (const p of [42003, 42005, 42006])
      expect([p, flows.get(p)!.scope, flows.get(p)!.proxy, flows.get(p)!.outcome.reason]).toEqual([
        p,
        'local',
        undefined,
        'local-blocked',
      ]);
  });

  it('the report lists each target with the proxy it went through, not the proxy as its address', async () => {
    const { r } = await audit(pcap.proxy);
    const d = (name: string | null, port: number) =>
      r.destinations.find((x) => x.name === name && x.port === port)!;
    expect(d('files.test', 443)).toMatchObject({
      scope: 'egress',
      ips: [],
      viaProxy: { connections: 1, proxies: [PROXY] },
    });
    expect(d('elsewhere.test', 80)).toMatchObject({
      ips: [],
      viaProxy: { connections: 1, proxies: [PROXY] },
    });
    // The IP literal is the destination's address.
    const literal = r.destinations.find((x) => x.name === null && x.scope === 'egress')!;
    expect([literal.ips, literal.port]).toEqual([[SERVER], 443]);
    expect(destinationLabel(d('files.test', 443))).toBe(`files.test (http-host) [via proxy ${PROXY}]`);
    const local = r.destinations.find((x) => x.scope === 'local')!;
    expect([local.ips, local.port, local.connections, local.viaProxy]).toEqual([
      ['10.9.0.1'],
      3128,
      3,
      undefined,
    ]);
    const csv = renderAuditCsv(r).split('\r\n');
    expect(csv[0]).toMatch(/,proxied_connections,proxies,kind,window_id,/);
    expect(csv.find((l) => l.startsWith('egress,files.test,') && l.includes(',443,'))).toMatch(
      /,1,10\.9\.0\.1:3128,destination,{8}$/,
    );
  });
});

describe('plain HTTP named as the gateway names it: no Host, or an IP literal in it', () => {
  it('monitor: no Host refused as no-name, a literal judged by its address with no name (a private one refused), request by request', async () => {
    // The fixture holds the Host fields it says (tshark): none on the requests without one.
    const hosts = fields(pcap.nameless, 'http.request', ['tcp.srcport', 'http.host']).map(([p, h]) => [
      p,
      h ?? '',
    ]);
    expect(hosts).toEqual([
      ['43001', 'files.test'],
      ['43001', ''],
      ['43001', 'files.test'],
      ['43002', 'files.test'],
      ['43002', '[2001:db8::1]:80'],
      ['43002', '10.0.0.5'],
      ['43002', 'files.test'],
      ['43003', ''],
    ]);
    const { r, flows } = await audit(pcap.nameless, 'monitor');
    expect(judged(flows.get(43001))).toEqual([
      ['F1', 'files.test', 'allowed', 'monitor', len(get('files.test', '/a'))],
      // Refused before the gate (transparent-head.ts): the next request is never read.
      ['F1/1', null, 'blocked', 'no-name', 0],
    ]);
    expect(judged(flows.get(43002))).toEqual([
      ['F2', 'files.test', 'allowed', 'monitor', len(get('files.test', '/a'))],
      ['F2/1', null, 'allowed', 'monitor', len(get('[2001:db8::1]:80', '/v6'))],
      ['F2/2', null, 'blocked', 'private-destination', 0],
    ]);
    expect(judged(flows.get(43003))).toEqual([['F3', null, 'blocked', 'no-name', 0]]);
    expect(flows.get(43001)!.connections[1]!.outcome).toMatchObject({
      detail: 'request without a Host field',
    });
    // The literals are destinations by the address the Host names, not the one the client aimed at.
    const byIp = (ip: string) =>
      r.destinations
        .filter((d) => d.name === null && d.ips.includes(ip))
        .map((d) => [d.port, d.outcome.allowed, d.outcome.blocked, d.outcome.reasons]);
    expect(byIp('2001:db8::1')).toEqual([[80, 1, 0, ['monitor']]]);
    expect(byIp('10.0.0.5')).toEqual([[80, 0, 1, ['private-destination']]]);
  });
});

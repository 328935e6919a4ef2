/**
 * An NTRIP 1.0 rover's connection as the gateway relays it (gateway/core/http-exchange.ts): the
 * caster's `ICY 200 OK` turns the exchange into a stream both ways, so the positions the rover
 * sends after its request (held by the gateway while the answer was pending) go up, through the
 * budgets; after any other answer, bytes past a request whose client said it was the last never
 * do. Audit reads the first answer's status line (audit/answer-watch.ts) to count them alike.
 *
 * The capture is written by scapy (make-ntrip.py), tshark says what it holds, and each
 * connection's steps are played to the gateway's own core as a second oracle: its row's bytes up
 * are the audit's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import { extraPortFront } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { EgressGate, unnamedClaim } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import { auditFlows } from './audit-flows.js';

let dir: string;
let pcap: string;
/** Per tablet port: its steps, client bytes and the server's reply (hex). */
let steps: Record<string, [string, string | null][]>;
const SERVER = '198.18.7.7';

const rtk =
  (budget?: number) =>
  (p: Policy): void => {
    p.network.allow.push({
      host: 'rtk.test',
      ports: [2101],
      claimsUnnamed: true,
      ...(budget ? { budget: { upstreamBytesPerConnection: budget } } : {}),
    });
    p.gateway.transparent.other = '0.0.0.0:8444';
  };

/** The gateway core's row for a connection's steps, played in the capture's order. */
function gatewayRow(sport: string, budget?: number) {
  const p = defaultPolicy();
  p.network.mode = 'one-way';
  p.network.allow = [];
  rtk(budget)(p);
  const conn = new ProxyConnection('x', `10.9.0.2:${sport}`, 0, {
    gate: new EgressGate(p),
    mode: () => 'one-way',
    maxHeaderBytes: p.gateway.maxHeaderBytes,
    front: extraPortFront(2101, unnamedClaim(p.network.allow, 2101)),
  });
  const out: ProxyCommand[] = [];
  const feed = (e: ProxyEvent) => {
    const c = conn.handle(e, 0);
    out.push(...c);
    return c;
  };
  steps[sport]!.forEach(([client, reply], i) => {
    const cmds = feed({ type: 'client-data', data: Buffer.from(client, 'hex') });
    if (i === 0) {
      if (cmds.some((c) => c.type === 'resolve')) feed({ type: 'resolved', addresses: [SERVER] });
      feed({ type: 'upstream-connected' });
    }
    if (reply) feed({ type: 'upstream-data', data: Buffer.from(reply, 'hex') });
  });
  feed({ type: 'client-closed' });
  const row = out.find((c) => c.type === 'log');
  if (row?.type !== 'log') throw new Error(`${sport}: the gateway logged nothing`);
  return row.row;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-ntrip-'));
  pcap = join(dir, 'ntrip.pcap');
  const json = join(dir, 'ntrip.json');
  execFileSync('/usr/bin/python3', [new URL('./make-ntrip.py', import.meta.url).pathname, pcap, json]);
  steps = JSON.parse(readFileSync(json, 'utf8'));
  // What the file holds, read by tshark: the requests, and what each client sent in all.
  const tshark = (filter: string, fields: string[]) =>
    execFileSync(
      'tshark',
      [
        '-n',
        '-r',
        pcap,
        '-d',
        'tcp.port==2101,http',
        '-Y',
        filter,
        '-T',
        'fields',
        ...fields.flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
  expect(tshark('http.request', ['tcp.srcport', 'http.request.uri', 'http.host'])).toEqual([
    '47101\t/MNT\trtk.test',
    '47102\t/MNT\trtk.test',
    '47103\t/MNT\trtk.test',
    '47104\t/MNT\t',
    '47105\t/MNT\trtk.test',
  ]);
  const sent = tshark('tcp.dstport == 2101 && tcp.len > 0', ['tcp.srcport', 'tcp.len']).reduce<
    Record<string, number>
  >((m, l) => {
    const [p, n] = l.split('\t');
    m[p!] = (m[p!] ?? 0) + Number(n);
    return m;
  }, {});
  for (const [p, s] of Object.entries(steps))
    expect([p, sent[p]]).toEqual([p, s.reduce((n, [c]) => n + c.length / 2, 0)]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an NTRIP 1.0 rover on an extra port, judged as the gateway relays it', () => {
  it("after ICY 200 the rover's positions go up, held ones included; after another answer, bytes past the last request do not", async () => {
    const { flows } = await auditFlows(pcap, 'one-way', rtk());
    const up = Object.fromEntries(Object.keys(steps).map((p) => [p, flows.get(Number(p))!.up]));
    const gateway = Object.fromEntries(Object.keys(steps).map((p) => [p, gatewayRow(p).bytesUp]));
    expect(up).toEqual(gateway);
    const client = (p: string) => steps[p]!.reduce((n, [c]) => n + c.length / 2, 0);
    // In a stream every client byte goes up (the head as the gateway rewrites it: Connection: close).
    const rewritten = 'Connection: close\r\n'.length;
    expect(up['47101']).toBe(client('47101') + rewritten);
    expect(up['47102']).toBe(client('47102') + rewritten);
    // Without Host: the claim goes up as its Host.
    expect(up['47104']).toBe(client('47104') + rewritten + 'Host: rtk.test\r\n'.length);
    // An HTTP answer, a source table: only the request head went up.
    const head = Buffer.from(steps['47103']![0]![0], 'hex').length + rewritten;
    expect([up['47103'], up['47105']]).toEqual([head, head]);
    expect(
      [...flows.values()].map((f) => `${f.client.p} ${f.name} ${f.outcome.kind} ${f.outcome.reason}`).sort(),
    ).toEqual([
      '47101 rtk.test allowed allowlisted',
      '47102 rtk.test allowed allowlisted',
      '47103 rtk.test allowed allowlisted',
      '47104 rtk.test allowed allowlisted',
      '47105 rtk.test allowed allowlisted',
    ]);
  });

  it("a stream's positions meet the budget at its byte, on both sides", async () => {
    const budget = 200;
    const { flows } = await auditFlows(pcap, 'one-way', rtk(budget));
    for (const p of ['47101', '47102', '47104']) {
      const f = flows.get(Number(p))!;
      const row = gatewayRow(p, budget);
      expect([p, f.outcome.kind, f.up]).toEqual([p, 'cut', budget]);
      expect([p, row.cut, row.bytesUp]).toEqual([p, 'connection-budget', budget]);
    }
  });
});

/**
 * A connection the gateway holds (a transparent front's on 443, 80 or an extra port, or its
 * proxy listener's) whose head never comes is logged with the gateway's own reason, blocked in
 * every mode (gateway/core/connection.ts), and reported by the audit as unheard (the policy was never
 * asked; such connections alone do not make exit 1): 'client-closed' when the client ends or resets it
 * first, 'handshake-timeout' when gateway.handshakeTimeoutSeconds runs out first. The audit gave
 * such flows the gate's answer to a nameless connection instead (no-name in one-way, allowed in
 * monitor, sealed, local-blocked to the proxy). It now gives the gateway's, where the capture
 * shows it: the SYN seen, then a FIN or RST before a complete head (client-closed), or no head
 * within the timeout with the capture running past it, or a head only after it
 * (handshake-timeout). Where the capture cannot show it (its SYN missing, the capture ending
 * before the timeout), and for connections the gateway never holds (853, a LAN port that is no
 * proxy listener), the answer is the gate's as before.
 *
 * The capture is written by scapy (make-no-head.py), tshark says what it holds, and each held
 * connection's client bytes are played to the gateway's own core behind the front it meets, ended
 * as the capture shows, as a second oracle beside the answers written here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import { extraPortFront, HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import { auditReportSchema } from '../../src/report/audit/model.js';
import { auditFlows } from './audit-flows.js';

type Mode = 'one-way' | 'monitor' | 'sealed';
interface Written {
  server: string;
  port: number;
  client: string;
  ended: 'closed' | 'timeout' | null;
}

let dir: string;
let pcap: string;
let conns: Record<string, Written>;
const PROXY = '10.9.0.1:3128';

/** The box's gateway: a 3 s handshake timeout, its proxy on every address, rtk.test's extra port. */
const boxed =
  (timeoutSeconds = 3) =>
  (p: Policy) => {
    p.gateway.handshakeTimeoutSeconds = timeoutSeconds;
    p.gateway.listen = ['0.0.0.0:3128'];
    p.gateway.transparent.other = '0.0.0.0:8444';
    p.network.allow.push({ host: 'rtk.test', ports: [2101] });
  };

const judged = (flows: Map<number, JudgedFlow>) =>
  Object.fromEntries(
    [...flows]
      .filter(([port]) => String(port) in conns)
      .map(([port, f]) => [port, `${f.name ?? null} ${f.outcome.kind} ${f.outcome.reason}`]),
  );

/** The gateway's answer, every mode: what it holds and waited on in vain. */
const UNHEARD = {
  47001: 'null unheard client-closed',
  47002: 'null unheard client-closed',
  47003: 'null unheard client-closed',
  47004: 'null unheard handshake-timeout',
  47005: 'null unheard handshake-timeout',
  47006: 'null unheard handshake-timeout',
  47008: 'null unheard client-closed',
  47009: 'null unheard client-closed',
  47010: 'null unheard handshake-timeout',
  47011: 'null unheard client-closed',
};
/** Never held by the gateway, or the capture cannot show how its wait ended: the gate's answer, by mode. */
const GATE: Record<Mode, Record<number, string>> = {
  'one-way': {
    47007: 'files.test allowed allowlisted',
    47012: 'null blocked no-name',
    47013: 'null blocked no-name',
    47014: 'null blocked local-blocked',
    47015: 'null blocked no-name',
    // A whole head, then the close: judged by its target (the proxy refused it; the client closed).
    47016: 'elsewhere.test blocked not-allowlisted',
  },
  monitor: {
    47007: 'files.test allowed monitor',
    47012: 'null allowed monitor',
    47013: 'null allowed monitor',
    47014: 'null allowed monitor',
    47015: 'null allowed monitor',
    47016: 'elsewhere.test allowed monitor',
  },
  sealed: {
    47007: 'files.test blocked sealed',
    47012: 'null blocked sealed',
    47013: 'null blocked sealed',
    47014: 'null blocked local-blocked',
    47015: 'null blocked sealed',
    47016: 'elsewhere.test blocked sealed',
  },
};

/**
 * The gateway core's row for a held connection: its client bytes behind the front it meets (the
 * proxy's on PROXY), then the end the capture shows (the client's close, or the handshake timer).
 */
function gatewayRow(mode: Mode, w: Written) {
  const p = defaultPolicy();
  p.network.mode = mode;
  p.network.allow = [{ host: 'files.test' }];
  boxed()(p);
  const front =
    `${w.server}:${w.port}` === PROXY
      ? undefined
      : w.port === 443
        ? TLS_FRONT
        : w.port === 80
          ? HTTP_FRONT
          : extraPortFront(w.port);
  const conn = new ProxyConnection('x', '10.9.0.2:1', 0, {
    gate: new EgressGate(p),
    mode: () => mode,
    maxHeaderBytes: p.gateway.maxHeaderBytes,
    ...(front ? { front } : {}),
  });
  const out: ProxyCommand[] = [];
  const feed = (e: ProxyEvent) => out.push(...conn.handle(e, 0));
  if (w.client.length > 0) feed({ type: 'client-data', data: Buffer.from(w.client, 'hex') });
  feed(w.ended === 'closed' ? { type: 'client-closed' } : { type: 'timeout', kind: 'handshake' });
  const row = out.find((c) => c.type === 'log');
  if (row?.type !== 'log') throw new Error('the gateway logged nothing');
  return row.row;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-no-head-'));
  pcap = join(dir, 'no-head.pcap');
  const json = join(dir, 'no-head.json');
  execFileSync('/usr/bin/python3', [new URL('./make-no-head.py', import.meta.url).pathname, pcap, json]);
  conns = JSON.parse(readFileSync(json, 'utf8'));
  // What the file holds, read by tshark: the SYNs (all but 47013's), the FINs and RSTs, the heads.
  const tshark = (filter: string, fields: string[]) =>
    execFileSync(
      'tshark',
      ['-n', '-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
  // (JSON object keys that are numbers come back in numeric order.)
  const ports = Object.keys(conns);
  expect(tshark('tcp.flags == 0x002', ['tcp.srcport']).sort()).toEqual(ports.filter((p) => p !== '47013'));
  expect(tshark('tcp.flags.reset == 1 && tcp.srcport != 47099', ['tcp.srcport'])).toEqual(['47002']);
  expect(tshark('tls.handshake.type == 1', ['tcp.srcport', 'tls.handshake.extensions_server_name'])).toEqual([
    '47006\tfiles.test',
    '47007\tfiles.test',
  ]);
  // The half heads (no request tshark can read, but their bytes are there), and 47016's whole one.
  expect(
    tshark('tcp.len > 0 && (tcp.dstport == 80 || tcp.dstport == 3128)', ['tcp.srcport', 'tcp.len']),
  ).toEqual(['47003\t38', '47005\t38', '47011\t33', '47016\t65']);
  expect(tshark('http.request.method == "CONNECT"', ['tcp.srcport', 'http.host'])).toEqual([
    '47016\telsewhere.test:443',
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a connection whose head never came, judged as the gateway logs it', () => {
  for (const mode of ['one-way', 'monitor', 'sealed'] as const) {
    it(`${mode}: client-closed and handshake-timeout where the capture shows them, the gate's answer elsewhere`, async () => {
      const { r, flows } = await auditFlows(pcap, mode, boxed());
      expect(judged(flows)).toEqual({ ...UNHEARD, ...GATE[mode] });
      // The gateway's own core, played the same bytes and ended the same way, agrees.
      for (const [port, w] of Object.entries(conns)) {
        if (w.ended === null) continue;
        const row = gatewayRow(mode, w);
        expect([port, row.verdict, row.reason, row.name ?? null]).toEqual([
          port,
          'block',
          flows.get(Number(port))!.outcome.reason,
          null,
        ]);
      }
      // Refused before anything went up; the reason in the report, valid against its schema.
      expect(flows.get(47003)!.up).toBe(0);
      expect(flows.get(47001)!.outcome).toMatchObject({ detail: 'the client closed before a decision' });
      // (A destination lists its first refusal's reason: 47001's, on 443; 47009's, the proxy's.)
      const first = (ip: string, port: number) =>
        r.destinations.find((x) => x.ips.includes(ip) && x.port === port)?.outcome.reasons;
      expect(first('198.18.7.7', 443)).toContain('client-closed');
      expect(first('10.9.0.1', 3128)).toContain('client-closed');
      expect(auditReportSchema.parse(r)).toEqual(r);
    });
  }

  it('a capture of unheard connections only is no "would have blocked": exit 0 in every mode', async () => {
    // tshark keeps the two closed at once and the one the gateway timed out (its FIN in the file).
    const only = join(dir, 'unheard-only.pcap');
    execFileSync(
      'tshark',
      [
        '-n',
        '-r',
        pcap,
        '-Y',
        'tcp.port == 47001 || tcp.port == 47002 || tcp.port == 47004',
        '-F',
        'pcap',
        '-w',
        only,
      ],
      {
        stdio: 'ignore',
      },
    );
    for (const mode of ['monitor', 'one-way', 'sealed'] as const) {
      const { r, flows } = await auditFlows(only, mode, boxed());
      expect(judged(flows)).toEqual({
        47001: 'null unheard client-closed',
        47002: 'null unheard client-closed',
        47004: 'null unheard handshake-timeout',
      });
      expect(r.summary.byOutcome).toEqual({ allowed: 0, blocked: 0, cut: 0, unheard: 3 });
      expect(r.exitCode).toBe(0);
      expect(r.destinations.map((d) => [d.outcome.kind, d.outcome.unheard])).toEqual([['unheard', 3]]);
      expect(auditReportSchema.parse(r)).toEqual(r);
    }
  });

  it("the timeout and the proxy listener are the policy's: a longer timeout times none out; no listener on 3128, LAN traffic", async () => {
    const { flows } = await auditFlows(pcap, 'one-way', boxed(5));
    expect(judged(flows)).toMatchObject({
      47004: 'null unheard client-closed',
      47005: 'null unheard client-closed',
      47006: 'files.test allowed allowlisted',
      // The capture runs 1 s past 47015's SYN and 3.06 s past 47010's: neither shows a timeout.
      47010: 'null unheard client-closed',
      47015: 'null blocked no-name',
    });
    const lan = await auditFlows(pcap, 'one-way', (p) => {
      boxed()(p);
      p.gateway.listen = ['127.0.0.1:3128'];
    });
    expect(judged(lan.flows)).toMatchObject({
      47009: 'null blocked local-blocked',
      47010: 'null blocked local-blocked',
      47011: 'null blocked local-blocked',
    });
  });
});

/**
 * The audit reads a connection to an allowlist's extra port (an entry's `ports`) as the gateway's
 * `other` transparent listener does, when the policy turns that listener on: the box's rules
 * redirect exactly those ports to it, its front reads the head as the TLS or HTTP front by the
 * first byte (net/app/transparent-front.ts sniffFront), names it by SNI or Host
 * (transparent-name.ts), and the gate judges the name on that port. So heads the fronts refuse
 * (bytes that are neither TLS nor HTTP, a TLS record that is no ClientHello, CONNECT, ambiguous
 * framing, a head over maxHeaderBytes, on the first request or a later one) are refused before
 * the gate in every mode, as no SNI or Host and an SNI that is no host name are; an IP literal is
 * no name, judged by its address. The audit named these heads by the same rule before, but did
 * not read them as a front: garbage and a TLS record that is no ClientHello were nameless to the
 * gate ('no-name' in one-way, allowed in monitor, 'sealed'), and a CONNECT, ambiguous framing or
 * an oversized head were judged by their Host (allowed). Ports no entry lists are dropped by the
 * box's rules (the gateway never sees them): the audit judges them by the gate, as it does DoT
 * 853 or MQTT 8883, blocked in one-way and sealed.
 *
 * The capture is written by scapy (make-extra-ports.py), tshark says what it holds, and each
 * connection's client stream is played to the gateway's own core (ProxyConnection behind the
 * extra-port front) as a second oracle beside the answers written here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import { extraPortFront } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { EgressGate, unnamedClaim } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import { auditReportSchema } from '../../src/report/audit/model.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { auditFlows } from './audit-flows.js';

type Mode = 'one-way' | 'monitor' | 'sealed';

let dir: string;
let pcap: string;
/** Per tablet port: the port it aimed at and its client stream. */
let streams: Record<string, { port: number; client: string }>;
const SERVER = '198.18.7.7';
const LISTED = [2101, 5443];

/** rtk.test on its extra ports, and the `other` listener on (or off). */
const withRtk =
  (other: string | null = '0.0.0.0:8444', claimsUnnamed = false) =>
  (p: Policy) => {
    p.network.allow.push({ host: 'rtk.test', ports: LISTED, ...(claimsUnnamed ? { claimsUnnamed } : {}) });
    p.gateway.transparent.other = other;
  };

const audit = (mode: Mode, other?: string | null, claimsUnnamed = false) =>
  auditFlows(pcap, mode, withRtk(other, claimsUnnamed));

/** Per tablet port, each connection it carried: 'name outcome reason'. */
const judged = (flows: Map<number, JudgedFlow>) =>
  Object.fromEntries(
    [...flows].map(([port, f]) => [
      port,
      f.connections.map((c) => `${c.name ?? null} ${c.outcome.kind} ${c.outcome.reason}`),
    ]),
  );

/** What the extra-port front refuses before any name is read, in every mode. */
const FRONT_REFUSED = {
  46010: ['null blocked bad-request'],
  46011: ['null blocked bad-request'],
  46012: ['null blocked not-tls'],
  46013: ['null blocked bad-request'],
  46014: ['null blocked bad-framing'],
  46016: ['null blocked header-too-large'],
};
/** No name, refused in every mode; a private literal refused by the gate in every mode. */
const NAMELESS = {
  46001: ['null blocked no-name'],
  46003: ['null blocked no-name'],
  46009: ['null blocked no-name'],
  46019: ['null blocked private-destination'],
};

/**
 * The gateway core's row for a tablet port's client stream, behind the extra-port front for the
 * port it aimed at: every name resolves to the capture's server, and the upstream accepts.
 */
function gatewayRow(mode: Mode, sport: string, claimsUnnamed = false): ConnectionLogRow {
  const p = defaultPolicy();
  p.network.mode = mode;
  p.network.allow = [{ host: 'files.test' }];
  withRtk(undefined, claimsUnnamed)(p);
  const s = streams[sport]!;
  const conn = new ProxyConnection('x', `10.9.0.2:${sport}`, 0, {
    gate: new EgressGate(p),
    mode: () => mode,
    maxHeaderBytes: p.gateway.maxHeaderBytes,
    // As the gateway wires its `other` listener (gateway.ts).
    front: extraPortFront(s.port, unnamedClaim(p.network.allow, s.port)),
  });
  const out: ProxyCommand[] = [];
  const feed = (e: ProxyEvent) => {
    const c = conn.handle(e, 0);
    out.push(...c);
    return c;
  };
  let cmds = feed({ type: 'client-data', data: Buffer.from(s.client, 'hex') });
  if (cmds.some((c) => c.type === 'resolve')) cmds = feed({ type: 'resolved', addresses: [SERVER] });
  if (cmds.some((c) => c.type === 'open-upstream')) feed({ type: 'upstream-connected' });
  feed({ type: 'client-closed' });
  const row = out.find((c) => c.type === 'log');
  if (row?.type !== 'log') throw new Error(`${sport}: the gateway logged nothing`);
  return row.row;
}

/** The capture holds what make-extra-ports.py says (tshark, an independent reader): checked before any test. */
function expectCaptureAsWritten(): void {
  const tshark = (filter: string, fields: string[], decodeAs: string[] = []) =>
    execFileSync(
      'tshark',
      ['-n', '-r', pcap, ...decodeAs, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
  expect(tshark('tcp.flags == 0x002', ['tcp.srcport', 'ip.dst', 'tcp.dstport'])).toEqual(
    Object.entries(streams).map(([sport, s]) => `${sport}\t${SERVER}\t${s.port}`),
  );
  const asTls = ['-d', 'tcp.port==2101,tls', '-d', 'tcp.port==5443,tls', '-d', 'tcp.port==2102,tls'];
  expect(
    tshark('tls.handshake.type == 1', ['tcp.srcport', 'tls.handshake.extensions_server_name'], asTls),
  ).toEqual([
    '46001\t',
    '46002\t198.18.7.9',
    '46003\tbad name',
    '46004\trtk.test',
    '46005\tfiles.test',
    '46017\trtk.test',
    '46019\t10.0.0.5',
  ]);
  expect(
    tshark(
      'http.request',
      ['tcp.srcport', 'http.request.method', 'http.host'],
      ['-d', 'tcp.port==2101,http'],
    ),
  ).toEqual([
    '46006\tGET\trtk.test:2101',
    '46007\tGET\t198.18.7.9:2101',
    '46008\tGET\tfiles.test',
    '46009\tGET\t',
    '46013\tCONNECT\trtk.test:2101',
    '46014\tPOST\trtk.test',
    '46015\tGET\trtk.test',
    '46015\tCONNECT\trtk.test:2101',
    '46016\tGET\trtk.test',
  ]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-extra-'));
  pcap = join(dir, 'extra-ports.pcap');
  const json = join(dir, 'extra-ports.json');
  execFileSync('/usr/bin/python3', [new URL('./make-extra-ports.py', import.meta.url).pathname, pcap, json]);
  streams = JSON.parse(readFileSync(json, 'utf8'));
  expectCaptureAsWritten();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an allowlist's extra ports, read as the gateway's `other` listener reads them", () => {
  it('one-way: named by SNI or Host and judged on the port; no name, a literal, garbage refused as the gateway refuses them', async () => {
    const { r, flows } = await audit('one-way');
    expect(judged(flows)).toEqual({
      ...NAMELESS,
      ...FRONT_REFUSED,
      // An IP literal is no name: judged by its address, 'no-name' in one-way (not a name off the allowlist).
      46002: ['null blocked no-name'],
      46007: ['null blocked no-name'],
      46004: ['rtk.test allowed allowlisted'],
      46006: ['rtk.test allowed allowlisted'],
      // Listed, but by rtk.test's entry: files.test's allows 443 and 80.
      46005: ['files.test blocked port-not-allowed'],
      46008: ['files.test blocked port-not-allowed'],
      // Later requests on a keep-alive connection: the front reads each head again.
      46015: ['rtk.test allowed allowlisted', 'null blocked bad-request'],
      // No entry lists these: the box drops them, the audit blocks them by the gate (as 853, 8883).
      46017: ['rtk.test blocked port-not-allowed'],
      46018: ['null blocked no-name'],
    });
    expect(flows.get(46001)!.outcome).toMatchObject({ detail: 'ClientHello without SNI' });
    expect(flows.get(46009)!.outcome).toMatchObject({ detail: 'request without a Host field' });
    expect(flows.get(46013)!.outcome).toMatchObject({ detail: 'CONNECT on a transparent HTTP port' });
    // The literals are the addresses they name, on the port aimed at.
    expect(
      r.destinations
        .filter((d) => d.ips.includes('198.18.7.9'))
        .map((d) => [d.name, d.port, d.outcome.blocked, d.outcome.reasons]),
    ).toEqual([[null, 2101, 2, ['no-name']]]);
    // What was allowed passed its bytes, as the gateway forwards them; what was refused, nothing.
    expect(flows.get(46004)!.up).toBe(flows.get(46004)!.orig.bytes);
    expect(flows.get(46010)!.up).toBe(0);
    expect(auditReportSchema.parse(r)).toEqual(r);
  });

  it('monitor: the fronts’ refusals and no-name stand; literals pass by address, names by name', async () => {
    const { flows } = await audit('monitor');
    expect(judged(flows)).toEqual({
      ...NAMELESS,
      ...FRONT_REFUSED,
      46002: ['null allowed monitor'],
      46007: ['null allowed monitor'],
      46004: ['rtk.test allowed monitor'],
      46006: ['rtk.test allowed monitor'],
      46005: ['files.test allowed monitor'],
      46008: ['files.test allowed monitor'],
      46015: ['rtk.test allowed monitor', 'null blocked bad-request'],
      // Unlisted ports: the gate's answer, as for DoT 853 or QUIC, which the box drops in every mode.
      46017: ['rtk.test allowed monitor'],
      46018: ['null allowed monitor'],
    });
  });

  it('sealed: refused before the gate for the fronts’ reasons and no-name, else sealed', async () => {
    const { flows } = await audit('sealed');
    expect(judged(flows)).toEqual({
      ...NAMELESS,
      ...FRONT_REFUSED,
      46002: ['null blocked sealed'],
      46007: ['null blocked sealed'],
      46004: ['rtk.test blocked sealed'],
      46006: ['rtk.test blocked sealed'],
      46005: ['files.test blocked sealed'],
      46008: ['files.test blocked sealed'],
      46015: ['rtk.test blocked sealed'],
      46017: ['rtk.test blocked sealed'],
      46018: ['null blocked sealed'],
    });
  });

  it("each connection on a listed port: the audit's first answer is the gateway core's row (decision, reason, name)", async () => {
    for (const mode of ['one-way', 'monitor', 'sealed'] as const) {
      const { flows } = await audit(mode);
      const listed = Object.keys(streams).filter((p) => LISTED.includes(streams[p]!.port));
      expect(listed.length).toBe(17);
      const gateway = listed.map((p) => {
        const row = gatewayRow(mode, p);
        return [mode, p, row.name ?? null, row.verdict === 'allow' ? 'allowed' : 'blocked', row.reason];
      });
      const audited = listed.map((p) => {
        const c = flows.get(Number(p))!;
        return [mode, p, c.name ?? null, c.outcome.kind, c.outcome.reason];
      });
      expect(audited).toEqual(gateway);
    }
  });

  it('rtk.test claiming unnamed connections on its ports: no SNI, no Host are its; a name given, bad or an address, is not; as the gateway core names them', async () => {
    for (const mode of ['one-way', 'monitor', 'sealed'] as const) {
      const { r, flows } = await audit(mode, undefined, true);
      const of = (p: number) => judged(flows)[p];
      const verdict =
        mode === 'one-way'
          ? 'allowed allowlisted'
          : mode === 'monitor'
            ? 'allowed monitor'
            : 'blocked sealed';
      expect([of(46001), of(46009)]).toEqual([[`rtk.test ${verdict}`], [`rtk.test ${verdict}`]]);
      expect([of(46003), of(46002)]).toEqual([
        ['null blocked no-name'],
        [
          mode === 'monitor'
            ? 'null allowed monitor'
            : `null blocked ${mode === 'one-way' ? 'no-name' : 'sealed'}`,
        ],
      ]);
      for (const p of ['46001', '46009', '46003', '46002', '46006']) {
        const row = gatewayRow(mode, p, true);
        const c = flows.get(Number(p))!;
        expect([p, c.name ?? null, c.outcome.kind, c.outcome.reason]).toEqual([
          p,
          row.name ?? null,
          row.verdict === 'allow' ? 'allowed' : 'blocked',
          row.reason,
        ]);
        // What went up: the hello as sent; the GET as the gateway sends it, the claim as its Host.
        if (row.verdict === 'allow') expect([p, c.up]).toEqual([p, row.bytesUp]);
      }
      expect(auditReportSchema.parse(r)).toEqual(r);
    }
    // Without the claim, and with the listener off (no front reads the port), no name as before.
    expect(judged((await audit('one-way')).flows)[46009]).toEqual(['null blocked no-name']);
    expect(judged((await audit('one-way', null, true)).flows)[46009]).toEqual(['null blocked no-name']);
  });

  it('gateway.transparent.other decides: on, the front reads those ports; off (no listener), the gate judges them as any port', async () => {
    const at = async (other: string | null) => {
      const j = judged((await audit('one-way', other)).flows);
      return [j[46010], j[46016], j[46006]];
    };
    expect(await at('0.0.0.0:8444')).toEqual([
      ['null blocked bad-request'],
      ['null blocked header-too-large'],
      ['rtk.test allowed allowlisted'],
    ]);
    // Bytes that are neither TLS nor HTTP carry no name; a head no front limits is judged by its Host.
    expect(await at(null)).toEqual([
      ['null blocked no-name'],
      ['rtk.test allowed allowlisted'],
      ['rtk.test allowed allowlisted'],
    ]);
  });
});

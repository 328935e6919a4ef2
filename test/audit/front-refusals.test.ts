/**
 * The audit refuses what the gateway's transparent fronts refuse before the gate is asked
 * (gateway/core/transparent-head.ts; src/net/app/transparent-front.ts), with the gateway's reason,
 * in every mode: on 443 bytes that are not TLS; on 80 CONNECT, `*`, ambiguous framing, another
 * HTTP version, TLS, a head over maxHeaderBytes, on a connection's first request or a later one.
 * It judged such heads by the name they carry (allowing them in monitor, and in one-way when the
 * name is allowlisted) before. A connection captured mid-way is not refused: its first bytes in
 * the capture are not the head the front read. The capture is written by scapy
 * (make-front-refusals.py); tshark says what it holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditReportSchema } from '../../src/report/audit/model.js';
import { auditFlows } from './audit-flows.js';

let dir: string;
let pcap: string;
const SERVER = '198.18.7.7';

const audit = (mode: 'one-way' | 'monitor') => auditFlows(pcap, mode);

/** Per tablet port, each connection it carried: 'name outcome reason'. */
const judged = (flows: Map<number, JudgedFlow>) =>
  Object.fromEntries(
    [...flows].map(([port, f]) => [
      port,
      f.connections.map((c) => `${c.name ?? null} ${c.outcome.kind} ${c.outcome.reason}`),
    ]),
  );

/** What both modes refuse, by the fronts' reasons. */
const REFUSED = {
  45001: ['null blocked not-tls'],
  45002: ['null blocked not-tls'],
  45003: ['null blocked bad-request'],
  45004: ['null blocked bad-request'],
  45005: ['null blocked bad-framing'],
  45006: ['null blocked bad-framing'],
  45007: ['null blocked version-not-supported'],
  45008: ['null blocked bad-request'],
  45009: ['null blocked header-too-large'],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-front-'));
  pcap = join(dir, 'front-refusals.pcap');
  execFileSync('/usr/bin/python3', [new URL('./make-front-refusals.py', import.meta.url).pathname, pcap]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("heads the gateway's transparent fronts refuse, refused by the audit too", () => {
  it('the capture holds what it says (tshark)', () => {
    const tshark = (filter: string, fields: string[], decodeAs: string[] = []) =>
      execFileSync(
        'tshark',
        ['-n', '-r', pcap, ...decodeAs, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
        .trim()
        .split('\n');
    // Every connection opened to the egress address, on the port it says.
    expect(tshark('tcp.flags == 0x002', ['tcp.srcport', 'ip.dst', 'tcp.dstport'])).toEqual(
      [
        [45001, 443],
        [45002, 443],
        ...[45003, 45004, 45005, 45006, 45007, 45008, 45009, 45010, 45011].map((p) => [p, 80]),
        [45012, 443],
        [45013, 80],
        [45014, 80],
        [45015, 80],
      ].map(([p, d]) => `${p}\t${SERVER}\t${d}`),
    );
    // The ClientHellos, one to each port (tshark told that 80 may carry TLS).
    const hellos = tshark(
      'tls.handshake.type == 1',
      ['tcp.srcport', 'tls.handshake.extensions_server_name'],
      ['-d', 'tcp.port==80,tls'],
    );
    expect(hellos).toEqual(['45008\tfiles.test', '45012\tfiles.test']);
    // Request lines tshark reads on 80.
    const lines = tshark('http.request && tcp.dstport == 80', [
      'tcp.srcport',
      'http.request.method',
      'http.request.uri',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        '45003\tCONNECT\tfiles.test:443',
        '45004\tOPTIONS\t*',
        '45010\tGET\t/',
        '45010\tPOST\t/',
        '45011\tCONNECT\tfiles.test:443',
      ]),
    );
  });

  it('one-way: refused with the fronts’ reasons; heads they read judged by name as before', async () => {
    const { r, flows } = await audit('one-way');
    expect(judged(flows)).toEqual({
      ...REFUSED,
      // Later requests on a keep-alive connection: the front reads each head again.
      45010: ['files.test allowed allowlisted', 'null blocked bad-framing'],
      45011: ['files.test allowed allowlisted', 'null blocked bad-request'],
      45012: ['files.test allowed allowlisted'],
      45013: ['files.test allowed allowlisted'],
      45014: ['files.test allowed allowlisted'],
      45015: ['files.test allowed allowlisted', 'null blocked header-too-large'],
      // Mid-connection: not the head the front read; nameless as before.
      45016: ['null blocked no-name'],
    });
    // The details say what the front saw.
    expect(flows.get(45003)!.outcome).toMatchObject({ detail: 'CONNECT on a transparent HTTP port' });
    expect(flows.get(45005)!.outcome).toMatchObject({ detail: 'differing Content-Length fields' });
    expect(flows.get(45001)!.outcome).toMatchObject({ detail: expect.stringMatching(/^TLS record type 71/) });
    // A refused connection passed nothing upstream; the report carries the reasons (schema-valid).
    expect(flows.get(45009)!.up).toBe(0);
    expect(auditReportSchema.parse(r)).toEqual(r);
    // Nameless to the gateway, they are the address's (the report names the first refusal's reason).
    const nameless = r.destinations
      .filter((x) => x.name === null && x.ips.includes(SERVER))
      .map((x) => [x.port, x.outcome.allowed, x.outcome.blocked, x.outcome.reasons])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(nameless).toEqual([
      [80, 0, 10, ['bad-request']],
      [443, 0, 3, ['not-tls']],
    ]);
    expect(r.exitCode).toBe(1);
  });

  it('monitor: the same refusals (the fronts refuse before the gate, in every mode)', async () => {
    const { flows } = await audit('monitor');
    expect(judged(flows)).toEqual({
      ...REFUSED,
      45010: ['files.test allowed monitor', 'null blocked bad-framing'],
      45011: ['files.test allowed monitor', 'null blocked bad-request'],
      45012: ['files.test allowed monitor'],
      45013: ['files.test allowed monitor'],
      45014: ['files.test allowed monitor'],
      45015: ['files.test allowed monitor', 'null blocked header-too-large'],
      45016: ['null allowed monitor'],
    });
  });

  it("the size limit is the policy's gateway.maxHeaderBytes: a 40,000-byte head read under 48 KiB, refused under 1 KiB", async () => {
    const at = async (maxHeaderBytes: number) => {
      const { flows } = await auditFlows(pcap, 'one-way', (p) => {
        p.gateway.maxHeaderBytes = maxHeaderBytes;
      });
      const j = judged(flows);
      return [j[45009], j[45015], j[45013]];
    };
    expect(await at(48 * 1024)).toEqual([
      ['files.test allowed allowlisted'],
      ['files.test allowed allowlisted', 'files.test allowed allowlisted'],
      ['files.test allowed allowlisted'],
    ]);
    expect(await at(1024)).toEqual([
      ['null blocked header-too-large'],
      ['files.test allowed allowlisted', 'null blocked header-too-large'],
      ['files.test allowed allowlisted'],
    ]);
  });
});

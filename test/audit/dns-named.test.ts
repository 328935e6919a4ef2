/**
 * A connection that carries no name of its own (a ClientHello without SNI, HTTP without Host) is
 * refused by the gateway as 'no-name' whatever the client looked up first: the gateway never
 * reads the address a client aimed at. The audit names such a flow by the capture's DNS answer
 * for its report, and must still judge it as the gateway does. The capture is written by scapy
 * (make-dns-named.py); tshark says which connection names itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';

const NAME = 'maps.example.test';
let dir: string;
let pcap: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-dnsnamed-'));
  pcap = join(dir, 'dns-named.pcap');
  execFileSync('/usr/bin/python3', [new URL('./make-dns-named.py', import.meta.url).pathname, pcap]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a flow named only by the DNS answer is refused as no-name in one-way, and listed under that name', async () => {
  // The fixture is what it says: three client requests, one SNI among them, one DNS answer.
  const sni = execFileSync('tshark', [
    '-r',
    pcap,
    '-Y',
    'tls.handshake.type == 1 || http.request',
    '-T',
    'fields',
    '-e',
    'tcp.srcport',
    '-e',
    'tls.handshake.extensions_server_name',
  ])
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
  expect(sni).toEqual([
    ['40001', ''],
    ['40002', NAME],
    ['40003', ''],
  ]);

  const policy = defaultPolicy();
  policy.network.mode = 'one-way';
  policy.network.allow = [{ host: NAME }];
  const flows: JudgedFlow[] = [];
  const r = await auditCaptures([pcap], { policy, onFlow: (f) => flows.push(f) });
  const judged = Object.fromEntries(
    flows
      .filter((f) => f.server.p !== 53)
      .map((f) => [f.client.p, [f.name, f.nameSource, f.outcome.kind, f.outcome.reason]]),
  );
  expect(judged).toEqual({
    40001: [NAME, 'dns', 'blocked', 'no-name'],
    40002: [NAME, 'sni', 'allowed', 'allowlisted'],
    40003: [NAME, 'dns', 'blocked', 'no-name'],
  });
  const tls = r.destinations.find((d) => d.port === 443)!;
  expect([tls.name, tls.outcome.allowed, tls.outcome.blocked]).toEqual([NAME, 1, 1]);
  expect(tls.outcome.detail).toContain(`the capture's DNS calls 198.18.7.7 ${NAME}`);
});

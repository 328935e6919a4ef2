/**
 * The audit names a TLS connection to an egress address as the gateway's transparent TLS front
 * does (gateway/core/transparent-head.ts readTlsHead; src/net/app/transparent-name.ts): by its SNI;
 * an IP literal there is no name, judged by the address it names (where the gateway connects,
 * not the address the client aimed at); no SNI, or one that is no host name, refused 'no-name'
 * before the gate is asked, in every mode, monitor included. The capture is written by scapy
 * (make-tls-names.py); tshark says what it holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditFlows } from './audit-flows.js';

let dir: string;
let pcap: string;
const SERVER = '198.18.7.7';

const audit = (mode: 'one-way' | 'monitor') => auditFlows(pcap, mode);

/** Per tablet port: [name the connection carried, outcome, reason, detail when blocked]. */
const judged = (flows: Map<number, JudgedFlow>) =>
  Object.fromEntries(
    [...flows].map(([port, f]) => [
      port,
      [
        f.name ?? null,
        f.outcome.kind,
        f.outcome.reason,
        ...(f.outcome.kind === 'blocked' ? [f.outcome.detail] : []),
      ],
    ]),
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-tlsnames-'));
  pcap = join(dir, 'tls-names.pcap');
  execFileSync('/usr/bin/python3', [new URL('./make-tls-names.py', import.meta.url).pathname, pcap]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS to an egress address named as the gateway names it', () => {
  it('the capture holds the ClientHellos it says (tshark)', () => {
    const hellos = execFileSync(
      'tshark',
      [
        '-n',
        '-r',
        pcap,
        '-Y',
        'tls.handshake.type == 1',
        '-T',
        'fields',
        '-e',
        'tcp.srcport',
        '-e',
        'ip.dst',
        '-e',
        'tls.handshake.extensions_server_name',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(hellos).toEqual([
      ['44001', SERVER, ''],
      ['44002', SERVER, '198.18.7.9'],
      ['44003', SERVER, 'bad name'],
      ['44004', SERVER, '10.0.0.5'],
      ['44005', SERVER, 'files.test'],
      ['44006', SERVER, '2001:db8::1'],
    ]);
  });

  it('monitor: no SNI and an SNI that is no host name refused as no-name; a literal passed by its address, a private one refused', async () => {
    const { r, flows } = await audit('monitor');
    expect(judged(flows)).toEqual({
      44001: [null, 'blocked', 'no-name', 'ClientHello without SNI'],
      44002: [null, 'allowed', 'monitor'],
      44003: [null, 'blocked', 'no-name', 'SNI is not a host name'],
      44004: [null, 'blocked', 'private-destination', expect.any(String)],
      44005: ['files.test', 'allowed', 'monitor'],
      44006: [null, 'allowed', 'monitor'],
    });
    // What the gate let through of an allowed literal: the whole ClientHello, as the gateway forwards it.
    expect(flows.get(44002)!.up).toBe(flows.get(44002)!.orig.bytes);
    // The literals are destinations by the address the SNI names, not the one the client aimed at.
    const byIp = (ip: string) =>
      r.destinations
        .filter((d) => d.name === null && d.ips.includes(ip))
        .map((d) => [d.port, d.outcome.allowed, d.outcome.blocked, d.outcome.reasons]);
    expect(byIp('198.18.7.9')).toEqual([[443, 1, 0, ['monitor']]]);
    expect(byIp('2001:db8::1')).toEqual([[443, 1, 0, ['monitor']]]);
    expect(byIp('10.0.0.5')).toEqual([[443, 0, 1, ['private-destination']]]);
    // The refused nameless ones stay under the address they were aimed at.
    expect(byIp(SERVER)).toEqual([[443, 0, 2, ['no-name']]]);
  });

  it('one-way: a literal SNI is no name (no-name), not a name off the allowlist', async () => {
    const { flows } = await audit('one-way');
    expect(judged(flows)).toEqual({
      44001: [null, 'blocked', 'no-name', 'ClientHello without SNI'],
      44002: [null, 'blocked', 'no-name', expect.any(String)],
      44003: [null, 'blocked', 'no-name', 'SNI is not a host name'],
      44004: [null, 'blocked', 'private-destination', expect.any(String)],
      44005: ['files.test', 'allowed', 'allowlisted'],
      44006: [null, 'blocked', 'no-name', expect.any(String)],
    });
  });
});

/**
 * DNS over TCP in a capture: its queries are judged like UDP ones (the gateway's DNS answers both)
 * and its answers name later connections. The capture is written by scapy; tshark (which
 * reassembles the split, reordered query) says what it holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';

let dir: string;
let pcap: string;
let tsharkDns: { response: boolean; name: string; a: string }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-dnstcp-'));
  pcap = join(dir, 'dns-tcp.pcap');
  execFileSync('/usr/bin/python3', [new URL('./make-dns-tcp.py', import.meta.url).pathname, pcap]);
  const out = execFileSync('tshark', [
    '-r',
    pcap,
    '-o',
    'tcp.reassemble_out_of_order:TRUE',
    '-Y',
    'dns && tcp',
    '-T',
    'fields',
    '-e',
    'dns.flags.response',
    '-e',
    'dns.qry.name',
    '-e',
    'dns.a',
  ]).toString();
  tsharkDns = out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    // A frame completing two messages lists both names, comma-separated.
    .flatMap(([r, n, a]) =>
      n!.split(',').map((name) => ({ response: r === '1' || r === 'True', name, a: a ?? '' })),
    );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DNS over TCP', () => {
  it('every query tshark reassembles is judged, and sealed refuses each', async () => {
    const queries = tsharkDns.filter((m) => !m.response);
    expect(queries.length).toBe(2); // the fixture is what it says: one query split and reordered
    const r = await auditCaptures([pcap], { policy: defaultPolicy() });
    const dns = r.destinations.find((d) => d.port === 53 && d.protocol === 'tcp')!;
    expect(dns.dns).toEqual({ queries: queries.length, blocked: queries.length });
    expect(dns.outcome.kind).toBe('blocked');
  });

  it('names the next connection by the TCP answer tshark reads', async () => {
    const answer = tsharkDns.find((m) => m.response && m.a !== '')!;
    const r = await auditCaptures([pcap], { policy: defaultPolicy() });
    const d = r.destinations.find((x) => x.port === 443)!;
    expect(d.name).toBe(answer.name);
    expect(d.nameSources).toContain('dns');
  });
});

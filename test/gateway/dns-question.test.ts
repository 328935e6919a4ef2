/**
 * A query's type and class leave with its name: QA found `CH TXT` and `TYPE65280` forwarded
 * unchanged to allowlisted names, 32 uncharged bits a query, logged as `TXT allow` without the
 * class. The whole gateway on loopback, Debian's dig as the client, a fake upstream resolver
 * that reads each question by hand (RFC 1035 §4.1.2) and the rows read back from the store.
 * One-way forwards only class IN and A, AAAA, CNAME, HTTPS, SVCB (REFUSED otherwise); monitor
 * forwards everything; both log the type and a class other than IN.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../src/gateway/record/open.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { DnsLogRow } from '../../src/store/types.js';
import { startLoopbackGateway } from './proxy-fixture.js';

interface Seen {
  name: string;
  type: number;
  class: number;
}
/** Every question the fake upstream was asked. */
const upstreamSaw: Seen[] = [];
const closers: (() => void)[] = [];
const dirs: string[] = [];

/** Answers every query NOERROR with no records, echoing its question; records the question. */
function startFakeUpstream(): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (q, r) => {
    if (q.length < 12 || (q[2]! & 0x80) !== 0) return;
    const labels: string[] = [];
    let i = 12;
    while (i < q.length && q[i]! > 0) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString('latin1'));
      i += 1 + q[i]!;
    }
    const end = i + 5;
    upstreamSaw.push({ name: labels.join('.'), type: q.readUInt16BE(i + 1), class: q.readUInt16BE(i + 3) });
    const head = Buffer.from(q.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt32BE(0, 6);
    head.writeUInt16BE(0, 10);
    s.send(Buffer.concat([head, q.subarray(12, end)]), r.port, r.address);
  });
  closers.push(() => s.close());
  return new Promise((res) => s.bind(0, '127.0.0.1', () => res(s.address().port)));
}

async function gateway(mode: 'one-way' | 'monitor', upstreamPort: number) {
  const dir = mkdtempSync(join(tmpdir(), `airlock-dns-question-${mode}-`));
  dirs.push(dir);
  const policy = defaultPolicy();
  policy.network = { ...policy.network, mode, allow: [{ host: '*.example.net' }] };
  policy.store.groupCommitMs = 10;
  const rec = await openRecord(policy.store, dir, 'create');
  const gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
    dnsUpstream: `127.0.0.1:${upstreamPort}`,
  });
  closers.push(() => void gw.close().then(() => rec.store.close()));
  const rows = async (name: string): Promise<DnsLogRow[]> => {
    await gw.flushLog();
    return (await rec.store.logRows(0, 100_000))
      .map((r) => r.row)
      .filter((r): r is DnsLogRow => r.kind === 'dns' && r.qname === name);
  };
  return { gw, rows };
}

/** dig over UDP; its status line (NOERROR, REFUSED…). */
async function dig(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    '+tries=1',
    '+time=3',
    '+noedns',
    ...args,
  ]);
  return /status: ([A-Z]+)/.exec(stdout)?.[1] ?? stdout;
}

let oneWay: Awaited<ReturnType<typeof gateway>>;
let monitor: Awaited<ReturnType<typeof gateway>>;

beforeAll(async () => {
  const up = await startFakeUpstream();
  oneWay = await gateway('one-way', up);
  monitor = await gateway('monitor', up);
}, 30_000);

afterAll(async () => {
  for (const c of closers.reverse()) c();
  await new Promise((r) => setTimeout(r, 200));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('query type and class (one-way)', () => {
  it('refuses class CH and type 65280 to an allowlisted name, never forwarded, logged with class and type', async () => {
    const port = oneWay.gw.dns.port;
    expect(await dig(port, 'abc.example.net', 'CH', 'TXT')).toBe('REFUSED');
    expect(await dig(port, 'def.example.net', 'TYPE65280')).toBe('REFUSED');
    expect(await dig(port, 'ghi.example.net', 'TXT')).toBe('REFUSED');
    expect(upstreamSaw.map((q) => q.name)).not.toContain('abc.example.net');
    expect(upstreamSaw.map((q) => q.name)).not.toContain('def.example.net');
    expect(upstreamSaw.map((q) => q.name)).not.toContain('ghi.example.net');
    const [abc] = await oneWay.rows('abc.example.net');
    expect(abc).toMatchObject({ qtype: 'TXT', qclass: 'CH', verdict: 'block', reason: 'dns-class-refused' });
    const [def] = await oneWay.rows('def.example.net');
    expect(def).toMatchObject({ qtype: 'TYPE65280', verdict: 'block', reason: 'dns-type-refused' });
    expect(def!.qclass).toBeUndefined();
    const [ghi] = await oneWay.rows('ghi.example.net');
    expect(ghi).toMatchObject({ qtype: 'TXT', verdict: 'block', reason: 'dns-type-refused' });
  });

  it('forwards A, AAAA and HTTPS of class IN as asked, logged without a class', async () => {
    const port = oneWay.gw.dns.port;
    for (const t of ['A', 'AAAA', 'HTTPS']) expect(await dig(port, 'tiles.example.net', t)).toBe('NOERROR');
    expect(upstreamSaw.filter((q) => q.name === 'tiles.example.net')).toEqual([
      { name: 'tiles.example.net', type: 1, class: 1 },
      { name: 'tiles.example.net', type: 28, class: 1 },
      { name: 'tiles.example.net', type: 65, class: 1 },
    ]);
    const rows = await oneWay.rows('tiles.example.net');
    expect(rows.map((r) => [r.qtype, r.qclass, r.verdict, r.reason])).toEqual([
      ['A', undefined, 'allow', 'allowlisted'],
      ['AAAA', undefined, 'allow', 'allowlisted'],
      ['HTTPS', undefined, 'allow', 'allowlisted'],
    ]);
  });
});

describe('query type and class (monitor)', () => {
  it('forwards CH TXT and type 65280 unchanged, logging class and type', async () => {
    const port = monitor.gw.dns.port;
    expect(await dig(port, 'mon.example.org', 'CH', 'TXT')).toBe('NOERROR');
    expect(await dig(port, 'mon2.example.org', 'CLASS4', 'TYPE65280')).toBe('NOERROR');
    expect(upstreamSaw).toContainEqual({ name: 'mon.example.org', type: 16, class: 3 });
    expect(upstreamSaw).toContainEqual({ name: 'mon2.example.org', type: 65280, class: 4 });
    expect(await monitor.rows('mon.example.org')).toMatchObject([
      { qtype: 'TXT', qclass: 'CH', verdict: 'allow', reason: 'monitor' },
    ]);
    expect(await monitor.rows('mon2.example.org')).toMatchObject([
      { qtype: 'TYPE65280', qclass: 'HS', verdict: 'allow', reason: 'monitor' },
    ]);
  });
});

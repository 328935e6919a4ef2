/**
 * Query names as an upload channel, through real sockets: the whole gateway on loopback in
 * one-way mode, its DNS port forwarding to a fake upstream resolver and its proxy resolving
 * through a real DNS client aimed at the same fake (the system resolver cannot be pointed at a
 * test server). The fake counts every query it receives: an over-long name, or a new name once
 * its '*.' entry's hourly budget is spent, must never reach it, whichever listener was asked.
 */
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/gateway.js';
import { cachingResolve } from '../../src/gateway/io/resolve.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { nameOf } from '../helpers/names.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const PER_HOUR = 1000;
const MAX_NAME = 128;
const dir = mkdtempSync(join(tmpdir(), 'airlock-dns-names-'));
/** Every name the fake upstream resolver was asked, in order. */
const upstreamSaw: string[] = [];
let upstreamPort = 0;
let webPort = 0;
let gw: RunningGateway;
let rec: Awaited<ReturnType<typeof openRecord>>;
const closers: (() => void)[] = [];

/** The question's name, read by hand (RFC 1035 §4.1.2; queries carry no compression). */
function qname(q: Buffer): string {
  const labels: string[] = [];
  let i = 12;
  while (i < q.length && q[i]! > 0) {
    labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString('latin1'));
    i += 1 + q[i]!;
  }
  return labels.join('.').toLowerCase();
}

/** Answers every A query with 127.0.0.1 (TTL 60), every other type with no records; counts names. */
function startFakeUpstream(): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (q, r) => {
    if (q.length < 12 || (q[2]! & 0x80) !== 0) return;
    upstreamSaw.push(qname(q));
    const qEnd = 12 + q.subarray(12).indexOf(0) + 5;
    const type = q.readUInt16BE(qEnd - 4);
    const head = Buffer.from(q.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(type === 1 ? 1 : 0, 6);
    head.writeUInt32BE(0, 8);
    const answer = type === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : [];
    s.send(Buffer.concat([head, q.subarray(12, qEnd), Buffer.from(answer)]), r.port, r.address);
  });
  closers.push(() => s.close());
  return new Promise((res) => s.bind(0, '127.0.0.1', () => res(s.address().port)));
}

/** A client of the gateway's DNS port: the A addresses, or the error code (ENOTFOUND for NXDOMAIN). */
async function askDnsPort(name: string): Promise<string[] | string> {
  const r = new Resolver({ timeout: 3000, tries: 1 });
  r.setServers([`127.0.0.1:${gw.dns.port}`]);
  try {
    return await r.resolve4(name);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

/** One proxied GET for http://name:webPort/; the response status. */
function viaProxy(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: gw.proxy.port }, () =>
      s.write(
        `GET http://${name}:${webPort}/ HTTP/1.1\r\nHost: ${name}:${webPort}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m ? Number(m[1]) : 0);
    });
    s.on('error', reject);
  });
}

async function connectionRows() {
  await gw.flushLog();
  return (await rec.store.logRows(0, 100_000)).map((r) => r.row).filter((r) => r.kind === 'connection');
}

beforeAll(async () => {
  const web: Server = createHttpServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((res) => web.listen(0, '127.0.0.1', () => res()));
  webPort = (web.address() as AddressInfo).port;
  closers.push(() => web.close());
  upstreamPort = await startFakeUpstream();

  const policy = defaultPolicy();
  policy.network = {
    ...policy.network,
    mode: 'one-way',
    allow: [{ host: '*.example.net', ports: [webPort], budget: { upstreamBytesPerHour: PER_HOUR } }],
    allowedPrivateCidrs: ['127.0.0.0/8'],
    dns: { maxNameLength: MAX_NAME, maxQueriesPerMinute: 1000 },
  };
  policy.store.groupCommitMs = 10;
  rec = await openRecord(policy.store, dir, 'create');
  // The proxy's lookups go out as real DNS queries to the fake, through the gateway's cache.
  const lookups = new Resolver({ timeout: 3000, tries: 1 });
  lookups.setServers([`127.0.0.1:${upstreamPort}`]);
  const cached = cachingResolve((host) => lookups.resolve4(host), 2000);
  gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
    dnsUpstream: `127.0.0.1:${upstreamPort}`,
    // As the gateway composes it: lookups joined and kept for 2 s (cachingResolve).
    resolve: async (host) => [...(await cached(host))],
  });
}, 30_000);

afterAll(async () => {
  await gw?.close();
  await rec?.store.close();
  for (const c of closers) c();
  rmSync(dir, { recursive: true, force: true });
});

describe('query names through the real listeners (one-way)', () => {
  it('over-long names under the wildcard never reach the upstream resolver, from either listener', async () => {
    const at = nameOf(MAX_NAME, 'len');
    const over = nameOf(MAX_NAME + 1, 'len');
    const qa = nameOf(183, 'qa7');
    expect(await askDnsPort(at)).toEqual(['127.0.0.1']);
    expect(await askDnsPort(over)).toBe('ENOTFOUND');
    expect(await viaProxy(over)).toBe(403);
    expect(await viaProxy(qa)).toBe(403);
    expect(upstreamSaw).toContain(at);
    expect(upstreamSaw).not.toContain(over);
    expect(upstreamSaw).not.toContain(qa);
    const rows = await connectionRows();
    expect(rows.filter((r) => r.name === over || r.name === qa).map((r) => r.reason)).toEqual([
      'dns-name-too-long',
      'dns-name-too-long',
    ]);
  });

  it('once the entry hour is spent by names, new names reach the resolver from neither listener', async () => {
    // The first test sent one 128-byte name. A short name now (13), then new 110-byte names
    // until the DNS port refuses: 141 + 7 × 110 = 911; an 8th would make 1021 > 1000.
    const short = 'w.example.net';
    expect(await askDnsPort(short)).toEqual(['127.0.0.1']);
    const before = upstreamSaw.length;
    const sent: string[] = [];
    let refused = '';
    for (let i = 0; i < 20 && !refused; i++) {
      const name = nameOf(110, `b${i}d`);
      if ((await askDnsPort(name)) === 'ENOTFOUND') refused = name;
      else sent.push(name);
    }
    expect(sent.length).toBe(7);
    expect(upstreamSaw.slice(before)).toEqual(sent);
    // A new name is refused by the proxy too: never looked up, logged with the reason.
    const fresh = nameOf(110, 'fresh');
    expect(await viaProxy(fresh)).toBe(403);
    expect(upstreamSaw).not.toContain(refused);
    expect(upstreamSaw).not.toContain(fresh);
    expect((await connectionRows()).filter((r) => r.name === fresh).map((r) => r.reason)).toEqual([
      'name-budget-spent',
    ]);
    // Names already sent this hour still resolve, and an allowed download still works (its
    // small request head fits in the 89 bytes left).
    expect(await askDnsPort(sent[0]!)).toEqual(['127.0.0.1']);
    expect(await viaProxy(short)).toBe(200);
  });
});

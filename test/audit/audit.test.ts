/**
 * The audit core over the real corpus, judged against tshark and against the policy's own
 * numbers: the putty upload is an upload whose byte counts equal tshark's tcp.len sums; an FTP
 * RETR is a download; mDNS is local; names equal tshark's SNI/Host; and the gate replay gives
 * blocked-at-connect (sealed), cut after exactly the budget (one-way), allowed (monitor, or an
 * unlock window).
 */
import { describe, expect, it } from 'vitest';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { Policy } from '../../src/policy/types.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { clientNames, tcpPayloadByStream } from './tshark.js';

const PUTTY = corpusFile('pcap/zeek-http-putty-upload.pcap');
const FTP = corpusFile('pcap/zeek-ftp-retr.pcap');
const MDNS = corpusFile('pcap/zeek-dns-mdns.pcap');
/** A 160-byte POST to httpbin.org:80, the capture's only destination. */
const POST = corpusFile('pcap/zeek-http-post.pcap');

const withNetwork = (f: (p: Policy) => void): Policy => {
  const p = defaultPolicy();
  f(p);
  return p;
};
const monitor = withNetwork((p) => {
  p.network.mode = 'monitor';
});
/**
 * One-way, the putty host allowlisted on its port (8080: an entry allows 443 and 80 unless it
 * lists its own) with a small budget, loopback named as an allowed upstream.
 */
const BUDGET = 5000;
const oneWayPutty = withNetwork((p) => {
  p.network.mode = 'one-way';
  p.network.allow = [{ host: 'localhost', ports: [8080], budget: { upstreamBytesPerConnection: BUDGET } }];
  p.network.allowedPrivateCidrs = ['127.0.0.0/8'];
});

describe('verdicts against tshark', () => {
  it('zeek-http-putty-upload.pcap is an upload whose bytes up and down equal tshark tcp.len sums', async () => {
    const r = await auditCaptures([PUTTY], { policy: defaultPolicy() });
    const streams = [...tcpPayloadByStream(PUTTY).values()];
    const up = streams.reduce((a, s) => a + s.up, 0);
    const down = streams.reduce((a, s) => a + s.down, 0);
    expect(up).toBeGreaterThan(80_000); // the fixture is what it is said to be
    const d = r.destinations.find((x) => x.name === 'localhost' && x.port === 8080)!;
    expect(d.verdict).toBe('upload');
    expect(d.orig.bytes).toBe(up);
    expect(d.resp.bytes).toBe(down);
    expect(d.maxConnectionUp).toBe(Math.max(...streams.map((s) => s.up)));
    expect(d.connections).toBe(streams.length);
    // Loopback is local traffic under the default policy.
    expect(d.scope).toBe('local');
  });

  it('zeek-ftp-retr.pcap: the data connection is a download whose bytes equal tshark tcp.len', async () => {
    const r = await auditCaptures([FTP], { policy: defaultPolicy() });
    const streams = [...tcpPayloadByStream(FTP).values()];
    const data = streams.reduce((a, s) => (s.down > a.down ? s : a));
    const port = Number(data.client.split(':').pop());
    expect(port).toBeGreaterThan(0);
    const downloads = r.destinations.filter((d) => d.verdict === 'download');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.resp.bytes).toBe(data.down);
    expect(downloads[0]!.orig.bytes).toBe(data.up);
    expect(r.summary.byVerdict.upload).toBe(0);
  });

  it('zeek-dns-mdns.pcap is local, never egress', async () => {
    const r = await auditCaptures([MDNS], { policy: defaultPolicy() });
    expect(r.destinations.length).toBeGreaterThan(0);
    expect(r.summary.egress).toBe(0);
    expect(r.destinations.some((d) => d.port === 5353 && d.scope === 'local')).toBe(true);
  });
});

describe('names', () => {
  for (const f of corpusDir('pcap').filter((p) => p.endsWith('.pcap'))) {
    const names = clientNames(f);
    if (names.size === 0) continue;
    it(`${f.split('/').pop()}: SNI and Host names equal tshark's`, async () => {
      const r = await auditCaptures([f], { policy: defaultPolicy() });
      const fromClient = ['sni', 'quic-sni', 'http-host'];
      const mine = new Set(
        r.destinations.filter((d) => d.nameSources.some((s) => fromClient.includes(s))).map((d) => d.name),
      );
      expect(mine).toEqual(names);
    });
  }

  it('QUIC: the chromium capture is named from its Initial (tshark names the same SNI)', async () => {
    const f = corpusFile('pcap/zeek-quic-chromium-115.0.5790.110-api-cirrus-com.pcap');
    const r = await auditCaptures([f], { policy: defaultPolicy() });
    const [sni] = clientNames(f);
    const d = r.destinations.find((x) => x.protocol === 'udp' && x.port === 443)!;
    expect(d.name).toBe(sni);
    expect(d.nameSources).toEqual(['quic-sni']);
  });

  it('a flow without SNI or Host is named by the DNS answer the capture carried', async () => {
    // zeek-dns53.pcap answers us.v27.distributed.net; any flow to those addresses would be named so.
    const r = await auditCaptures([corpusFile('pcap/zeek-dns53.pcap')], { policy: defaultPolicy() });
    expect(r.destinations.every((d) => d.nameSources.includes('none') || d.name !== null)).toBe(true);
  });
});

describe('policy replay through the egress gate', () => {
  it('sealed: every egress destination is blocked at connect, exit 1', async () => {
    const files = corpusDir('pcap').filter((p) => p.endsWith('.pcap'));
    const r = await auditCaptures(files, { policy: defaultPolicy() });
    const egress = r.destinations.filter((d) => d.scope === 'egress');
    expect(egress.length).toBeGreaterThan(5);
    for (const d of egress)
      expect([d.name ?? d.ips[0], d.outcome.kind]).toEqual([d.name ?? d.ips[0], 'blocked']);
    expect(r.exitCode).toBe(1);
  });

  it('one-way with the putty host allowlisted and a small budget: the upload is cut after exactly the budget', async () => {
    const r = await auditCaptures([PUTTY], { policy: oneWayPutty });
    const d = r.destinations.find((x) => x.name === 'localhost')!;
    expect(d.scope).toBe('egress');
    expect(d.outcome.cut).toBe(1);
    expect(d.outcome.cutAfterBytes).toBe(BUDGET);
    expect(d.outcome.reasons).toContain('connection-budget');
    // The small connection (under the budget) went through.
    expect(d.outcome.allowed).toBe(1);
    expect(r.exitCode).toBe(1);
  });

  it('monitor: everything allowed but a ClientHello without SNI, which the gateway refuses in every mode (exit 1)', async () => {
    const files = corpusDir('pcap').filter((p) => p.endsWith('.pcap'));
    const r = await auditCaptures(files, { policy: monitor });
    expect(r.summary.byOutcome.cut).toBe(0);
    expect(r.summary.byOutcome.blocked).toBe(1);
    expect(r.summary.byOutcome.allowed).toBe(r.summary.connections - 1);
    // zeek-tls-tls1.2.pcap: the transparent TLS front has no name to connect to (transparent-head.ts).
    const blocked = r.destinations.filter((d) => d.outcome.blocked > 0);
    expect(blocked.map((d) => [d.ips, d.port, d.outcome.reasons, d.outcome.detail])).toEqual([
      [['68.233.76.12'], 443, ['no-name'], expect.stringContaining('ClientHello without SNI')],
    ]);
    expect(r.exitCode).toBe(1);
  });

  it('an unlock window over the capture turns a cut into allowed', async () => {
    // A window opens 443 and 80 of its host: the POST to httpbin.org:80, over a 64-byte budget.
    const policy = withNetwork((p) => {
      p.network.mode = 'one-way';
      p.network.allow = [{ host: 'httpbin.org', budget: { upstreamBytesPerConnection: 64 } }];
    });
    const cut = await auditCaptures([POST], { policy });
    expect(cut.destinations.find((x) => x.name === 'httpbin.org')!.outcome.cutAfterBytes).toBe(64);
    const window = { host: 'httpbin.org', fromMs: 0, untilMs: Date.UTC(2100, 0, 1), reason: 'test' };
    const r = await auditCaptures([POST], { policy, windows: [window] });
    const d = r.destinations.find((x) => x.name === 'httpbin.org')!;
    expect(d.outcome.kind).toBe('allowed');
    expect(d.outcome.reasons).toEqual(['unlock-window']);
    expect(r.exitCode).toBe(0);
  });

  it('a window for the putty host does not open 8080, which its entry does not list', async () => {
    const policy = withNetwork((p) => {
      p.network.mode = 'one-way';
      p.network.allow = [{ host: 'localhost' }];
      p.network.allowedPrivateCidrs = ['127.0.0.0/8'];
    });
    const window = { host: 'localhost', fromMs: 0, untilMs: Date.UTC(2100, 0, 1), reason: 'test' };
    for (const windows of [[], [window]]) {
      const r = await auditCaptures([PUTTY], { policy, windows });
      const d = r.destinations.find((x) => x.name === 'localhost' && x.port === 8080)!;
      expect(d.outcome).toMatchObject({ kind: 'blocked', allowed: 0, cut: 0, reasons: ['port-not-allowed'] });
      expect(r.exitCode).toBe(1);
    }
  });

  it('a window that closed before the capture changes nothing', async () => {
    const window = { host: 'localhost', fromMs: 0, untilMs: 1000, reason: 'long ago' };
    const r = await auditCaptures([PUTTY], { policy: oneWayPutty, windows: [window] });
    expect(r.destinations.find((x) => x.name === 'localhost')!.outcome.cutAfterBytes).toBe(BUDGET);
  });
});

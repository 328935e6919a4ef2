/**
 * Names read from every corpus capture equal tshark's (Debian's 4.0, the independent oracle): TLS
 * and QUIC SNIs, HTTP Host fields, DNS questions and A/AAAA records frame by frame.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DNS_TYPE } from '../../../src/net/app/dns.js';
import { corpusDir } from '../../helpers/corpus.js';
import { type CaptureNames, namesIn as readNames } from './names-from-capture.js';

const run = promisify(execFile);
const pcaps = corpusDir('pcap').filter((p) => p.endsWith('.pcap'));

async function tsharkFields(path: string, fields: string[]): Promise<string[][]> {
  const { stdout } = await run(
    'tshark',
    ['-n', '-r', path, '-T', 'fields', '-E', 'separator=\t', ...fields.flatMap((f) => ['-e', f])],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const cache = new Map<string, Promise<CaptureNames>>();
const namesIn = (path: string): Promise<CaptureNames> => {
  if (!cache.has(path)) cache.set(path, readNames(path));
  return cache.get(path)!;
};

const split = (s: string | undefined) => (s ? s.split(',') : []);

describe('names in the corpus captures equal tshark', () => {
  it('the corpus has the captures this test is about', () => {
    const names = pcaps.map((p) => basename(p));
    expect(names).toContain('zeek-quic-chromium-115.0.5790.110-api-cirrus-com.pcap');
    expect(names.filter((n) => n.startsWith('zeek-dns')).length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => n.startsWith('zeek-http-')).length).toBeGreaterThanOrEqual(5);
  });

  for (const path of pcaps) {
    const name = basename(path);
    it(`${name}: SNIs (TLS and QUIC) and HTTP Host fields`, async () => {
      const [mine, oracle] = await Promise.all([
        namesIn(path),
        tsharkFields(path, ['tls.handshake.extensions_server_name', 'http.host']),
      ]);
      const sni = oracle.flatMap((r) => split(r[0]));
      const hosts = [...new Set(oracle.flatMap((r) => split(r[1])))].sort();
      expect([...mine.sni].sort()).toEqual([...sni].sort());
      expect([...new Set(mine.hosts)].sort()).toEqual(hosts);
    });

    if (!name.startsWith('zeek-dns') && !name.includes('dns')) continue;
    it(`${name}: DNS questions and A/AAAA records, frame by frame`, async () => {
      const [mine, oracle] = await Promise.all([
        namesIn(path),
        tsharkFields(path, ['frame.number', 'dns.qry.name', 'dns.a', 'dns.aaaa']),
      ]);
      const expected = oracle
        .filter((r) => r[1] || r[2] || r[3])
        .map((r) => ({ frame: Number(r[0]), q: split(r[1]), a: split(r[2]), aaaa: split(r[3]) }));
      const got = [...mine.dns.entries()]
        .filter(([, m]) => m.questions.length > 0 || m.records.length > 0)
        .map(([frame, m]) => ({
          frame,
          q: m.questions.map((q) => q.name),
          a: m.records
            .filter((r) => r.type === DNS_TYPE.A && r.data.kind === 'address')
            .map((r) => (r.data as { address: string }).address),
          aaaa: m.records
            .filter((r) => r.type === DNS_TYPE.AAAA)
            .map((r) => (r.data as { address: string }).address),
        }));
      expect(expected.length).toBeGreaterThan(0);
      expect(got).toEqual(expected);
    });
  }

  it('the QUIC capture: the hello is read from client Initial packets and names api.cirrus-ci.com', async () => {
    const mine = await namesIn(pcaps.find((p) => p.includes('quic-chromium'))!);
    expect(mine.sni).toEqual(['api.cirrus-ci.com']);
    expect(mine.quic.some((q) => q.initialPackets >= 1 && q.cryptoPackets >= 1)).toBe(true);
  });
});

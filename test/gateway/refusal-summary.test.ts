/**
 * Refusals over a rate or count limit (refusal-summary.ts): the first of a burst per (client,
 * reason) is a row as before, the rest of the window ONE summary row with the count, first and
 * last time and (DNS) a bounded, escaped set of names; the number of open bursts is capped.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { renderLogCsv, renderLogLine } from '../../src/gateway/record/log-export.js';
import {
  escapeName,
  MAX_SUMMARY_NAME_CHARS,
  MAX_SUMMARY_NAMES,
  OTHER_CLIENTS,
  RefusalSummaries,
} from '../../src/gateway/record/refusal-summary.js';
import { rowJson } from '../../src/store/row-json.js';
import type { ConnectionLogRow, DnsLogRow, LogRow } from '../../src/store/types.js';

const T0 = 1_700_000_000_000;

function harness(opts: { maxOpen?: number } = {}) {
  const rows: LogRow[] = [];
  const clock = { now: T0 };
  const s = new RefusalSummaries((r) => rows.push(r), { windowMs: 1000, now: () => clock.now, ...opts });
  return { rows, clock, s };
}

const dns = (client: string, qname: string, tsMs: number, reason = 'dns-rate'): DnsLogRow => ({
  kind: 'dns',
  tsMs,
  client,
  qname,
  qtype: 'A',
  mode: 'one-way',
  verdict: 'block',
  reason,
});

const refused = (peer: string, tsMs: number): ConnectionLogRow => ({
  kind: 'connection',
  tsMs,
  client: peer,
  destination: '',
  ip: '',
  port: 0,
  proto: 'tcp',
  mode: 'one-way',
  verdict: 'block',
  reason: 'connection-limit',
  bytesUp: 0,
  bytesDown: 0,
  endMs: tsMs,
});

describe('refusal summaries', () => {
  it('a flood of malformed DNS packets is summarized like a rate refusal (one datagram costs nothing to send)', () => {
    const { rows, clock, s } = harness();
    for (let i = 0; i < 1000; i++) s.add(dns('10.0.0.7', '', T0 + i / 2, 'dns-malformed'));
    clock.now = T0 + 1000;
    s.sweep();
    expect(rows.map((r) => [(r as DnsLogRow).reason, (r as DnsLogRow).count])).toEqual([
      ['dns-malformed', undefined],
      ['dns-malformed', 999],
    ]);
  });

  it('a burst of N over-limit queries from one client: the first row, then one summary of N-1', () => {
    const { rows, clock, s } = harness();
    const N = 5000;
    for (let i = 0; i < N; i++) s.add(dns('10.0.0.9', `q${i % 3}.example`, T0 + (i * 900) / N));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(dns('10.0.0.9', 'q0.example', T0));
    clock.now = T0 + 1000;
    s.sweep();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      kind: 'dns',
      tsMs: T0 + 900 / N,
      client: '10.0.0.9',
      qname: '',
      qtype: '',
      mode: 'one-way',
      verdict: 'block',
      reason: 'dns-rate',
      count: N - 1,
      lastMs: T0 + ((N - 1) * 900) / N,
      qnames: 'q1.example q2.example q0.example',
    });
    // The summary is a flat row: the fast canonical text, exactly canonicalJson.
    expect(rowJson(rows[1]!)).toBe(canonicalJson(rows[1]));
    // A window without refusals ends the burst; the next one is a first again.
    clock.now = T0 + 2000;
    s.sweep();
    expect(s.openCount).toBe(0);
    s.add(dns('10.0.0.9', 'again.example', clock.now));
    expect(rows).toHaveLength(3);
    expect((rows[2] as DnsLogRow).qname).toBe('again.example');
  });

  it('a burst that goes on gets one summary row per window', () => {
    const { rows, clock, s } = harness();
    for (let i = 0; i < 30; i++) {
      s.add(dns('10.0.0.9', 'x.example', clock.now));
      clock.now += 100;
      s.sweep();
    }
    // 3 s: the first row, and a summary as each window closed.
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBeLessThanOrEqual(4);
    s.flush();
    const total = rows.reduce((n, r) => n + (r.kind === 'dns' ? (r.count ?? 1) : 0), 0);
    expect(total).toBe(30);
  });

  it('two clients: separate bursts, separate summaries', () => {
    const { rows, s } = harness();
    for (let i = 0; i < 10; i++) {
      s.add(dns('10.0.0.2', 'a.example', T0 + i));
      s.add(dns('10.0.0.3', 'b.example', T0 + i));
    }
    expect(rows.map((r) => (r as DnsLogRow).client)).toEqual(['10.0.0.2', '10.0.0.3']);
    s.flush();
    const summaries = rows.filter((r) => r.kind === 'dns' && r.count !== undefined) as DnsLogRow[];
    expect(summaries.map((r) => [r.client, r.count, r.qnames])).toEqual([
      ['10.0.0.2', 9, 'a.example'],
      ['10.0.0.3', 9, 'b.example'],
    ]);
  });

  it('names: at most MAX_SUMMARY_NAMES, escaped and bounded, the rest counted', () => {
    const { rows, s } = harness();
    const long = `${'a'.repeat(300)}.example`;
    const names = ['x y.example', 'back\\slash', 'ctl\u0001\n.example', long, 'n4', 'n5', 'n6', 'n4'];
    s.add(dns('10.0.0.2', 'first.example', T0));
    for (const n of names) s.add(dns('10.0.0.2', n, T0 + 1));
    s.flush();
    const sum = rows[1] as DnsLogRow;
    const kept = sum.qnames!.split(' ');
    expect(kept).toHaveLength(MAX_SUMMARY_NAMES);
    expect(kept.slice(0, 3)).toEqual(['x\\x20y.example', 'back\\x5cslash', 'ctl\\x01\\x0a.example']);
    expect(kept[3]!.length).toBeLessThanOrEqual(MAX_SUMMARY_NAME_CHARS);
    expect(kept[3]!.endsWith('...')).toBe(true);
    expect(sum.qnamesMore).toBe(2);
    expect(sum.count).toBe(names.length);
    expect(escapeName('é')).toBe('\\xc3\\xa9');
  });

  it('caps the open bursts: clients beyond it are one summary row for other clients', () => {
    const { rows, s } = harness({ maxOpen: 4 });
    for (let c = 0; c < 1000; c++)
      for (let k = 0; k < 3; k++) s.add(dns(`10.1.${c >> 8}.${c & 255}`, 'q', T0));
    expect(s.openCount).toBe(4);
    // The first 4 clients' first rows; nobody else is a row of their own.
    expect(rows).toHaveLength(4);
    s.flush();
    const other = rows.filter((r) => (r as DnsLogRow).client === OTHER_CLIENTS) as DnsLogRow[];
    expect(other).toHaveLength(1);
    expect(other[0]!.count).toBe(996 * 3);
    expect(rows).toHaveLength(4 + 4 + 1);
    expect(rows.reduce((n, r) => n + ((r as DnsLogRow).count ?? 1), 0)).toBe(3000);
  });

  it('connection-limit: keyed by the client address (any port), a summary row with the count', () => {
    const { rows, s } = harness();
    for (let i = 0; i < 6; i++) s.add(refused(`127.0.0.1:${40000 + i}`, T0 + i * 10));
    for (let i = 0; i < 3; i++) s.add(refused(`[::1]:${40000 + i}`, T0 + i));
    expect(rows.map((r) => (r as ConnectionLogRow).client)).toEqual(['127.0.0.1:40000', '[::1]:40000']);
    s.flush();
    expect(rows.slice(2).map((r) => [(r as ConnectionLogRow).client, (r as ConnectionLogRow).count])).toEqual(
      [
        ['127.0.0.1', 5],
        ['::1', 2],
      ],
    );
    const sum = rows[2] as ConnectionLogRow;
    expect([sum.tsMs, sum.lastMs, sum.endMs]).toEqual([T0 + 10, T0 + 50, T0 + 50]);
    expect(rowJson(sum)).toBe(canonicalJson(sum));
  });

  it('other refusals and allowed rows are never summarized', () => {
    const { rows, s } = harness();
    for (let i = 0; i < 5; i++) {
      s.add(dns('10.0.0.2', 'n.example', T0, 'not-allowlisted'));
      s.add({ ...refused('10.0.0.2:1', T0), reason: 'handshake-timeout' });
    }
    expect(rows).toHaveLength(10);
  });

  it('stop() writes what is pending', () => {
    const { rows, s } = harness();
    s.add(dns('10.0.0.2', 'a', T0));
    s.add(dns('10.0.0.2', 'b', T0 + 5));
    s.stop();
    expect(rows).toHaveLength(2);
    expect((rows[1] as DnsLogRow).count).toBe(1);
  });

  it('log show and export carry the count', () => {
    const row: DnsLogRow = {
      ...dns('10.0.0.9', '', T0),
      qtype: '',
      count: 4884,
      lastMs: T0 + 1000,
      qnames: 'a.example b.example',
      qnamesMore: 7,
    };
    const c = { seq: 2, row, prevMac: 'p', mac: 'm' };
    expect(renderLogLine(c)).toMatch(/× 4,884 more in 1\.0 s names: a\.example, b\.example \(\+7 other\)/);
    const [header, line] = renderLogCsv([c]).trim().split('\n');
    const cols = header!.split(',');
    const vals = line!.split(',');
    const at = (k: string) => vals[cols.indexOf(k)];
    expect([at('count'), at('last'), at('qnames'), at('qnames_more')]).toEqual([
      '4884',
      new Date(T0 + 1000).toISOString(),
      'a.example b.example',
      '7',
    ]);
  });
});

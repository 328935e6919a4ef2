/**
 * The join of `airlock log reconcile` (audit/reconcile.ts), case by case: which row goes with
 * which connection, and what counts as the same answer. End to end against a live gateway and a
 * real capture: test/gateway/audit-agrees.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  addressOf,
  type CapturedConnection,
  type CapturedQuery,
  type Finding,
  reconcile,
  reconcileDns,
} from '../../src/audit/reconcile.js';
import type { ConnectionLogRow, DnsLogRow } from '../../src/store/types.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const TABLET = '192.168.77.2';

function line(port: number, atMs: number, o: Partial<CapturedConnection> = {}): CapturedConnection {
  return {
    ts: new Date(atMs).toISOString(),
    client: `${TABLET}:${port}`,
    server: '198.18.0.5:443',
    proto: 'tcp',
    scope: 'egress',
    name: 'files.test',
    nameSource: 'sni',
    port: 443,
    outcome: 'allowed',
    reason: 'allowlisted',
    up: 900,
    ...o,
  };
}

function row(port: number, atMs: number, o: Partial<ConnectionLogRow> = {}): ConnectionLogRow {
  return {
    kind: 'connection',
    tsMs: atMs,
    client: `${TABLET}:${port}`,
    destination: 'files.test',
    name: 'files.test',
    ip: '198.18.0.5',
    port: 443,
    proto: 'tcp',
    mode: 'one-way',
    verdict: 'allow',
    reason: 'allowlisted',
    bytesUp: 900,
    bytesDown: 5000,
    endMs: atMs + 50,
    ...o,
  };
}

const all = (_: CapturedConnection): boolean => true;
const run = (lines: CapturedConnection[], rows: ConnectionLogRow[], seen = all): Finding[] =>
  reconcile(
    lines,
    rows.map((r, i) => ({ seq: i + 1, row: r })),
    { seen, toleranceMs: 2000 },
  );
const kinds = (fs: Finding[]) => fs.map((f) => `${f.kind}${'seq' in f ? ` ${f.seq}` : ''}`);

describe('log reconcile: the join', () => {
  it('a connection and its row with the same answer agree', () => {
    expect(kinds(run([line(41000, T0)], [row(41000, T0 + 3)]))).toEqual(['agree 1']);
  });

  it('a keep-alive connection: its rows go to its requests in order', () => {
    const lines = [line(41000, T0), line(41000, T0 + 400, { up: 300 })];
    const rows = [row(41000, T0 + 2), row(41000, T0 + 401, { bytesUp: 300 })];
    expect(kinds(run(lines, rows))).toEqual(['agree 1', 'agree 2']);
  });

  it('the same answer but other bytes up: differs, on up', () => {
    const [f] = run([line(41000, T0, { up: 70_000 })], [row(41000, T0, { bytesUp: 65_536 })]);
    expect(f).toMatchObject({
      kind: 'differ',
      fields: ['up'],
      logged: { up: 65_536 },
      captured: { up: 70_000 },
    });
  });

  it('a cut: logged as an allowed row with a budget cut, captured as cut at the same byte', () => {
    const l = line(41000, T0, { outcome: 'cut', reason: 'connection-budget', up: 65_536 });
    const r = row(41000, T0, { cut: 'connection-budget', bytesUp: 65_536 });
    expect(kinds(run([l], [r]))).toEqual(['agree 1']);
    expect(run([l], [row(41000, T0, { bytesUp: 65_536 })])[0]).toMatchObject({
      fields: ['decision', 'reason'],
    });
  });

  it('a connection the gateway must have seen, without a row: not logged; one it cannot see: nothing', () => {
    const dropped = line(41001, T0, { server: '198.18.0.5:853', port: 853 });
    const seen = (c: CapturedConnection) => c.port !== 853;
    expect(kinds(run([line(41000, T0), dropped], [], seen))).toEqual(['not-logged']);
  });

  it('a row without a connection in the capture: not captured', () => {
    expect(kinds(run([line(41000, T0)], [row(41000, T0), row(41002, T0 + 100)]))).toEqual([
      'agree 1',
      'not-captured 2',
    ]);
  });

  it('a row too far in time from the connection on its port is not its row', () => {
    expect(kinds(run([line(41000, T0)], [row(41000, T0 + 5000)]))).toEqual(['not-captured 1', 'not-logged']);
  });

  it('a port used again: each connection its own row; a row missing for the first does not shift the second', () => {
    const lines = [line(41000, T0), line(41000, T0 + 30_000)];
    expect(kinds(run(lines, [row(41000, T0), row(41000, T0 + 30_001)]))).toEqual(['agree 1', 'agree 2']);
    expect(kinds(run(lines, [row(41000, T0 + 30_001)]))).toEqual(['agree 1', 'not-logged']);
  });

  it("a long tunnel's interim rows give way to its final row", () => {
    const open = row(41000, T0, { open: true, bytesUp: 100 });
    delete open.endMs;
    expect(kinds(run([line(41000, T0)], [open, { ...open }, row(41000, T0)]))).toEqual(['agree 3']);
    // Still open when the capture ended: its latest interim row stands for it.
    expect(kinds(run([line(41000, T0, { up: 100 })], [open, { ...open }]))).toEqual(['agree 2']);
  });

  it("a refusal burst summarised by the gateway: the summary's count of the client's connections", () => {
    const refused = (port: number, at: number) =>
      line(port, at, { outcome: 'blocked', reason: 'not-allowlisted', name: 'x.test', up: 0 });
    const first = row(41000, T0, { verdict: 'block', reason: 'not-allowlisted', name: 'x.test', bytesUp: 0 });
    const summary = row(0, T0 + 10, {
      client: TABLET,
      verdict: 'block',
      reason: 'not-allowlisted',
      count: 2,
      lastMs: T0 + 900,
      bytesUp: 0,
    });
    const fs = run([refused(41000, T0), refused(41001, T0 + 10), refused(41002, T0 + 900)], [first, summary]);
    expect(kinds(fs)).toEqual(['agree 1', 'summarised 2', 'summarised 2']);
    // A third beyond the count is not in the record.
    const more = run(
      [refused(41000, T0), refused(41001, T0 + 10), refused(41002, T0 + 900), refused(41003, T0 + 901)],
      [first, summary],
    );
    expect(kinds(more)).toEqual(['agree 1', 'summarised 2', 'summarised 2', 'not-logged']);
  });

  it('the same refusal in two vocabularies: not-proxy-request (gateway) and local-blocked (audit)', () => {
    const l = line(41000, T0, {
      server: '192.168.77.1:3128',
      scope: 'local',
      name: 'files.test',
      nameSource: 'http-host',
      port: 3128,
      outcome: 'blocked',
      reason: 'local-blocked',
    });
    const r = row(41000, T0, { port: 3128, verdict: 'block', reason: 'not-proxy-request', bytesUp: 0 });
    delete r.name;
    expect(kinds(run([l], [r]))).toEqual(['agree 1']);
  });

  it('a head that never came: unheard on both sides, with the same reason', () => {
    const l = line(41000, T0, {
      outcome: 'unheard',
      reason: 'handshake-timeout',
      name: null,
      nameSource: 'none',
    });
    const r = row(41000, T0, { verdict: 'block', reason: 'handshake-timeout', bytesUp: 0 });
    delete r.name;
    expect(kinds(run([l], [r]))).toEqual(['agree 1']);
    expect(run([l], [{ ...r, reason: 'client-closed' }])[0]).toMatchObject({
      kind: 'differ',
      fields: ['reason'],
    });
  });

  it('a name from a DNS answer is not one the connection carried', () => {
    const l = line(41000, T0, { nameSource: 'dns', name: 'files.test' });
    const r = row(41000, T0);
    delete r.name;
    expect(kinds(run([l], [r]))).toEqual(['agree 1']);
  });

  it("a day's worth: 50,000 requests on one keep-alive connection, each joined to its row near its time", () => {
    // Each row is looked for among the requests near its time, not among all of them.
    const N = 50_000;
    const lines = Array.from({ length: N }, (_, i) => line(41000, T0 + i * 100));
    const rows = lines.map((_, i) => row(41000, T0 + i * 100 + 3));
    expect(run(lines, rows).filter((f) => f.kind === 'agree')).toHaveLength(N);
  });

  it('addresses of endpoints and of bare addresses, IPv4 and IPv6', () => {
    expect(['192.168.77.2:41000', '[fd00::2]:41000', '192.168.77.2', 'fd00::2'].map(addressOf)).toEqual([
      '192.168.77.2',
      'fd00::2',
      '192.168.77.2',
      'fd00::2',
    ]);
  });
});

describe('log reconcile: DNS queries', () => {
  const q = (name: string, at: number, o: Partial<CapturedQuery> = {}): CapturedQuery => ({
    ms: at,
    client: TABLET,
    name,
    qtype: 'A',
    verdict: 'allow',
    reason: 'allowlisted',
    ...o,
  });
  const r = (qname: string, at: number, o: Partial<DnsLogRow> = {}): DnsLogRow => ({
    kind: 'dns',
    tsMs: at,
    client: TABLET,
    qname,
    qtype: 'A',
    mode: 'one-way',
    verdict: 'allow',
    reason: 'allowlisted',
    ...o,
  });
  const dns = (qs: CapturedQuery[], rs: DnsLogRow[]) =>
    reconcileDns(
      qs,
      rs.map((row, i) => ({ seq: i + 1, row })),
      2000,
    ).map((f) => `${f.kind}${'seq' in f ? ` ${f.seq}` : ''}`);

  it('each query its row by name and type in time order; a different verdict differs; one missing is named', () => {
    expect(
      dns(
        [q('a.test', T0), q('a.test', T0 + 10, { qtype: 'AAAA' })],
        [r('a.test', T0 + 10, { qtype: 'AAAA' }), r('a.test', T0 + 1)],
      ),
    ).toEqual(['agree 2', 'agree 1']);
    expect(
      dns([q('b.test', T0, { verdict: 'block', reason: 'not-allowlisted' })], [r('b.test', T0)]),
    ).toEqual(['differ 1']);
    expect(dns([q('a.test', T0), q('c.test', T0)], [r('a.test', T0), r('d.test', T0)])).toEqual([
      'agree 1',
      'not-captured 2',
      'not-logged',
    ]);
  });

  it("a day's worth: 50,000 queries of one tablet, each joined to its row", () => {
    const N = 50_000;
    const qs = Array.from({ length: N }, (_, i) => q(`n${i % 500}.test`, T0 + i * 100));
    const rs = qs.map((x, i) => r(x.name, T0 + i * 100 + 2));
    expect(dns(qs, rs).filter((k) => k.startsWith('agree'))).toHaveLength(N);
  });

  it("a burst's queries count against its summary row, no more than its count", () => {
    const refused = (n: string, at: number) => q(n, at, { verdict: 'block', reason: 'dns-rate' });
    const first = r('t1.test', T0, { verdict: 'block', reason: 'dns-rate' });
    const summary = r('', T0 + 5, { verdict: 'block', reason: 'dns-rate', count: 2, lastMs: T0 + 800 });
    const qs = [
      refused('t1.test', T0),
      refused('t2.test', T0 + 5),
      refused('t3.test', T0 + 800),
      refused('t4.test', T0 + 801),
    ];
    expect(dns(qs, [first, summary])).toEqual(['agree 1', 'summarised 2', 'summarised 2', 'not-logged']);
  });
});

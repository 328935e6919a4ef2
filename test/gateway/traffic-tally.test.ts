/**
 * The overview's counting rules on rows written by hand, each rule in the row shape the gateway
 * writes (gateway/core/connection.ts, refusal-summary.ts): an interim row of an open tunnel counts
 * for nothing, a summary row counts its refusals, a cut connection counts as allowed and as cut.
 */
import { describe, expect, it } from 'vitest';
import { clientAddress, MAX_KEYS, OTHER, TrafficTally } from '../../src/gateway/record/traffic-tally.js';
import type { ConnectionLogRow, DnsLogRow } from '../../src/store/types.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 10);

const conn = (o: Partial<ConnectionLogRow>): ConnectionLogRow => ({
  kind: 'connection',
  tsMs: T0,
  client: '10.0.0.2',
  destination: 'tiles.example',
  ip: '198.18.0.1',
  port: 443,
  proto: 'tcp',
  mode: 'one-way',
  verdict: 'allow',
  reason: 'allowlisted',
  bytesUp: 0,
  bytesDown: 0,
  ...o,
});
const dns = (o: Partial<DnsLogRow>): DnsLogRow => ({
  kind: 'dns',
  tsMs: T0,
  client: '10.0.0.2',
  qname: 'tiles.example',
  qtype: 'A',
  mode: 'one-way',
  verdict: 'allow',
  reason: 'allowlisted',
  ...o,
});

describe('TrafficTally', () => {
  it('counts a tunnel once, by its final row, not by the interim rows written while it was open', () => {
    const t = new TrafficTally(T0, T0 + H);
    t.add(conn({ open: true, bytesUp: 500, bytesDown: 1_000_000 }));
    t.add(conn({ open: true, bytesUp: 900, bytesDown: 2_000_000 }));
    t.add(conn({ bytesUp: 1000, bytesDown: 2_500_000, endMs: T0 + 60_000 }));
    const s = t.summary();
    expect(s.rows).toBe(3);
    expect(s.connections).toEqual({ allowed: 1, refused: 0, cut: 0, bytesUp: 1000, bytesDown: 2_500_000 });
    expect(s.destinations[0]).toMatchObject({
      destination: 'tiles.example',
      allowed: 1,
      lastMs: T0 + 60_000,
    });
  });

  it('a summary row stands for its count of refusals, by reason', () => {
    const t = new TrafficTally(T0, T0 + H);
    t.add(conn({ verdict: 'block', reason: 'connection-limit', destination: 'x.example' }));
    t.add(
      conn({
        verdict: 'block',
        reason: 'connection-limit',
        destination: 'x.example',
        count: 4884,
        lastMs: T0 + 999,
      }),
    );
    t.add(dns({ verdict: 'block', reason: 'dns-rate', qname: 'a.tunnel.example', count: 70 }));
    t.add(dns({ verdict: 'block', reason: 'not-allowlisted', qname: 'b.example' }));
    const s = t.summary();
    expect(s.connections.refused).toBe(4885);
    expect(s.dns).toEqual({ allowed: 0, refused: 71 });
    expect(s.reasons).toEqual([
      { reason: 'connection-limit', count: 4885 },
      { reason: 'dns-rate', count: 70 },
      { reason: 'not-allowlisted', count: 1 },
    ]);
    expect(s.hours).toEqual([{ hourMs: T0, allowed: 0, refused: 4885, bytesUp: 0, bytesDown: 0 }]);
  });

  it('a cut connection is allowed and cut; its bytes are those it had when cut', () => {
    const t = new TrafficTally(T0, T0 + H);
    t.add(
      conn({ destination: 'mydjiflight.dji.com', bytesUp: 65_536, bytesDown: 900, cut: 'connection-budget' }),
    );
    t.add(conn({ destination: 'mydjiflight.dji.com', bytesUp: 300, bytesDown: 5_000_000 }));
    const s = t.summary();
    expect(s.connections).toEqual({ allowed: 2, refused: 0, cut: 1, bytesUp: 65_836, bytesDown: 5_000_900 });
    expect(s.cuts).toEqual([{ reason: 'connection-budget', count: 1 }]);
    expect(s.reasons).toEqual([]);
  });

  it('counts a tablet as one client whichever port it came from', () => {
    const t = new TrafficTally(T0, T0 + H);
    t.add(conn({ client: '10.0.0.2:51234', bytesUp: 5 }));
    t.add(conn({ client: '10.0.0.2:51240', bytesUp: 7 }));
    t.add(conn({ client: 'fd00::2:40000', verdict: 'block', reason: 'not-allowlisted' }));
    expect(t.summary().clients).toEqual([
      { client: '10.0.0.2', connections: 2, refused: 0, bytesUp: 12 },
      { client: 'fd00::2', connections: 1, refused: 1, bytesUp: 0 },
    ]);
    expect(clientAddress('other-clients')).toBe('other-clients');
  });

  it('counts a row it could not read as a row, and nowhere else', () => {
    const t = new TrafficTally(T0, T0 + H);
    t.add(conn({ bytesUp: 5 }));
    t.damaged(41);
    t.damaged(42);
    const s = t.summary();
    expect(s).toMatchObject({ rows: 3, damaged: 2, firstDamagedSeq: 41 });
    expect(s.connections.allowed).toBe(1);
  });

  it('orders destinations by bytes sent up, and splits the hours', () => {
    const t = new TrafficTally(T0, T0 + 3 * H);
    t.add(conn({ destination: 'small.example', bytesUp: 10 }));
    t.add(conn({ destination: 'big.example', bytesUp: 10_000, tsMs: T0 + 2 * H + 5 }));
    const s = t.summary();
    expect(s.destinations.map((d) => d.destination)).toEqual(['big.example', 'small.example']);
    expect(s.hours.map((h) => h.hourMs)).toEqual([T0, T0 + 2 * H]);
  });

  it(`keeps at most ${MAX_KEYS} destinations apart, summing the rest as ${OTHER}`, () => {
    const t = new TrafficTally(T0, T0 + H);
    for (let i = 0; i < MAX_KEYS + 500; i++)
      t.add(dns({ verdict: 'block', reason: 'not-allowlisted', qname: `x${i}.tunnel.example` }));
    const s = t.summary();
    expect(s.destinations.length).toBe(MAX_KEYS + 1);
    expect(s.destinations.find((d) => d.destination === OTHER)?.dnsRefused).toBe(500);
    expect(s.capped).toBe(true);
    expect(s.dns.refused).toBe(MAX_KEYS + 500);
  });
});

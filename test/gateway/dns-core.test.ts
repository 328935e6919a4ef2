import { describe, expect, it } from 'vitest';
import { judgeDnsQuery } from '../../src/gateway/dns/core.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import { policyWith, T0 } from './playbook.js';

/** A query written byte by byte from RFC 1035 §4.1 (independent of the code under test). */
function query(
  name: string,
  opts: { id?: number; type?: number; flags?: number; extra?: number[] } = {},
): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const id = opts.id ?? 0x1234;
  const flags = opts.flags ?? 0x0100;
  const arcount = opts.extra ? 1 : 0;
  return Uint8Array.from([
    id >> 8,
    id & 0xff,
    flags >> 8,
    flags & 0xff,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    arcount,
    ...labels,
    0,
    0,
    opts.type ?? 1,
    0,
    1,
    ...(opts.extra ?? []),
  ]);
}

function ctx(mode: 'sealed' | 'one-way' | 'monitor', extra = {}) {
  const p = policyWith({ mode, allow: [{ host: '*.maps.example' }], ...extra });
  return { gate: new EgressGate(p), mode: () => mode, hasUpstream: true, nextId: () => 0xbeef };
}

const rcode = (b: Uint8Array) => b[3]! & 0x0f;

describe('DNS core', () => {
  it('sealed answers NXDOMAIN to an allowlisted name too, echoing the question, and logs it', () => {
    const q = query('tiles.maps.example');
    const a = judgeDnsQuery(q, '10.0.0.2', ctx('sealed'), T0);
    expect(a.action).toBe('answer');
    if (a.action !== 'answer') return;
    expect([a.bytes[0], a.bytes[1]]).toEqual([0x12, 0x34]);
    expect(a.bytes[2]! & 0x80).toBe(0x80);
    expect(rcode(a.bytes)).toBe(3);
    expect(Buffer.from(a.bytes.subarray(12))).toEqual(Buffer.from(q.subarray(12)));
    expect(a.row).toEqual({
      kind: 'dns',
      tsMs: T0,
      client: '10.0.0.2',
      qname: 'tiles.maps.example',
      qtype: 'A',
      mode: 'sealed',
      verdict: 'block',
      reason: 'sealed',
    });
  });

  it('one-way forwards an allowlisted name as a rebuilt query: new ID, one question, no extra records', () => {
    // An OPT record in the additional section: it must not travel upstream.
    const opt = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 6, 0, 12, 0, 2, 0x41, 0x42];
    const a = judgeDnsQuery(
      query('Tiles.Maps.Example', { type: 28, extra: opt }),
      '10.0.0.2',
      ctx('one-way'),
      T0,
    );
    expect(a.action).toBe('forward');
    if (a.action !== 'forward') return;
    expect(Buffer.from(a.query)).toEqual(Buffer.from(query('tiles.maps.example', { id: 0xbeef, type: 28 })));
    expect(a.clientId).toBe(0x1234);
    expect(a.row).toMatchObject({
      qname: 'tiles.maps.example',
      qtype: 'AAAA',
      verdict: 'allow',
      reason: 'allowlisted',
    });
  });

  it('one-way NXDOMAINs a name off the allowlist and one longer than maxNameLength', () => {
    const off = judgeDnsQuery(query('statistical-report.example'), 'c', ctx('one-way'), T0);
    expect(off.action === 'answer' && rcode(off.bytes)).toBe(3);
    expect(off.action === 'answer' && off.row?.reason).toBe('not-allowlisted');
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.maps.example`;
    const tunnel = judgeDnsQuery(
      query(long),
      'c',
      ctx('one-way', { dns: { maxNameLength: 100, maxQueriesPerMinute: 120 } }),
      T0,
    );
    expect(tunnel.action === 'answer' && tunnel.row?.reason).toBe('dns-name-too-long');
  });

  it('a burst beyond the per-client rate is refused; another client is not affected', () => {
    const c = ctx('one-way', { dns: { maxNameLength: 128, maxQueriesPerMinute: 5 } });
    const verdicts = Array.from(
      { length: 6 },
      (_, i) => judgeDnsQuery(query(`t${i}.maps.example`), 'a', c, T0 + i).action,
    );
    expect(verdicts).toEqual(['forward', 'forward', 'forward', 'forward', 'forward', 'answer']);
    expect(judgeDnsQuery(query('t.maps.example'), 'b', c, T0 + 10).action).toBe('forward');
    expect(judgeDnsQuery(query('t.maps.example'), 'a', c, T0 + 60_001).action).toBe('forward');
  });

  it('a query over the rate limit is answered REFUSED (not cached as a missing name), a refused name NXDOMAIN', () => {
    const c = ctx('one-way', { dns: { maxNameLength: 128, maxQueriesPerMinute: 1 } });
    expect(judgeDnsQuery(query('a.maps.example'), 'a', c, T0).action).toBe('forward');
    const limited = judgeDnsQuery(query('b.maps.example'), 'a', c, T0 + 1);
    expect(limited.action === 'answer' && rcode(limited.bytes)).toBe(5);
    expect(limited.action === 'answer' && limited.row?.reason).toBe('dns-rate');
    const refused = judgeDnsQuery(query('off.example'), 'b', c, T0 + 2);
    expect(refused.action === 'answer' && rcode(refused.bytes)).toBe(3);
  });

  it('monitor forwards anything; without an upstream the answer is SERVFAIL', () => {
    expect(judgeDnsQuery(query('anything.example'), 'c', ctx('monitor'), T0).action).toBe('forward');
    const a = judgeDnsQuery(query('tiles.maps.example'), 'c', { ...ctx('one-way'), hasUpstream: false }, T0);
    expect(a.action === 'answer' && rcode(a.bytes)).toBe(2);
  });

  it('does not answer a response (no reflection) and answers garbage with FORMERR', () => {
    expect(judgeDnsQuery(query('x.maps.example', { flags: 0x8180 }), 'c', ctx('one-way'), T0)).toEqual({
      action: 'drop',
    });
    expect(judgeDnsQuery(Uint8Array.of(1, 2, 3), 'c', ctx('one-way'), T0)).toEqual({ action: 'drop' });
    // A damaged response too: a FORMERR to it would make two servers answer each other forever.
    const badResponse = query('x.maps.example', { flags: 0x8180 }).subarray(0, 20);
    expect(judgeDnsQuery(badResponse, 'c', ctx('one-way'), T0)).toEqual({ action: 'drop' });
    const truncatedQ = query('x.maps.example').subarray(0, 20);
    const a = judgeDnsQuery(truncatedQ, 'c', ctx('one-way'), T0);
    expect(a.action === 'answer' && rcode(a.bytes)).toBe(1);
  });
});

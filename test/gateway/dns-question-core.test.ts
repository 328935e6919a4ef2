/**
 * The DNS core's judgement of a query's type and class, sans-IO (the socket test is
 * dns-question.test.ts): one-way forwards class IN and A, AAAA, CNAME, HTTPS, SVCB only; a refused
 * type counts against the rate and charges no name; monitor forwards the class as asked; the
 * audit judges a captured query the same way. Queries written from RFC 1035 §4.1 by hand.
 */
import { describe, expect, it } from 'vitest';
import { DnsQueryJudge } from '../../src/audit/flow-judge.js';
import { judgeDnsQuery, keepsConnection } from '../../src/gateway/dns/core.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import { policyWith, T0 } from './playbook.js';

function query(name: string, type: number, klass = 1, id = 0x1234): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  return Uint8Array.from([
    id >> 8,
    id & 0xff,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    type >> 8,
    type & 0xff,
    klass >> 8,
    klass & 0xff,
  ]);
}

function ctx(mode: 'one-way' | 'monitor', net = {}) {
  const p = policyWith({ mode, allow: [{ host: '*.maps.example' }], ...net });
  return { gate: new EgressGate(p), mode: () => mode, hasUpstream: true, nextId: () => 0xbeef };
}

const rcode = (b: Uint8Array) => b[3]! & 0x0f;

describe('DNS core: type and class', () => {
  it('one-way refuses class CH (REFUSED, logged with the class) and unnamed types (logged by number)', () => {
    const c = ctx('one-way');
    const ch = judgeDnsQuery(query('abc.maps.example', 16, 3), '10.0.0.2', c, T0);
    expect(ch.action).toBe('answer');
    if (ch.action !== 'answer') return;
    expect(rcode(ch.bytes)).toBe(5);
    expect(ch.row).toMatchObject({
      qtype: 'TXT',
      qclass: 'CH',
      verdict: 'block',
      reason: 'dns-class-refused',
    });
    const odd = judgeDnsQuery(query('abc.maps.example', 65280), '10.0.0.2', c, T0);
    expect(odd.action === 'answer' && rcode(odd.bytes)).toBe(5);
    expect(odd.action === 'answer' && odd.row).toMatchObject({
      qtype: 'TYPE65280',
      reason: 'dns-type-refused',
    });
    expect(odd.action === 'answer' && odd.row && 'qclass' in odd.row).toBe(false);
    expect(keepsConnection(ch)).toBe(false);
  });

  it('one-way forwards the five types a tablet resolves hosts with, class IN', () => {
    for (const t of [1, 28, 5, 65, 64]) {
      const a = judgeDnsQuery(query('tiles.maps.example', t), 'c', ctx('one-way'), T0);
      expect(a.action).toBe('forward');
      expect(keepsConnection(a)).toBe(true);
    }
    for (const t of [15, 16, 33, 12, 2, 6, 255]) {
      const a = judgeDnsQuery(query('tiles.maps.example', t), 'c', ctx('one-way'), T0);
      expect(a.action === 'answer' && a.row?.reason).toBe('dns-type-refused');
    }
  });

  it('a refused type counts against the rate but charges no name to the wildcard budget', () => {
    const c = ctx('one-way', {
      dns: { maxNameLength: 128, maxQueriesPerMinute: 3 },
      allow: [{ host: '*.maps.example', budget: { upstreamBytesPerHour: 100 } }],
    });
    const n60 = (p: string) => `${p.repeat(47)}.maps.example`;
    // Two new 60-byte names with a refused type: were they charged, a third would not fit in 100.
    expect(judgeDnsQuery(query(n60('a'), 16), 'c', c, T0).action).toBe('answer');
    expect(judgeDnsQuery(query(n60('b'), 16, 3), 'c', c, T0).action).toBe('answer');
    expect(judgeDnsQuery(query(n60('c'), 1), 'c', c, T0).action).toBe('forward');
    const fourth = judgeDnsQuery(query('d.maps.example', 1), 'c', c, T0);
    expect(fourth.action === 'answer' && fourth.row?.reason).toBe('dns-rate');
  });

  it('monitor forwards class CH and type 65280 as asked, and logs both', () => {
    const a = judgeDnsQuery(query('any.example', 65280, 3), 'c', ctx('monitor'), T0);
    expect(a.action).toBe('forward');
    if (a.action !== 'forward') return;
    expect(Buffer.from(a.query)).toEqual(Buffer.from(query('any.example', 65280, 3, 0xbeef)));
    expect(a.row).toMatchObject({ qtype: 'TYPE65280', qclass: 'CH', verdict: 'allow', reason: 'monitor' });
  });

  it('the audit judges a captured query by its type and class as the gateway does', () => {
    const p = policyWith({ mode: 'one-way', allow: [{ host: '*.maps.example' }] });
    const j = new DnsQueryJudge(new EgressGate(p));
    expect(j.judge('abc.maps.example', 16, T0, 'c', 3).reason).toBe('dns-class-refused');
    expect(j.judge('abc.maps.example', 65280, T0, 'c', 1).reason).toBe('dns-type-refused');
    expect(j.judge('abc.maps.example', 1, T0, 'c', 1).reason).toBe('allowlisted');
  });
});

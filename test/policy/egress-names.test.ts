/**
 * Query names as an upload channel (one-way): a name the gateway resolves obeys dns.maxNameLength
 * whichever listener asked (the DNS port: openDns; the proxy and transparent listeners:
 * admitsName, then open), and a new name under a '*.' entry is charged its length on that entry's
 * rolling hourly budget when it leaves, once per hour. Expected values come from the policy's
 * documented semantics (gate.ts header, default-yaml.ts), not from the gate.
 */
import { describe, expect, it } from 'vitest';
import { EgressGate, HOUR_MS, type UnlockWindow } from '../../src/policy/egress/index.js';
import type { AllowEntry, NetworkPolicy } from '../../src/policy/types.js';
import { nameOf } from '../helpers/names.js';
import { PUBLIC_IP, policy, T0 } from './gate-fixtures.js';

const oneWay = (allow: AllowEntry[], extra: Partial<NetworkPolicy> = {}) =>
  policy({ mode: 'one-way', allow, ...extra });

let n = 0;
const tls = (name: string) => ({
  id: `n${++n}`,
  name,
  ip: PUBLIC_IP,
  port: 443,
  proto: 'tcp' as const,
  app: 'tls' as const,
});

describe('name length: the same limit for every listener', () => {
  const allow = [{ host: '*.example.net' }];
  const limits = { dns: { maxNameLength: 128, maxQueriesPerMinute: 1000 } };

  it('helper: names of the asked length, valid labels', () => {
    for (const len of [40, 128, 129, 183]) {
      const name = nameOf(len, 'a1b2c3');
      expect(name.length).toBe(len);
      expect(name.split('.').every((l) => l.length > 0 && l.length <= 63)).toBe(true);
    }
  });

  it('proxy / transparent (admitsName): a name at maxNameLength passes, one byte more is refused', () => {
    const g = new EgressGate(oneWay(allow, limits));
    const at = nameOf(128, 'q');
    expect(g.admitsName(at, T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    const over = nameOf(129, 'q');
    const d = g.admitsName(over, T0);
    expect(d).toMatchObject({ verdict: 'block', reason: 'dns-name-too-long' });
    expect(d.detail).toContain('129 > 128');
    // The QA case: 183 characters under the wildcard.
    expect(g.admitsName(nameOf(183, 'z9'), T0).reason).toBe('dns-name-too-long');
  });

  it('DNS port (openDns): a name at maxNameLength passes, one byte more is refused', () => {
    const g = new EgressGate(oneWay(allow, limits));
    expect(g.openDns(nameOf(128, 'q'), T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    expect(g.openDns(nameOf(129, 'q'), T0)).toMatchObject({ verdict: 'block', reason: 'dns-name-too-long' });
  });

  it('a connection by name (open: audit, and the gateway after its lookup) obeys the same limit', () => {
    const g = new EgressGate(oneWay(allow, limits));
    expect(g.open(tls(nameOf(128, 'q')), T0).verdict).toBe('allow');
    expect(g.open(tls(nameOf(129, 'q')), T0)).toMatchObject({
      verdict: 'block',
      reason: 'dns-name-too-long',
    });
  });

  it('the limit is checked before an unlock window (as on the DNS port)', () => {
    const w: UnlockWindow = { host: '*.example.net', fromMs: T0, untilMs: T0 + 60_000, reason: 'job' };
    const g = new EgressGate(oneWay([], limits), { windows: [w] });
    expect(g.admitsName(nameOf(128, 'w'), T0).reason).toBe('unlock-window');
    expect(g.admitsName(nameOf(129, 'w'), T0).reason).toBe('dns-name-too-long');
  });

  it('monitor and sealed are unchanged', () => {
    const monitor = new EgressGate(policy({ mode: 'monitor' }));
    expect(monitor.admitsName(nameOf(183, 'm'), T0)).toMatchObject({ verdict: 'allow', reason: 'monitor' });
    expect(monitor.open(tls(nameOf(183, 'm')), T0)).toMatchObject({ verdict: 'allow', reason: 'monitor' });
    expect(monitor.openDns(nameOf(183, 'm'), T0)).toMatchObject({ verdict: 'allow', reason: 'monitor' });
    const sealed = new EgressGate(policy({ mode: 'sealed', allow }));
    expect(sealed.admitsName(nameOf(183, 's'), T0).reason).toBe('sealed');
    expect(sealed.admitsName(nameOf(40, 's'), T0).reason).toBe('sealed');
  });
});

describe("names spend the '*.' entry's hourly budget", () => {
  const PER_HOUR = 1000;
  const allow = [
    { host: '*.example.net', budget: { upstreamBytesPerHour: PER_HOUR } },
    { host: 'fixed.example.org', budget: { upstreamBytesPerHour: PER_HOUR } },
  ];
  const limits = { dns: { maxNameLength: 128, maxQueriesPerMinute: 100_000 } };
  /** What is left of the entry's hour, as a new connection under it is told. */
  const left = (g: EgressGate, at: number) => g.open(tls('probe.example.net'), at).connectionBudget;

  it('each new name forwarded by the DNS port is charged its length, once per hour', () => {
    const g = new EgressGate(oneWay(allow, limits));
    const a = nameOf(100, 'a');
    expect(g.openDns(a, T0).verdict).toBe('allow');
    expect(g.openDns(a, T0 + 1).verdict).toBe('allow'); // the same name again: not charged again
    expect(g.openDns(nameOf(100, 'b'), T0 + 2).verdict).toBe('allow');
    // 200 bytes of names, plus 'probe.example.net' (17) charged when the probe connection opens.
    expect(left(g, T0 + 3)).toBe(PER_HOUR - 200 - 17);
  });

  it('a lookup for the proxy (admitsName) is charged; a name the DNS port already sent is not', () => {
    const g = new EgressGate(oneWay(allow, limits));
    const a = nameOf(100, 'a');
    expect(g.openDns(a, T0).verdict).toBe('allow');
    expect(g.admitsName(a, T0 + 1).verdict).toBe('allow');
    expect(g.admitsName(nameOf(120, 'p'), T0 + 2).verdict).toBe('allow');
    expect(g.open(tls(nameOf(120, 'p')), T0 + 3).verdict).toBe('allow'); // looked up just before: free
    expect(left(g, T0 + 4)).toBe(PER_HOUR - 100 - 120 - 17);
  });

  it('budget spent: a new name is refused on both paths, names already sent keep resolving', () => {
    const g = new EgressGate(oneWay(allow, limits));
    const sent: string[] = [];
    // 9 names of 100 bytes and one of 99: 999 of the 1000 bytes.
    for (let i = 0; i < 10; i++) {
      const name = nameOf(i === 9 ? 99 : 100, `n${i}x`);
      expect(g.openDns(name, T0 + i).verdict, name).toBe('allow');
      sent.push(name);
    }
    // 1 byte is left: a new name does not fit, on the DNS port or through the proxy.
    const fresh = nameOf(40, 'fresh');
    const dns = g.openDns(fresh, T0 + 20);
    expect(dns).toMatchObject({ verdict: 'block', reason: 'name-budget-spent' });
    expect(dns.detail).toContain('*.example.net: 999 + 40 > 1000');
    expect(g.admitsName(fresh, T0 + 20)).toMatchObject({ verdict: 'block', reason: 'name-budget-spent' });
    expect(g.open(tls(fresh), T0 + 20)).toMatchObject({ verdict: 'block', reason: 'name-budget-spent' });
    // Names already sent this hour: answered on the DNS port, admitted by the proxy (1 byte left).
    for (const name of sent) {
      expect(g.openDns(name, T0 + 21).verdict).toBe('allow');
      expect(g.admitsName(name, T0 + 21).verdict).toBe('allow');
    }
    // An exact entry is not touched by the wildcard's names.
    expect(g.openDns('fixed.example.org', T0 + 22).verdict).toBe('allow');
  });

  it('the byte at the budget passes: a new name that exactly fills the hour is sent, the next is refused', () => {
    const g = new EgressGate(oneWay(allow, limits));
    for (let i = 0; i < 9; i++) expect(g.openDns(nameOf(100, `f${i}y`), T0).verdict).toBe('allow');
    expect(g.openDns(nameOf(100, 'last'), T0).verdict).toBe('allow'); // 1000 of 1000
    expect(g.openDns(nameOf(13, 'more'), T0)).toMatchObject({
      verdict: 'block',
      reason: 'name-budget-spent',
    });
    // Spent to the byte: the proxy refuses as for any spent entry, an already sent name included.
    expect(g.admitsName(nameOf(100, 'last'), T0)).toMatchObject({
      verdict: 'block',
      reason: 'hour-budget-spent',
    });
    // The DNS port still answers an already sent name.
    expect(g.openDns(nameOf(100, 'last'), T0 + 1).verdict).toBe('allow');
  });

  it('names and uploaded bytes draw on one budget', () => {
    const g = new EgressGate(oneWay(allow, limits));
    const req = tls('up.example.net'); // charged 14 at open
    expect(g.open(req, T0).connectionBudget).toBe(PER_HOUR - 14);
    expect(g.upstream(req.id, PER_HOUR, T0)).toMatchObject({
      pass: PER_HOUR - 14,
      cut: true,
      reason: 'hour-budget',
    });
    expect(g.openDns(nameOf(20, 'late'), T0 + 1)).toMatchObject({
      verdict: 'block',
      reason: 'name-budget-spent',
    });
  });

  it('charged names age out after an hour like any upload, and are charged again', () => {
    const g = new EgressGate(oneWay(allow, limits));
    for (let i = 0; i < 10; i++) g.openDns(nameOf(100, `h${i}z`), T0);
    expect(g.openDns(nameOf(30, 'new'), T0 + HOUR_MS - 1).reason).toBe('name-budget-spent');
    expect(g.openDns(nameOf(30, 'new'), T0 + HOUR_MS).verdict).toBe('allow');
    expect(left(g, T0 + HOUR_MS)).toBe(PER_HOUR - 30 - 17);
    expect(g.openDns(nameOf(100, 'h0z'), T0 + HOUR_MS).verdict).toBe('allow');
    expect(left(g, T0 + HOUR_MS)).toBe(PER_HOUR - 130 - 17);
  });

  it("an exact entry's name is never charged (the policy wrote it)", () => {
    const g = new EgressGate(oneWay(allow, limits));
    for (let i = 0; i < 5; i++)
      expect(g.openDns('fixed.example.org', T0 + HOUR_MS * i).verdict).toBe('allow');
    const req = tls('fixed.example.org');
    expect(g.open(req, T0).connectionBudget).toBe(PER_HOUR);
    expect(g.upstream(req.id, PER_HOUR, T0)).toEqual({ pass: PER_HOUR, cut: false });
  });

  it('a name under an open unlock window is not charged', () => {
    const w: UnlockWindow = { host: '*.example.net', fromMs: T0, untilMs: T0 + 60_000, reason: 'job' };
    const g = new EgressGate(oneWay(allow, limits), { windows: [w] });
    for (let i = 0; i < 20; i++) expect(g.openDns(nameOf(100, `w${i}v`), T0).reason).toBe('unlock-window');
    expect(left(g, T0 + 60_000)).toBe(PER_HOUR - 17);
  });

  it('monitor charges nothing and refuses nothing', () => {
    const g = new EgressGate(policy({ mode: 'monitor', allow, ...limits }));
    for (let i = 0; i < 50; i++) expect(g.openDns(nameOf(100, `m${i}q`), T0).reason).toBe('monitor');
    for (let i = 0; i < 50; i++) expect(g.admitsName(nameOf(100, `p${i}q`), T0).reason).toBe('monitor');
  });
});

/**
 * Playbook-style tests of the egress gate: events in, verdicts out, a fixed clock. Expected
 * values come from the policy's documented semantics (issues 4 and 5), not from the gate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EgressGate, HOUR_MS, type UnlockWindow } from '../../src/policy/egress/index.js';
import type { NetworkPolicy } from '../../src/policy/types.js';
import { PUBLIC_IP, policy, T0 } from './gate-fixtures.js';

const oneWay = (extra: Partial<NetworkPolicy> = {}) =>
  policy({ mode: 'one-way', allow: [{ host: '*.djicdn.com' }, { host: 'mydjiflight.dji.com' }], ...extra });

let n = 0;
const tls = (name: string | undefined, ip = PUBLIC_IP) => ({
  id: `c${++n}`,
  ...(name === undefined ? {} : { name }),
  ip,
  port: 443,
  proto: 'tcp' as const,
  app: 'tls' as const,
});

describe('modes', () => {
  it('sealed blocks an allowlisted name too', () => {
    const gate = new EgressGate(policy({ mode: 'sealed', allow: [{ host: 'dl.djicdn.com' }] }));
    const d = gate.open(tls('dl.djicdn.com'), T0);
    expect(d).toMatchObject({
      verdict: 'block',
      reason: 'sealed',
      destination: 'dl.djicdn.com',
      connectionBudget: 0,
    });
  });

  it('sealed refuses every DNS query', () => {
    const gate = new EgressGate(policy({ mode: 'sealed', allow: [{ host: 'dl.djicdn.com' }] }));
    expect(gate.openDns('dl.djicdn.com', T0)).toMatchObject({ verdict: 'block', reason: 'sealed' });
  });

  it('monitor allows an unknown name with no budget and passes every byte', () => {
    const gate = new EgressGate(policy({ mode: 'monitor' }));
    const req = tls('upload.example.net');
    const d = gate.open(req, T0);
    expect(d).toMatchObject({
      verdict: 'allow',
      reason: 'monitor',
      connectionBudget: Number.POSITIVE_INFINITY,
    });
    expect(gate.upstream(req.id, 10 * 1024 * 1024, T0)).toEqual({ pass: 10 * 1024 * 1024, cut: false });
    expect(gate.openDns('a'.repeat(200), T0)).toMatchObject({ verdict: 'allow', reason: 'monitor' });
  });

  it('monitor allows a connection without a name and QUIC', () => {
    const gate = new EgressGate(policy({ mode: 'monitor' }));
    expect(gate.open(tls(undefined), T0).verdict).toBe('allow');
    expect(gate.open({ ...tls('x.example'), proto: 'udp', app: 'quic' }, T0).verdict).toBe('allow');
  });

  it('one-way allows an allowlisted name with the default 64 KiB connection budget', () => {
    const gate = new EgressGate(oneWay());
    const d = gate.open(tls('mydjiflight.dji.com'), T0);
    expect(d).toMatchObject({ verdict: 'allow', reason: 'allowlisted', connectionBudget: 65536 });
    expect(d.matched?.host).toBe('mydjiflight.dji.com');
  });

  it('one-way refuses a name not on the allowlist', () => {
    const gate = new EgressGate(oneWay());
    expect(gate.open(tls('statistical-report.djiservice.org'), T0)).toMatchObject({
      verdict: 'block',
      reason: 'not-allowlisted',
      destination: 'statistical-report.djiservice.org',
    });
  });

  it('one-way refuses a connection without a name; the destination is then the IP', () => {
    const gate = new EgressGate(oneWay());
    expect(gate.open(tls(undefined), T0)).toMatchObject({
      verdict: 'block',
      reason: 'no-name',
      destination: PUBLIC_IP,
    });
  });

  it('one-way refuses QUIC and other UDP even to an allowlisted name', () => {
    const gate = new EgressGate(oneWay());
    expect(gate.open({ ...tls('dl.djicdn.com'), proto: 'udp', app: 'quic' }, T0).reason).toBe('udp-not-dns');
    expect(gate.open({ ...tls('dl.djicdn.com'), proto: 'udp', port: 8883, app: 'other' }, T0).reason).toBe(
      'udp-not-dns',
    );
  });

  it('one-way allows UDP DNS for an allowlisted query name', () => {
    const gate = new EgressGate(oneWay());
    const d = gate.open(
      { id: 'd1', name: 'dl.djicdn.com', ip: PUBLIC_IP, port: 53, proto: 'udp', app: 'dns' },
      T0,
    );
    expect(d).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
  });
});

describe('host patterns', () => {
  it("'*.djicdn.com' matches names under djicdn.com but not djicdn.com itself", () => {
    const gate = new EgressGate(oneWay());
    expect(gate.open(tls('dl.djicdn.com'), T0).verdict).toBe('allow');
    expect(gate.open(tls('a.b.djicdn.com'), T0).verdict).toBe('allow');
    expect(gate.open(tls('djicdn.com'), T0).verdict).toBe('block');
    expect(gate.open(tls('evil-djicdn.com'), T0).verdict).toBe('block');
  });

  it('names match case-insensitively and with a trailing dot', () => {
    const gate = new EgressGate(oneWay());
    expect(gate.open(tls('MyDJIFlight.dji.com.'), T0)).toMatchObject({
      verdict: 'allow',
      destination: 'mydjiflight.dji.com',
    });
  });

  it('the most specific entry wins and brings its own budget', () => {
    const gate = new EgressGate(
      policy({
        mode: 'one-way',
        allow: [
          { host: '*.dji.com' },
          { host: 'mydjiflight.dji.com', budget: { upstreamBytesPerConnection: 100 } },
        ],
      }),
    );
    const d = gate.open(tls('mydjiflight.dji.com'), T0);
    expect(d.matched?.host).toBe('mydjiflight.dji.com');
    expect(d.connectionBudget).toBe(100);
    expect(gate.open(tls('www.dji.com'), T0).matched?.host).toBe('*.dji.com');
  });
});

describe('per-connection budget', () => {
  const gateWith = (perConnection: number) =>
    new EgressGate(
      oneWay({
        budgets: { upstreamBytesPerConnection: perConnection, upstreamBytesPerHour: 10 * 1024 * 1024 },
      }),
    );

  it('the byte at the budget passes', () => {
    const gate = gateWith(1000);
    const req = tls('dl.djicdn.com');
    gate.open(req, T0);
    expect(gate.upstream(req.id, 999, T0)).toEqual({ pass: 999, cut: false });
    expect(gate.upstream(req.id, 1, T0)).toEqual({ pass: 1, cut: false });
  });

  it('the byte one past the budget is cut, and the connection stays cut', () => {
    const gate = gateWith(1000);
    const req = tls('dl.djicdn.com');
    gate.open(req, T0);
    expect(gate.upstream(req.id, 1000, T0)).toEqual({ pass: 1000, cut: false });
    expect(gate.upstream(req.id, 1, T0)).toMatchObject({ pass: 0, cut: true, reason: 'connection-budget' });
    expect(gate.upstream(req.id, 1, T0 + 1)).toMatchObject({
      pass: 0,
      cut: true,
      reason: 'connection-budget',
    });
  });

  it('a write crossing the budget passes exactly up to the budget', () => {
    const gate = gateWith(1000);
    const req = tls('dl.djicdn.com');
    gate.open(req, T0);
    expect(gate.upstream(req.id, 600, T0).pass).toBe(600);
    expect(gate.upstream(req.id, 600, T0)).toMatchObject({
      pass: 400,
      cut: true,
      reason: 'connection-budget',
    });
  });

  it('bytes on a blocked or closed connection are cut', () => {
    const gate = gateWith(1000);
    const blocked = tls('not-listed.example');
    gate.open(blocked, T0);
    expect(gate.upstream(blocked.id, 1, T0)).toMatchObject({
      pass: 0,
      cut: true,
      reason: 'unknown-connection',
    });
    const req = tls('dl.djicdn.com');
    gate.open(req, T0);
    gate.close(req.id, T0);
    expect(gate.upstream(req.id, 1, T0)).toMatchObject({ pass: 0, cut: true, reason: 'unknown-connection' });
  });
});

describe('rolling hourly budget', () => {
  const KiB = 1024;
  const gate = () => new EgressGate(oneWay()); // defaults: 64 KiB per connection, 256 KiB per hour

  it('an upload split over many connections is stopped at 256 KiB', () => {
    const g = gate();
    let passed = 0;
    let cutAt = -1;
    for (let i = 0; i < 10; i++) {
      const req = tls('mydjiflight.dji.com');
      const open = g.open(req, T0 + i * 1000);
      if (open.verdict === 'block') {
        expect(open.reason).toBe('hour-budget-spent');
        cutAt = i;
        break;
      }
      passed += g.upstream(req.id, 60 * KiB, T0 + i * 1000).pass;
      g.close(req.id, T0 + i * 1000);
    }
    expect(passed).toBe(256 * KiB);
    expect(cutAt).toBe(5); // 4 × 60 KiB + 16 KiB of the fifth
  });

  it('a trickle through one long-lived connection is stopped at the hourly budget', () => {
    const g = new EgressGate(
      oneWay({ budgets: { upstreamBytesPerConnection: 10 * 1024 * KiB, upstreamBytesPerHour: 256 * KiB } }),
    );
    const req = tls('mydjiflight.dji.com');
    g.open(req, T0);
    let passed = 0;
    let last = g.upstream(req.id, 0, T0);
    for (let s = 0; s < 600 && !last.cut; s++) {
      last = g.upstream(req.id, KiB, T0 + s * 5000);
      passed += last.pass;
    }
    expect(last).toMatchObject({ cut: true, reason: 'hour-budget' });
    expect(passed).toBe(256 * KiB);
  });

  it('bytes age out exactly one hour after they were sent', () => {
    const g = gate();
    for (let i = 0; i < 4; i++) {
      const a = tls('mydjiflight.dji.com');
      g.open(a, T0);
      expect(g.upstream(a.id, 64 * KiB, T0).cut).toBe(false); // 256 KiB in all at T0
      g.close(a.id, T0);
    }
    expect(g.open(tls('mydjiflight.dji.com'), T0 + HOUR_MS - 1)).toMatchObject({
      verdict: 'block',
      reason: 'hour-budget-spent',
    });
    const b = tls('mydjiflight.dji.com');
    expect(g.open(b, T0 + HOUR_MS)).toMatchObject({ verdict: 'allow', connectionBudget: 64 * KiB });
    expect(g.upstream(b.id, 64 * KiB, T0 + HOUR_MS)).toEqual({ pass: 64 * KiB, cut: false });
  });

  it('the connection budget reported at open is capped by what is left of the hour', () => {
    const g = gate();
    for (const bytes of [64 * KiB, 64 * KiB, 64 * KiB, 60 * KiB]) {
      const a = tls('mydjiflight.dji.com');
      g.open(a, T0);
      expect(g.upstream(a.id, bytes, T0).cut).toBe(false);
    }
    expect(g.open(tls('mydjiflight.dji.com'), T0 + 1).connectionBudget).toBe(256 * KiB - 252 * KiB);
  });

  it("names under one '*.' entry share its hourly budget", () => {
    const g = gate();
    for (let i = 0; i < 4; i++) {
      const req = tls(`s${i}.djicdn.com`);
      g.open(req, T0);
      g.upstream(req.id, 64 * KiB, T0);
    }
    expect(g.open(tls('fresh.djicdn.com'), T0 + 1)).toMatchObject({
      verdict: 'block',
      reason: 'hour-budget-spent',
    });
    expect(g.open(tls('mydjiflight.dji.com'), T0 + 1).verdict).toBe('allow');
  });

  it('a per-entry hourly budget overrides the default', () => {
    const g = new EgressGate(
      policy({ mode: 'one-way', allow: [{ host: 'a.example', budget: { upstreamBytesPerHour: 100 } }] }),
    );
    const req = tls('a.example');
    expect(g.open(req, T0).connectionBudget).toBe(100);
    expect(g.upstream(req.id, 100, T0)).toEqual({ pass: 100, cut: false });
    expect(g.upstream(req.id, 1, T0)).toMatchObject({ pass: 0, cut: true, reason: 'hour-budget' });
  });
});

describe('unlock windows', () => {
  const window: UnlockWindow = {
    host: 'flysafe-api.dji.com',
    fromMs: T0 + 1000,
    untilMs: T0 + 11 * 60_000,
    reason: 'geofence unlock, job 42',
  };

  it('is closed one ms before it starts and open at its first ms', () => {
    const g = new EgressGate(oneWay(), { windows: [window] });
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs - 1)).toMatchObject({
      verdict: 'block',
      reason: 'not-allowlisted',
    });
    const d = g.open(tls('flysafe-api.dji.com'), window.fromMs);
    expect(d).toMatchObject({
      verdict: 'allow',
      reason: 'unlock-window',
      connectionBudget: Number.POSITIVE_INFINITY,
    });
    expect(d.window).toEqual(window);
    expect(g.openDns('flysafe-api.dji.com', window.fromMs)).toMatchObject({
      verdict: 'allow',
      reason: 'unlock-window',
    });
  });

  it('lifts the budgets while open and expires exactly at untilMs', () => {
    const g = new EgressGate(oneWay(), { windows: [window] });
    const req = tls('flysafe-api.dji.com');
    g.open(req, window.fromMs);
    expect(g.upstream(req.id, 5 * 1024 * 1024, window.untilMs - 1)).toMatchObject({
      pass: 5 * 1024 * 1024,
      cut: false,
    });
    expect(g.upstream(req.id, 1, window.untilMs)).toMatchObject({
      pass: 0,
      cut: true,
      reason: 'unlock-expired',
    });
    expect(g.open(tls('flysafe-api.dji.com'), window.untilMs)).toMatchObject({ reason: 'not-allowlisted' });
    expect(g.openDns('flysafe-api.dji.com', window.untilMs)).toMatchObject({ verdict: 'block' });
  });

  it('on an allowlisted host, budgets apply again after expiry, not counting window bytes', () => {
    const w = { ...window, host: 'mydjiflight.dji.com' };
    const g = new EgressGate(oneWay(), { windows: [w] });
    const req = tls('mydjiflight.dji.com');
    g.open(req, w.fromMs);
    expect(g.upstream(req.id, 1024 * 1024, w.fromMs).pass).toBe(1024 * 1024);
    expect(g.upstream(req.id, 65536, w.untilMs)).toEqual({ pass: 65536, cut: false });
    expect(g.upstream(req.id, 1, w.untilMs)).toMatchObject({ cut: true, reason: 'connection-budget' });
  });

  it('does not open a sealed gate', () => {
    const g = new EgressGate(policy({ mode: 'sealed' }), { windows: [window] });
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs).reason).toBe('sealed');
  });

  it('setWindows replaces the windows (e.g. reloaded from the store)', () => {
    const g = new EgressGate(oneWay());
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs).verdict).toBe('block');
    g.setWindows([window]);
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs).verdict).toBe('allow');
    g.setWindows([]);
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs).verdict).toBe('block');
  });

  it("a '*.' window covers names under its suffix", () => {
    const g = new EgressGate(oneWay(), { windows: [{ ...window, host: '*.dji.com' }] });
    expect(g.open(tls('flysafe-api.dji.com'), window.fromMs).reason).toBe('unlock-window');
    expect(g.open(tls('dji.com'), window.fromMs).verdict).toBe('block');
  });
});

describe('private, metadata and local destinations', () => {
  it.each([
    ['169.254.169.254', 'metadata-destination'],
    ['fd00:ec2::254', 'metadata-destination'],
    ['100.100.100.200', 'metadata-destination'],
    ['127.0.0.1', 'private-destination'],
    ['::1', 'private-destination'],
    ['10.1.2.3', 'private-destination'],
    ['192.168.1.1', 'private-destination'],
    ['172.31.255.255', 'private-destination'],
    ['fe80::1', 'private-destination'],
    ['::ffff:127.0.0.1', 'private-destination'],
    ['64:ff9b::a9fe:a9fe', 'metadata-destination'],
  ])('refuses %s even for an allowlisted name and in monitor mode', (ip, reason) => {
    for (const mode of ['one-way', 'monitor'] as const) {
      const g = new EgressGate(policy({ mode, allow: [{ host: 'dl.djicdn.com' }] }));
      expect(g.open(tls('dl.djicdn.com', ip), T0)).toMatchObject({ verdict: 'block', reason });
    }
  });

  it('allows a private destination inside allowedPrivateCidrs (the allowlist still applies)', () => {
    const g = new EgressGate(oneWay({ allowedPrivateCidrs: ['10.0.0.0/8'] }));
    expect(g.open(tls('dl.djicdn.com', '10.1.2.3'), T0)).toMatchObject({
      verdict: 'allow',
      reason: 'allowlisted',
    });
    expect(g.open(tls('other.example', '10.1.2.3'), T0).reason).toBe('not-allowlisted');
    expect(g.open(tls('dl.djicdn.com', '11.1.2.3'), T0).verdict).toBe('allow');
    expect(g.open(tls('dl.djicdn.com', '172.16.0.1'), T0).reason).toBe('private-destination');
  });

  it('a reload that narrows allowedPrivateCidrs refuses an address it allowed before', () => {
    const g = new EgressGate(oneWay({ allowedPrivateCidrs: ['10.0.0.0/8'] }));
    expect(g.open(tls('dl.djicdn.com', '10.1.2.3'), T0).verdict).toBe('allow');
    g.setPolicy(oneWay({ allowedPrivateCidrs: [] }));
    expect(g.open(tls('dl.djicdn.com', '10.1.2.3'), T0).reason).toBe('private-destination');
  });

  it('a public address just outside a private range is public', () => {
    const g = new EgressGate(oneWay());
    expect(g.open(tls('dl.djicdn.com', '172.32.0.1'), T0).verdict).toBe('allow');
    expect(g.open(tls('dl.djicdn.com', '2a00:1450::1'), T0).verdict).toBe('allow');
  });

  it('local traffic follows the policy: DHCP allowed, mDNS and LAN blocked by default', () => {
    const g = new EgressGate(policy({ mode: 'sealed' }));
    const local = (port: number, proto: 'tcp' | 'udp', ip = '192.168.1.1') => ({
      id: `l${++n}`,
      ip,
      port,
      proto,
      local: true,
    });
    expect(g.open(local(67, 'udp', '255.255.255.255'), T0)).toMatchObject({
      verdict: 'allow',
      reason: 'local-allowed',
    });
    expect(g.open(local(5353, 'udp', '224.0.0.251'), T0)).toMatchObject({
      verdict: 'block',
      reason: 'local-blocked',
    });
    expect(g.open(local(445, 'tcp'), T0)).toMatchObject({ verdict: 'block', reason: 'local-blocked' });
    const open = new EgressGate(
      policy({ mode: 'one-way', local: { mdns: 'allow', dhcp: 'allow', lan: 'allow' } }),
    );
    const lan = local(445, 'tcp');
    expect(open.open(lan, T0)).toMatchObject({
      verdict: 'allow',
      connectionBudget: Number.POSITIVE_INFINITY,
    });
    expect(open.upstream(lan.id, 1e9, T0)).toEqual({ pass: 1e9, cut: false });
  });

  it('local traffic to a metadata address is still refused', () => {
    const g = new EgressGate(
      policy({ mode: 'monitor', local: { mdns: 'allow', dhcp: 'allow', lan: 'allow' } }),
    );
    expect(g.open({ id: 'm', ip: '169.254.169.254', port: 80, proto: 'tcp', local: true }, T0).reason).toBe(
      'metadata-destination',
    );
  });

  it('an address that is not an IP is refused', () => {
    const g = new EgressGate(policy({ mode: 'monitor' }));
    expect(g.open(tls('dl.djicdn.com', 'not-an-ip'), T0).reason).toBe('bad-address');
  });
});

describe('DNS limits', () => {
  it('a name at maxNameLength is answered, one character longer is refused', () => {
    const g = new EgressGate(oneWay({ dns: { maxNameLength: 40, maxQueriesPerMinute: 1000 } }));
    const at = `${'a'.repeat(40 - '.djicdn.com'.length)}.djicdn.com`;
    expect(at.length).toBe(40);
    expect(g.openDns(at, T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    expect(g.openDns(`a${at}`, T0)).toMatchObject({ verdict: 'block', reason: 'dns-name-too-long' });
  });

  it('the query at the per-minute limit is answered, the next is refused, and the window slides', () => {
    const g = new EgressGate(oneWay({ dns: { maxNameLength: 128, maxQueriesPerMinute: 3 } }));
    for (let i = 0; i < 3; i++) expect(g.openDns('dl.djicdn.com', T0 + i, 'tablet').verdict).toBe('allow');
    expect(g.openDns('dl.djicdn.com', T0 + 3, 'tablet')).toMatchObject({
      verdict: 'block',
      reason: 'dns-rate',
    });
    expect(g.openDns('dl.djicdn.com', T0 + 3, 'other-client').verdict).toBe('allow');
    // The first query (T0) leaves the window at T0 + 60 000; the refused one at T0+3 still counts.
    expect(g.openDns('dl.djicdn.com', T0 + 60_000, 'tablet').verdict).toBe('block');
    expect(g.openDns('dl.djicdn.com', T0 + 60_003 + 60_000, 'tablet').verdict).toBe('allow');
  });

  it('refuses a name not on the allowlist and an invalid name', () => {
    const g = new EgressGate(oneWay());
    expect(g.openDns('tunnel.attacker.example', T0).reason).toBe('not-allowlisted');
    expect(g.openDns('bad name!', T0).reason).toBe('dns-bad-name');
  });
});

describe('budget invariants (property)', () => {
  it('any sequence of writes passes exactly min(total, budget) bytes and cuts only past the budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 40 }),
        (budget, writes) => {
          const g = new EgressGate(
            oneWay({ budgets: { upstreamBytesPerConnection: budget, upstreamBytesPerHour: 1e12 } }),
          );
          const req = tls('dl.djicdn.com');
          g.open(req, T0);
          let passed = 0;
          let sent = 0;
          for (const w of writes) {
            const d = g.upstream(req.id, w, T0);
            sent += w;
            passed += d.pass;
            expect(d.cut).toBe(sent > budget);
          }
          expect(passed).toBe(Math.min(sent, budget));
        },
      ),
    );
  });
});

describe('admitsName: the name-only question asked before resolving', () => {
  const window: UnlockWindow = {
    host: 'flysafe-api.dji.com',
    fromMs: T0 + 1000,
    untilMs: T0 + 60_000,
    reason: 'geofence unlock, job 7',
  };

  it('sealed refuses an allowlisted name; monitor admits any name', () => {
    const sealed = new EgressGate(policy({ mode: 'sealed', allow: [{ host: 'dl.djicdn.com' }] }));
    expect(sealed.admitsName('dl.djicdn.com', T0)).toMatchObject({ verdict: 'block', reason: 'sealed' });
    const monitor = new EgressGate(policy({ mode: 'monitor' }));
    expect(monitor.admitsName('upload.example.net', T0)).toEqual({
      verdict: 'allow',
      reason: 'monitor',
      detail: 'monitor mode: allowed and counted',
      name: 'upload.example.net',
    });
  });

  it('one-way admits an allowlisted name (normalised) and refuses the rest and invalid names', () => {
    const g = new EgressGate(oneWay());
    const d = g.admitsName('DL.DJICDN.COM.', T0);
    expect(d).toMatchObject({ verdict: 'allow', reason: 'allowlisted', name: 'dl.djicdn.com' });
    expect(d.matched?.host).toBe('*.djicdn.com');
    expect(g.admitsName('djicdn.com', T0)).toMatchObject({ verdict: 'block', reason: 'not-allowlisted' });
    expect(g.admitsName('bad..name', T0)).toMatchObject({ verdict: 'block', reason: 'no-name' });
  });

  it('registers no connection: a later upstream() on any id is unknown', () => {
    const g = new EgressGate(oneWay());
    g.admitsName('mydjiflight.dji.com', T0);
    expect(g.upstream('c-never', 1, T0)).toMatchObject({ cut: true, reason: 'unknown-connection' });
  });

  it('an unlock window admits from its first ms until (not including) untilMs', () => {
    const g = new EgressGate(oneWay(), { windows: [window] });
    expect(g.admitsName('flysafe-api.dji.com', window.fromMs - 1)).toMatchObject({
      verdict: 'block',
      reason: 'not-allowlisted',
    });
    const d = g.admitsName('flysafe-api.dji.com', window.fromMs);
    expect(d).toMatchObject({ verdict: 'allow', reason: 'unlock-window' });
    expect(d.window).toEqual(window);
    expect(g.admitsName('flysafe-api.dji.com', window.untilMs - 1).verdict).toBe('allow');
    expect(g.admitsName('flysafe-api.dji.com', window.untilMs)).toMatchObject({
      verdict: 'block',
      reason: 'not-allowlisted',
    });
  });

  it('an unlock window does not open a sealed gate', () => {
    const g = new EgressGate(policy({ mode: 'sealed' }), { windows: [window] });
    expect(g.admitsName('flysafe-api.dji.com', window.fromMs)).toMatchObject({ reason: 'sealed' });
  });

  it("refuses a name whose destination's hourly budget is spent, and admits it again an hour later", () => {
    const g = new EgressGate(oneWay());
    for (let i = 0; i < 4; i++) {
      const req = tls('mydjiflight.dji.com');
      g.open(req, T0);
      g.upstream(req.id, 64 * 1024, T0);
      g.close(req.id, T0);
    }
    expect(g.admitsName('mydjiflight.dji.com', T0 + 1)).toMatchObject({
      verdict: 'block',
      reason: 'hour-budget-spent',
    });
    expect(g.admitsName('mydjiflight.dji.com', T0 + HOUR_MS)).toMatchObject({ verdict: 'allow' });
  });

  it('agrees with open() at a public address for every mode, name and time (property)', () => {
    const names = [
      'dl.djicdn.com',
      'djicdn.com',
      'mydjiflight.dji.com',
      'flysafe-api.dji.com',
      'x.example',
      '-bad-',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom('sealed', 'one-way', 'monitor'),
        fc.constantFrom(...names),
        fc.integer({ min: -2000, max: 70_000 }),
        fc.integer({ min: 0, max: 400 * 1024 }),
        (mode, name, dt, spent) => {
          const g = new EgressGate(oneWay({ mode: mode as NetworkPolicy['mode'] }), { windows: [window] });
          const first = tls('mydjiflight.dji.com');
          if (g.open(first, T0 - 5000).verdict === 'allow') {
            // Spend through several connections so the hourly ledger, not one connection, is what runs out.
            for (let left = spent; left > 0; left -= 64 * 1024) {
              const r = tls('mydjiflight.dji.com');
              g.open(r, T0 - 5000);
              g.upstream(r.id, Math.min(left, 64 * 1024), T0 - 5000);
              g.close(r.id, T0 - 5000);
            }
          }
          const byName = g.admitsName(name, T0 + dt);
          const byOpen = g.open(tls(name), T0 + dt);
          expect(byName.verdict).toBe(byOpen.verdict);
          expect(byName.reason).toBe(byOpen.reason);
        },
      ),
      { numRuns: 300 },
    );
  });
});

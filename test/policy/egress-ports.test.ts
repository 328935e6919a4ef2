/**
 * Allowlist entry ports (issue 5): in one-way mode an entry allows its names on the TCP ports it
 * lists, 443 and 80 when it lists none. Expected values come from the rule in gate.ts's header
 * (the most specific entry decides; unlock windows open 443 and 80; DNS is judged by name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EgressGate, type UnlockWindow } from '../../src/policy/egress/index.js';
import type { AllowEntry, NetworkPolicy } from '../../src/policy/types.js';
import { PUBLIC_IP, policy, T0 } from './gate-fixtures.js';

const oneWay = (allow: AllowEntry[]) => policy({ mode: 'one-way', allow });

let n = 0;
const tcp = (name: string, port: number, app: 'tls' | 'http' | 'other' = 'other') => ({
  id: `p${++n}`,
  name,
  ip: PUBLIC_IP,
  port,
  proto: 'tcp' as const,
  app,
});

describe('an entry without ports allows 443 and 80 only', () => {
  const gate = () => new EgressGate(oneWay([{ host: 'mydjiflight.dji.com' }, { host: '*.djicdn.com' }]));

  it('443 and 80 are allowed, with the usual budget; 8443 is not', () => {
    const g = gate();
    expect(g.open(tcp('mydjiflight.dji.com', 8443), T0).verdict).toBe('block');
    for (const port of [443, 80]) {
      expect(g.open(tcp('mydjiflight.dji.com', port), T0)).toMatchObject({
        verdict: 'allow',
        reason: 'allowlisted',
        connectionBudget: 65536,
      });
      expect(g.open(tcp('dl.djicdn.com', port), T0).verdict).toBe('allow');
    }
  });

  it('SSH, MQTT, SMTP and 8443 to an allowlisted name are refused as port-not-allowed', () => {
    const g = gate();
    for (const port of [22, 8883, 25, 8443, 1, 65535]) {
      const d = g.open(tcp('mydjiflight.dji.com', port), T0);
      expect(d).toMatchObject({
        verdict: 'block',
        reason: 'port-not-allowed',
        destination: 'mydjiflight.dji.com',
        connectionBudget: 0,
      });
      expect(d.detail).toBe(
        `mydjiflight.dji.com port ${port}: the name is allowlisted, but not on this port (allowlist entry mydjiflight.dji.com allows 443, 80)`,
      );
    }
    expect(g.open(tcp('fw.djicdn.com', 8883), T0)).toMatchObject({ reason: 'port-not-allowed' });
  });

  it('a refused port registers no connection: its bytes are cut as unknown', () => {
    const g = gate();
    const req = tcp('mydjiflight.dji.com', 8883);
    g.open(req, T0);
    expect(g.upstream(req.id, 1, T0)).toMatchObject({ pass: 0, cut: true, reason: 'unknown-connection' });
  });

  it('a name no entry covers is still not-allowlisted, on any port (port-not-allowed needs an entry)', () => {
    const g = gate();
    expect(g.open(tcp('mydjiflight.dji.com', 22), T0).reason).toBe('port-not-allowed');
    for (const port of [443, 22]) {
      expect(g.open(tcp('statistical-report.djiservice.org', port), T0)).toMatchObject({
        verdict: 'block',
        reason: 'not-allowlisted',
      });
    }
  });
});

describe('an entry with ports allows exactly those', () => {
  const CASTER: AllowEntry = { host: 'rtk.caster.example', purpose: 'RTK corrections', ports: [2101] };

  it('the listed port is allowed within the budgets; 443 and 80 are no longer', () => {
    const g = new EgressGate(oneWay([CASTER]));
    const req = tcp('rtk.caster.example', 2101);
    const d = g.open(req, T0);
    expect(d).toMatchObject({ verdict: 'allow', reason: 'allowlisted', connectionBudget: 65536 });
    expect(d.matched).toBe(CASTER);
    // The rover's position goes up to the caster: the budgets still hold on the listed port.
    expect(g.upstream(req.id, 65536, T0)).toEqual({ pass: 65536, cut: false });
    expect(g.upstream(req.id, 1, T0)).toMatchObject({ pass: 0, cut: true, reason: 'connection-budget' });
    for (const port of [443, 80, 2102]) {
      expect(g.open(tcp('rtk.caster.example', port), T0)).toMatchObject({
        verdict: 'block',
        reason: 'port-not-allowed',
      });
    }
  });

  it('several ports, 443 among them', () => {
    const g = new EgressGate(oneWay([{ host: 'broker.example', ports: [443, 8883] }]));
    expect(g.open(tcp('broker.example', 8883), T0).verdict).toBe('allow');
    expect(g.open(tcp('broker.example', 443, 'tls'), T0).verdict).toBe('allow');
    expect(g.open(tcp('broker.example', 80, 'http'), T0)).toMatchObject({ reason: 'port-not-allowed' });
    expect(g.open(tcp('broker.example', 1883), T0).detail).toContain('allows 443, 8883');
  });

  it('setPolicy recompiles the ports (a reload that opens or closes a port)', () => {
    const g = new EgressGate(oneWay([{ host: 'rtk.caster.example' }]));
    expect(g.open(tcp('rtk.caster.example', 2101), T0).reason).toBe('port-not-allowed');
    g.setPolicy(oneWay([CASTER]));
    expect(g.open(tcp('rtk.caster.example', 2101), T0).verdict).toBe('allow');
    expect(g.open(tcp('rtk.caster.example', 443), T0).reason).toBe('port-not-allowed');
  });
});

describe('precedence: only the most specific entry is consulted', () => {
  it("a host's own entry without 8883 is not widened by a '*.' entry that lists it", () => {
    const g = new EgressGate(
      oneWay([{ host: '*.dji.com', ports: [443, 8883] }, { host: 'mydjiflight.dji.com' }]),
    );
    expect(g.open(tcp('mydjiflight.dji.com', 8883), T0)).toMatchObject({
      verdict: 'block',
      reason: 'port-not-allowed',
    });
    expect(g.open(tcp('mydjiflight.dji.com', 8883), T0).detail).toContain(
      'allowlist entry mydjiflight.dji.com allows 443, 80',
    );
    // The wildcard still governs its other names, and the exact entry its own default ports.
    expect(g.open(tcp('mqtt.dji.com', 8883), T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    const d = g.open(tcp('mydjiflight.dji.com', 80), T0);
    expect(d.verdict).toBe('allow');
    expect(d.matched?.host).toBe('mydjiflight.dji.com');
  });

  it("a host's own entry listing only 8883 narrows what the wildcard gives it (443 refused)", () => {
    const g = new EgressGate(oneWay([{ host: '*.dji.com' }, { host: 'mydjiflight.dji.com', ports: [8883] }]));
    expect(g.open(tcp('mydjiflight.dji.com', 443, 'tls'), T0).reason).toBe('port-not-allowed');
    expect(g.open(tcp('mydjiflight.dji.com', 8883), T0).verdict).toBe('allow');
    expect(g.open(tcp('flysafe-api.dji.com', 443, 'tls'), T0).verdict).toBe('allow');
    expect(g.open(tcp('flysafe-api.dji.com', 8883), T0).reason).toBe('port-not-allowed');
  });

  it('a longer wildcard beats a shorter one, ports included', () => {
    const g = new EgressGate(
      oneWay([
        { host: '*.example.com', ports: [22] },
        { host: '*.cdn.example.com', ports: [443] },
      ]),
    );
    expect(g.open(tcp('a.cdn.example.com', 22), T0).reason).toBe('port-not-allowed');
    expect(g.open(tcp('a.other.example.com', 22), T0).verdict).toBe('allow');
  });

  it('of two entries for the same host the first listed decides', () => {
    const g = new EgressGate(
      oneWay([
        { host: 'rtk.caster.example', ports: [2101] },
        { host: 'rtk.caster.example', ports: [443] },
      ]),
    );
    expect(g.open(tcp('rtk.caster.example', 2101), T0).verdict).toBe('allow');
    expect(g.open(tcp('rtk.caster.example', 443), T0).reason).toBe('port-not-allowed');
  });
});

describe('modes, DNS and local traffic are not port matters', () => {
  const allow: AllowEntry[] = [{ host: 'mydjiflight.dji.com' }];

  it('monitor allows any port, allowlisted or not (where one-way refuses it)', () => {
    expect(new EgressGate(oneWay(allow)).open(tcp('mydjiflight.dji.com', 8883), T0).reason).toBe(
      'port-not-allowed',
    );
    const g = new EgressGate(policy({ mode: 'monitor', allow }));
    expect(g.open(tcp('mydjiflight.dji.com', 8883), T0)).toMatchObject({
      verdict: 'allow',
      reason: 'monitor',
    });
    expect(g.open(tcp('x.example', 22), T0)).toMatchObject({ verdict: 'allow', reason: 'monitor' });
    expect(g.admitsName('mydjiflight.dji.com', T0, 8883)).toMatchObject({
      verdict: 'allow',
      reason: 'monitor',
    });
  });

  it('sealed refuses every port as sealed, not as port-not-allowed (as one-way does)', () => {
    expect(new EgressGate(oneWay(allow)).admitsName('mydjiflight.dji.com', T0, 8883).reason).toBe(
      'port-not-allowed',
    );
    const g = new EgressGate(policy({ mode: 'sealed', allow }));
    for (const port of [443, 8883])
      expect(g.open(tcp('mydjiflight.dji.com', port), T0)).toMatchObject({
        verdict: 'block',
        reason: 'sealed',
      });
    expect(g.admitsName('mydjiflight.dji.com', T0, 8883).reason).toBe('sealed');
  });

  it('DNS to an allowlisted name is judged by name: an entry listing only 2101 is answered', () => {
    const g = new EgressGate(oneWay([{ host: 'rtk.caster.example', ports: [2101] }]));
    // A TCP connection on 53 (or 443) is a port matter; a query is not.
    expect(g.open(tcp('rtk.caster.example', 53), T0).reason).toBe('port-not-allowed');
    expect(g.openDns('rtk.caster.example', T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    const udp = { id: 'dns1', name: 'rtk.caster.example', ip: PUBLIC_IP, port: 53, proto: 'udp' as const };
    expect(g.open(udp, T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    const overTcp = { ...udp, id: 'dns2', proto: 'tcp' as const, app: 'dns' as const };
    expect(g.open(overTcp, T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
  });

  it('local traffic follows the policy local settings whatever the port', () => {
    const g = new EgressGate(
      policy({ mode: 'one-way', allow, local: { mdns: 'block', dhcp: 'allow', lan: 'allow' } }),
    );
    const lan = { id: 'l1', ip: '192.168.1.20', port: 8883, proto: 'tcp' as const, local: true };
    expect(g.open(lan, T0)).toMatchObject({ verdict: 'allow', reason: 'local-allowed' });
    // The same port to the allowlisted name leaving the network is refused.
    expect(g.open(tcp('mydjiflight.dji.com', 8883), T0).reason).toBe('port-not-allowed');
  });

  it('an address inside allowedPrivateCidrs still needs the port on the entry', () => {
    const g = new EgressGate(
      policy({
        mode: 'one-way',
        allow: [{ host: 'nas.lan', ports: [8080] }],
        allowedPrivateCidrs: ['10.0.0.0/8'],
      }),
    );
    const at = (port: number) => ({ ...tcp('nas.lan', port), ip: '10.1.2.3' });
    expect(g.open(at(8080), T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    expect(g.open(at(22), T0)).toMatchObject({ verdict: 'block', reason: 'port-not-allowed' });
  });
});

describe('unlock windows open 443 and 80 of their host', () => {
  const window: UnlockWindow = {
    host: 'flysafe-api.dji.com',
    fromMs: T0,
    untilMs: T0 + 10 * 60_000,
    reason: 'geofence unlock, job 42',
  };

  it('a window for a host off the allowlist: 443 and 80 open, 8883 refused as port-not-allowed', () => {
    const g = new EgressGate(oneWay([]), { windows: [window] });
    for (const port of [443, 80])
      expect(g.open(tcp('flysafe-api.dji.com', port), T0)).toMatchObject({
        verdict: 'allow',
        reason: 'unlock-window',
      });
    const d = g.open(tcp('flysafe-api.dji.com', 8883), T0);
    expect(d).toMatchObject({ verdict: 'block', reason: 'port-not-allowed' });
    expect(d.detail).toContain('the unlock window for flysafe-api.dji.com opens 443, 80');
    expect(g.admitsName('flysafe-api.dji.com', T0, 8883).reason).toBe('port-not-allowed');
    // After the window: not allowlisted at all.
    expect(g.open(tcp('flysafe-api.dji.com', 8883), window.untilMs).reason).toBe('not-allowlisted');
  });

  it("another port on a window's host is judged by its entry, budgets included, while the window is open", () => {
    const g = new EgressGate(oneWay([{ host: 'flysafe-api.dji.com', ports: [443, 2101] }]), {
      windows: [window],
    });
    const onWindow = tcp('flysafe-api.dji.com', 443);
    expect(g.open(onWindow, T0)).toMatchObject({ reason: 'unlock-window' });
    expect(g.upstream(onWindow.id, 1024 * 1024, T0)).toMatchObject({ pass: 1024 * 1024, cut: false });
    const other = tcp('flysafe-api.dji.com', 2101);
    expect(g.open(other, T0)).toMatchObject({
      verdict: 'allow',
      reason: 'allowlisted',
      connectionBudget: 65536,
    });
    // The window does not lift the budget of a connection on a port it does not open.
    expect(g.upstream(other.id, 65537, T0 + 1)).toMatchObject({
      pass: 65536,
      cut: true,
      reason: 'connection-budget',
    });
  });

  it('a window on 443 to a host whose entry lists only 2101 is cut when the window closes', () => {
    const g = new EgressGate(oneWay([{ host: 'flysafe-api.dji.com', ports: [2101] }]), { windows: [window] });
    const req = tcp('flysafe-api.dji.com', 443);
    expect(g.open(req, T0)).toMatchObject({ verdict: 'allow', reason: 'unlock-window' });
    expect(g.upstream(req.id, 10, window.untilMs - 1).cut).toBe(false);
    expect(g.upstream(req.id, 1, window.untilMs)).toMatchObject({ cut: true, reason: 'unlock-expired' });
  });

  it('a window does not open a sealed gate on any port', () => {
    const g = new EgressGate(policy({ mode: 'sealed' }), { windows: [window] });
    expect(g.open(tcp('flysafe-api.dji.com', 443), T0).reason).toBe('sealed');
    expect(g.open(tcp('flysafe-api.dji.com', 8883), T0).reason).toBe('sealed');
    // One-way: the window opens 443 but not 8883.
    g.setPolicy(oneWay([]));
    expect(g.open(tcp('flysafe-api.dji.com', 443), T0).reason).toBe('unlock-window');
    expect(g.open(tcp('flysafe-api.dji.com', 8883), T0).reason).toBe('port-not-allowed');
  });
});

describe('admitsName with a port: refused before the name is looked up or charged', () => {
  it("a new name under a '*.' entry asked for on an unlisted port costs nothing", () => {
    const g = new EgressGate(oneWay([{ host: '*.example.net', budget: { upstreamBytesPerHour: 1000 } }]));
    expect(g.admitsName('abcdefgh.example.net', T0, 22)).toMatchObject({
      verdict: 'block',
      reason: 'port-not-allowed',
    });
    expect(g.open(tcp('ijklmnop.example.net', 22), T0).reason).toBe('port-not-allowed');
    expect(g.hourSpent('x.example.net', T0)).toEqual({ ledger: '*.example.net', bytes: 0 });
    // On a listed port it is charged as before.
    expect(g.admitsName('abcdefgh.example.net', T0, 443).verdict).toBe('allow');
    expect(g.hourSpent('x.example.net', T0)?.bytes).toBe('abcdefgh.example.net'.length);
  });

  it('without a port the name alone is judged (as before)', () => {
    const g = new EgressGate(oneWay([{ host: 'rtk.caster.example', ports: [2101] }]));
    expect(g.admitsName('rtk.caster.example', T0)).toMatchObject({ verdict: 'allow', reason: 'allowlisted' });
    expect(g.admitsName('rtk.caster.example', T0, 443)).toMatchObject({
      verdict: 'block',
      reason: 'port-not-allowed',
    });
  });

  it('agrees with open() for every mode, name, port and time (property)', () => {
    const reasons = new Set<string>();
    const window: UnlockWindow = {
      host: 'flysafe-api.dji.com',
      fromMs: T0,
      untilMs: T0 + 60_000,
      reason: 'r',
    };
    const allow: AllowEntry[] = [
      { host: '*.dji.com', ports: [443, 8883] },
      { host: 'mydjiflight.dji.com' },
      { host: 'rtk.caster.example', ports: [2101] },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom('sealed', 'one-way', 'monitor'),
        fc.constantFrom(
          'mydjiflight.dji.com',
          'mqtt.dji.com',
          'flysafe-api.dji.com',
          'rtk.caster.example',
          'x.example',
        ),
        fc.constantFrom(22, 80, 443, 2101, 8883),
        fc.integer({ min: -1000, max: 70_000 }),
        (mode, name, port, dt) => {
          const g = new EgressGate(policy({ mode: mode as NetworkPolicy['mode'], allow }), {
            windows: [window],
          });
          const byName = g.admitsName(name, T0 + dt, port);
          const byOpen = g.open(tcp(name, port), T0 + dt);
          expect([byName.verdict, byName.reason]).toEqual([byOpen.verdict, byOpen.reason]);
          reasons.add(byOpen.reason);
        },
      ),
      { numRuns: 300 },
    );
    // The cases drawn reach the port refusal (an agreement that never refused a port proves little).
    expect(reasons).toContain('port-not-allowed');
  });
});

/**
 * EgressGate.openByName: a connection known by name and port only (a forward-proxy request whose
 * name the gateway resolves; audit of the tablet's side of the proxy sees no address). Its answer
 * must be open()'s at a public address, registering the connection the same way (budgets, ledger,
 * close); only what the address alone decides is not asked. Playbook style, a fixed clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EgressGate, HOUR_MS, type UnlockWindow } from '../../src/policy/egress/index.js';
import type { NetworkPolicy } from '../../src/policy/types.js';
import { PUBLIC_IP, policy, T0 } from './gate-fixtures.js';

const oneWay = (extra: Partial<NetworkPolicy> = {}) =>
  policy({
    mode: 'one-way',
    allow: [
      { host: '*.djicdn.com', budget: { upstreamBytesPerHour: 1000 } },
      { host: 'mydjiflight.dji.com', budget: { upstreamBytesPerConnection: 100 } },
      { host: 'rtk.example', ports: [2101] },
    ],
    ...extra,
  });

let n = 0;
const byName = (name: string, port = 443) => ({
  id: `n${++n}`,
  name,
  port,
  proto: 'tcp' as const,
  app: 'tls' as const,
});
const atPublic = (name: string, port = 443) => ({ ...byName(name, port), ip: PUBLIC_IP });

describe('openByName answers as open() at a public address', () => {
  const window: UnlockWindow = {
    host: 'flysafe-api.dji.com',
    fromMs: T0 + 1000,
    untilMs: T0 + 60_000,
    reason: 'geofence unlock, job 7',
  };

  it('for every mode, name, port and time, with the hour partly spent (property)', () => {
    const names = [
      'dl.djicdn.com',
      'djicdn.com',
      'mydjiflight.dji.com',
      'flysafe-api.dji.com',
      'rtk.example',
      '-bad-',
      'x.example',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom('sealed', 'one-way', 'monitor'),
        fc.constantFrom(...names),
        fc.constantFrom(443, 80, 2101, 8883),
        fc.integer({ min: -2000, max: 70_000 }),
        fc.integer({ min: 0, max: 1200 }),
        (mode, name, port, dt, spent) => {
          // Two gates with the same history: one asked by name, one by name and address.
          const gates = [0, 1].map(() => {
            const g = new EgressGate(oneWay({ mode: mode as NetworkPolicy['mode'] }), { windows: [window] });
            const r = atPublic('a.djicdn.com');
            if (g.open(r, T0 - 5000).verdict === 'allow') g.upstream(r.id, spent, T0 - 5000);
            return g;
          });
          const a = gates[0]!.openByName(byName(name, port), T0 + dt);
          const b = gates[1]!.open(atPublic(name, port), T0 + dt);
          // Without a valid name, open() names the connection by its address; by name, by the text.
          const unnamed = b.destination === PUBLIC_IP;
          const named = { destination: name, ...(b.ledger === PUBLIC_IP ? { ledger: name } : {}) };
          expect(a).toEqual(unnamed ? { ...b, ...named } : b);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('registers the connection: its budget is counted and cut as open()’s, and close() ends it', () => {
    const g = new EgressGate(oneWay());
    const r = byName('mydjiflight.dji.com');
    expect(g.openByName(r, T0)).toMatchObject({
      verdict: 'allow',
      reason: 'allowlisted',
      connectionBudget: 100,
    });
    expect(g.upstream(r.id, 60, T0)).toEqual({ pass: 60, cut: false });
    expect(g.upstream(r.id, 60, T0)).toMatchObject({ pass: 40, cut: true, reason: 'connection-budget' });
    const s = byName('mydjiflight.dji.com');
    g.openByName(s, T0);
    g.close(s.id, T0);
    expect(g.upstream(s.id, 1, T0)).toMatchObject({ cut: true, reason: 'unknown-connection' });
  });

  it("charges the entry's hourly ledger, shared with connections opened by address", () => {
    const g = new EgressGate(oneWay());
    const a = byName('a.djicdn.com');
    g.openByName(a, T0);
    g.upstream(a.id, 700, T0);
    const b = atPublic('b.djicdn.com');
    g.open(b, T0);
    // The entry's 1,000 bytes an hour: 700 up, and each new name under '*.' charged its length.
    const left = 1000 - 700 - 'a.djicdn.com'.length - 'b.djicdn.com'.length;
    expect(g.upstream(b.id, 500, T0)).toMatchObject({ pass: left, cut: true, reason: 'hour-budget' });
    expect(g.openByName(byName('a.djicdn.com'), T0 + 1)).toMatchObject({
      verdict: 'block',
      reason: 'hour-budget-spent',
    });
    expect(g.openByName(byName('a.djicdn.com'), T0 + HOUR_MS)).toMatchObject({ verdict: 'allow' });
  });

  it('judges the port: an entry allows 443 and 80 unless it lists its own', () => {
    const g = new EgressGate(oneWay());
    expect(g.openByName(byName('mydjiflight.dji.com', 80), T0).verdict).toBe('allow');
    expect(g.openByName(byName('mydjiflight.dji.com', 8883), T0)).toMatchObject({
      verdict: 'block',
      reason: 'port-not-allowed',
    });
    expect(g.openByName(byName('rtk.example', 2101), T0).verdict).toBe('allow');
    expect(g.openByName(byName('rtk.example', 443), T0).reason).toBe('port-not-allowed');
  });

  it('never asks what only an address answers: a name is not a private or bad address', () => {
    // open() refuses these addresses in every mode; by name, the gate cannot know where it resolves.
    for (const mode of ['monitor', 'one-way'] as const) {
      const g = new EgressGate(oneWay({ mode }));
      expect(g.open({ ...atPublic('mydjiflight.dji.com'), ip: '10.0.0.5' }, T0).reason).toBe(
        'private-destination',
      );
      expect(g.openByName(byName('mydjiflight.dji.com'), T0).verdict).toBe('allow');
    }
  });

  it('an invalid name is no-name in one-way, its destination the text as given', () => {
    const g = new EgressGate(oneWay());
    expect(g.openByName(byName('Bad..Name'), T0)).toMatchObject({
      verdict: 'block',
      reason: 'no-name',
      destination: 'bad..name',
      detail: "'Bad..Name' is not a valid host name",
    });
  });
});

import { describe, expect, it } from 'vitest';
import { CATALOG, type CatalogEntry, lookup, PURPOSES } from '../../src/catalog/index.js';
import { PolicySchema } from '../../src/policy/schema.js';

describe('catalog data', () => {
  it('has entries', () => {
    expect(CATALOG.length).toBeGreaterThan(5);
  });

  it.each(CATALOG.map((e) => [e.host, e] as const))(
    '%s has a source, a known purpose and a valid pattern',
    (host, e) => {
      expect(e.sources.length).toBeGreaterThan(0);
      for (const s of e.sources) {
        expect(['audit', 'vendor-docs', 'decompiled-code']).toContain(s.kind);
        expect(s.ref.trim().length).toBeGreaterThan(10);
        expect(s.note.trim().length).toBeGreaterThan(5);
        // A URL, when given, must parse.
        const url = /https?:\/\/\S+/.exec(s.ref)?.[0];
        if (url) expect(() => new URL(url)).not.toThrow();
      }
      expect(e.purposes.length).toBeGreaterThan(0);
      for (const p of e.purposes) expect(PURPOSES).toContain(p);
      // The same pattern rules as the policy's allowlist: a catalog host can be pasted into airlock.yaml.
      const parsed = PolicySchema.safeParse({ version: 1, network: { allow: [{ host }] } });
      expect(parsed.success, `${host}: ${parsed.error?.message}`).toBe(true);
      expect(host).toBe(host.toLowerCase());
    },
  );

  it('has no duplicate host', () => {
    const hosts = CATALOG.map((e) => e.host);
    expect(new Set(hosts).size).toBe(hosts.length);
  });
});

describe('lookup', () => {
  it('finds exact names, case- and trailing-dot-insensitively', () => {
    expect(lookup('flysafe-api.dji.com')?.purposes).toContain('geofence');
    expect(lookup('MyDJIFlight.DJI.com.')?.purposes).toEqual(['flight-record-sync', 'firmware']);
  });

  it("finds names under a '*.' entry but not the bare suffix", () => {
    expect(lookup('dl.djicdn.com')?.host).toBe('*.djicdn.com');
    expect(lookup('djicdn.com')).toBeUndefined();
  });

  it('leaves unknown names unknown, even under a known vendor domain', () => {
    expect(lookup('www.dji.com')).toBeUndefined();
    expect(lookup('example.org')).toBeUndefined();
    expect(lookup('not a name')).toBeUndefined();
    expect(lookup('flysafe-api.dji.com.evil.example')).toBeUndefined();
  });

  it('the most specific entry wins', () => {
    const mk = (host: string, label: string): CatalogEntry => ({
      host,
      label,
      purposes: ['analytics'],
      vendor: 'x',
      evidence: 'host',
      sources: [{ kind: 'audit', ref: 'test', note: 'test' }],
    });
    const cat = [
      mk('*.example.com', 'wide'),
      mk('*.cdn.example.com', 'narrow'),
      mk('a.cdn.example.com', 'exact'),
    ];
    expect(lookup('a.cdn.example.com', cat)?.label).toBe('exact');
    expect(lookup('b.cdn.example.com', cat)?.label).toBe('narrow');
    expect(lookup('www.example.com', cat)?.label).toBe('wide');
  });
});

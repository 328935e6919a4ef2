import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_YAML, defaultPolicy, parsePolicy } from '../../src/policy/index.js';

// Each value below is the default the issue states, written out here, not read from the code.
describe('defaults: every value the issue states', () => {
  const p = defaultPolicy();

  it('media: location', () => {
    expect(p.media.location.drone).toEqual({ action: 'coarsen', metres: 1000 });
    expect(p.media.location.operator).toEqual({ action: 'drop' });
    expect(p.media.location.target).toEqual({ action: 'drop' });
    expect(p.media.location.text).toBe('drop');
  });
  it('media: identity, camera, time, attitude, imagery, flight records, keep list', () => {
    expect(p.media.identity).toEqual({ device: 'drop', person: 'drop', infrastructure: 'drop' });
    expect(p.media.camera.model).toBe('keep');
    expect(p.media.time).toBe('date-only');
    expect(p.media.attitude).toBe('drop');
    expect(p.media.imagery.embedded).toBe('drop');
    expect(p.media.imagery.thermal).toBe('drop');
    expect(p.media.flightRecords).toBe('withhold');
    expect(p.media.keep).toEqual([]);
  });
  it('profile, zones', () => {
    expect(p.version).toBe(1);
    expect(p.profile).toBe('default');
    expect(p.zones).toEqual([]);
  });
  it('network: sealed, 64 KiB per connection, 256 KiB per destination per hour, nothing allowed', () => {
    expect(p.network.mode).toBe('sealed');
    expect(p.network.budgets.upstreamBytesPerConnection).toBe(65536);
    expect(p.network.budgets.upstreamBytesPerHour).toBe(262144);
    expect(p.network.allow).toEqual([]);
    expect(p.network.allowedPrivateCidrs).toEqual([]);
  });
  it('gateway listens on loopback only', () => {
    for (const a of [...p.gateway.listen, p.gateway.dnsListen, p.gateway.adminListen]) {
      expect(a.startsWith('127.0.0.1:') || a.startsWith('[::1]:')).toBe(true);
    }
  });
  it('store: sqlite by default, no postgres, HMAC key in its own file', () => {
    expect(p.store.sqlitePath).toBe('airlock.sqlite');
    expect(p.store.postgresUrl).toBeNull();
    expect(p.store.hmacKeyFile).not.toBe(p.store.sqlitePath);
    expect(p.store.anchorFile).toBeTruthy();
    expect(p.store.groupCommitMs).toBeGreaterThan(0);
  });
  it('defaultPolicy() hands out independent copies', () => {
    const a = defaultPolicy();
    a.media.keep.push('x');
    a.network.mode = 'monitor';
    expect(defaultPolicy().media.keep).toEqual([]);
    expect(defaultPolicy().network.mode).toBe('sealed');
  });
});

describe('DEFAULT_POLICY_YAML (what `airlock policy init` writes)', () => {
  it('parses to exactly defaultPolicy()', () => {
    expect(parsePolicy(DEFAULT_POLICY_YAML, 'airlock.yaml')).toStrictEqual(defaultPolicy());
  });
  it('an empty file is the default policy', () => {
    expect(parsePolicy('', 'airlock.yaml')).toStrictEqual(defaultPolicy());
    expect(parsePolicy('# nothing\n', 'airlock.yaml')).toStrictEqual(defaultPolicy());
  });
  it('says that the budget is what stops uploads to a host serving both directions', () => {
    expect(DEFAULT_POLICY_YAML).toMatch(/mydjiflight\.dji\.com[\s\S]*budget is what stops the upload/);
  });
  it('its allowlist examples parse when uncommented, ports included; it says what an entry allows', () => {
    const lines = DEFAULT_POLICY_YAML.split('\n');
    const from = lines.findIndex((l) => l.startsWith("  #   - host: '*.djicdn.com'"));
    const to = lines.indexOf('  allow: []');
    expect(from).toBeGreaterThan(0);
    const entries = lines.slice(from, to).map((l) => l.replace(/^ {2}# {3}/, '    '));
    const p = parsePolicy(`network:\n  allow:\n${entries.join('\n')}\n`, 'a.yaml');
    expect(p.network.allow.at(-1)).toEqual({
      host: 'rtk.caster.example',
      purpose: 'RTK corrections',
      ports: [2101],
      claimsUnnamed: true,
    });
    expect(DEFAULT_POLICY_YAML).toMatch(/allows TCP 443 and 80[\s\S]*Ports do not govern DNS/);
  });
  it('switching its profile takes effect (media controls are not written out over the profile)', () => {
    const mapping = parsePolicy(
      DEFAULT_POLICY_YAML.replace('profile: default', 'profile: mapping'),
      'a.yaml',
    );
    expect(mapping.media.location.drone).toEqual({ action: 'keep' });
  });
});

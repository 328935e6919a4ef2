import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../../src/policy/index.js';

describe('profiles', () => {
  it('mapping keeps what photogrammetry needs and drops identity and the operator', () => {
    const m = parsePolicy('profile: mapping\n', 'a.yaml').media;
    expect(m.location.drone).toEqual({ action: 'keep' });
    expect(m.camera).toEqual({ model: 'keep', calibration: 'keep' });
    expect(m.attitude).toBe('keep');
    expect(m.location.operator).toEqual({ action: 'drop' });
    expect(m.identity).toEqual({ device: 'drop', person: 'drop', infrastructure: 'drop' });
    expect(m.imagery.thermal).toBe('drop');
  });
  it('thermal keeps the radiometric data and is otherwise the default', () => {
    const p = parsePolicy('profile: thermal\n', 'a.yaml');
    const expected = defaultPolicy();
    expected.profile = 'thermal';
    expected.media.imagery.thermal = 'keep';
    expect(p).toStrictEqual(expected);
  });
  it("explicit settings override the profile's, field by field", () => {
    const m = parsePolicy(
      'profile: mapping\nmedia:\n  location:\n    drone: {coarsen: 250}\n  attitude: drop\n',
      'a.yaml',
    ).media;
    expect(m.location.drone).toEqual({ action: 'coarsen', metres: 250 });
    expect(m.attitude).toBe('drop');
    expect(m.camera.calibration).toBe('keep'); // not named in the file: still the profile's
  });
  it('coarsen may be written as a nested block', () => {
    const m = parsePolicy('media:\n  location:\n    target:\n      coarsen: 30\n', 'a.yaml').media;
    expect(m.location.target).toEqual({ action: 'coarsen', metres: 30 });
    expect(m.location.drone).toEqual({ action: 'coarsen', metres: 1000 });
  });
  it('profiles do not touch network, gateway or store', () => {
    const d = defaultPolicy();
    for (const name of ['mapping', 'thermal']) {
      const p = parsePolicy(`profile: ${name}\n`, 'a.yaml');
      expect([p.network, p.gateway, p.store]).toStrictEqual([d.network, d.gateway, d.store]);
    }
  });
  it('a budget override keeps the other budget at its default', () => {
    const p = parsePolicy(
      'network:\n  mode: one-way\n  budgets:\n    upstreamBytesPerHour: 1024\n',
      'a.yaml',
    );
    expect(p.network.mode).toBe('one-way');
    expect(p.network.budgets).toEqual({ upstreamBytesPerConnection: 65536, upstreamBytesPerHour: 1024 });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  DEFAULT_POLICY_YAML,
  defaultPolicy,
  loadPolicyFile,
  parsePolicy,
  policyHash,
} from '../../src/policy/index.js';

describe('policyHash', () => {
  it("is 'sha256:' and 64 hex digits", () => {
    expect(policyHash(defaultPolicy())).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  it('does not depend on key order in the file', () => {
    const a = parsePolicy(
      'network:\n  mode: one-way\n  budgets: {upstreamBytesPerHour: 1, upstreamBytesPerConnection: 2}\nprofile: mapping\n',
      'a.yaml',
    );
    const b = parsePolicy(
      'profile: mapping\nnetwork:\n  budgets: {upstreamBytesPerConnection: 2, upstreamBytesPerHour: 1}\n  mode: one-way\n',
      'b.yaml',
    );
    expect(policyHash(a)).toBe(policyHash(b));
  });
  it('the same for a file spelling out the defaults and for an empty file', () => {
    expect(policyHash(parsePolicy(DEFAULT_POLICY_YAML, 'a.yaml'))).toBe(
      policyHash(parsePolicy('', 'b.yaml')),
    );
  });
  it('changes with any setting', () => {
    const base = policyHash(defaultPolicy());
    expect(policyHash(parsePolicy('profile: thermal\n', 'a.yaml'))).not.toBe(base);
    expect(policyHash(parsePolicy('media:\n  keep: [ICC_Profile]\n', 'a.yaml'))).not.toBe(base);
    expect(policyHash(parsePolicy('media:\n  location:\n    drone: {coarsen: 999}\n', 'a.yaml'))).not.toBe(
      base,
    );
  });
  it('changes when an imported zone file changes, though the policy file does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-hash-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const zone = (lon: number) =>
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [lon, 0],
            [lon + 1, 0],
            [lon + 1, 1],
            [lon, 0],
          ],
        ],
      });
    writeFileSync(join(dir, 'airlock.yaml'), 'zones:\n  - import: site.geojson\n');
    writeFileSync(join(dir, 'site.geojson'), zone(1));
    const before = policyHash(loadPolicyFile(join(dir, 'airlock.yaml')));
    expect(policyHash(loadPolicyFile(join(dir, 'airlock.yaml')))).toBe(before);
    writeFileSync(join(dir, 'site.geojson'), zone(1.0001));
    expect(policyHash(loadPolicyFile(join(dir, 'airlock.yaml')))).not.toBe(before);
  });
});

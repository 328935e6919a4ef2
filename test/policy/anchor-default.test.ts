/**
 * An anchor vouches for one store's chain, so its default follows the store's own path: a policy
 * that names its sqlitePath and no anchorFile gets the store's name with `.anchor`, never the
 * airlock.anchor another store in the same folder may hold (the gateway refuses to start on
 * another store's anchor, and two stores would overwrite each other's).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_YAML } from '../../src/policy/default-yaml.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { parsePolicy } from '../../src/policy/load.js';

const store = (yaml: string) => parsePolicy(yaml, 'airlock.yaml', { baseDir: '/srv' }).store;

describe('store.anchorFile default', () => {
  it('is airlock.anchor for the default store, and in the file `policy init` writes', () => {
    expect(defaultPolicy().store.anchorFile).toBe('airlock.anchor');
    expect(store('network:\n  mode: sealed\n').anchorFile).toBe('airlock.anchor');
    expect(store(DEFAULT_POLICY_YAML).anchorFile).toBe('airlock.anchor');
  });

  it("follows a store's own sqlitePath", () => {
    expect(store('store:\n  sqlitePath: fleet.sqlite\n').anchorFile).toBe('fleet.anchor');
    expect(store('store:\n  sqlitePath: /var/lib/airlock/tablet-7.db\n').anchorFile).toBe(
      '/var/lib/airlock/tablet-7.anchor',
    );
    expect(store('store:\n  sqlitePath: records/log\n').anchorFile).toBe('records/log.anchor');
    // Never the database itself.
    expect(store('store:\n  sqlitePath: odd.anchor\n').anchorFile).toBe('odd.anchor.anchor');
  });

  it('is what the policy names, when it names one', () => {
    expect(store('store:\n  sqlitePath: fleet.sqlite\n  anchorFile: /safe/fleet.head\n').anchorFile).toBe(
      '/safe/fleet.head',
    );
    expect(store('store:\n  anchorFile: kept.anchor\n')).toMatchObject({
      sqlitePath: 'airlock.sqlite',
      anchorFile: 'kept.anchor',
    });
  });
});

/**
 * A SIGHUP reload applies the network section; the gateway and store sections are read at start.
 * The reload message names each of those that changed (a new dnsUpstream was silently ignored).
 */
import { describe, expect, it } from 'vitest';
import { restartOnly } from '../../src/gateway/gateway.js';
import { defaultPolicy } from '../../src/policy/index.js';

describe('reload: settings that wait for a restart', () => {
  it('names each changed gateway or store setting, and nothing for a network-only change', () => {
    const was = defaultPolicy();
    const next = defaultPolicy();
    next.network.mode = 'sealed';
    expect(restartOnly(was, next)).toEqual([]);
    next.gateway.dnsUpstream = '198.18.0.53:53';
    next.gateway.transparent = { ...next.gateway.transparent, tls: '0.0.0.0:8443' };
    next.store.groupCommitMs = 10;
    expect(restartOnly(was, next)).toEqual([
      'gateway.transparent',
      'gateway.dnsUpstream',
      'store.groupCommitMs',
    ]);
  });
});

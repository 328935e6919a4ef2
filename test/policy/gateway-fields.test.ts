import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/index.js';

describe('policy: gateway.transparent and gateway.dnsUpstream', () => {
  it('are off by default (no transparent listener, no upstream resolver)', () => {
    const p = defaultPolicy();
    expect(p.gateway.transparent).toEqual({ tls: null, http: null, other: null });
    expect(p.gateway.dnsUpstream).toBeNull();
  });

  it('read from the file; one transparent listener may be set alone', () => {
    const p = parsePolicy(
      "gateway:\n  transparent: {tls: '0.0.0.0:8443'}\n  dnsUpstream: '198.18.0.10:53'\n",
      'airlock.yaml',
    );
    expect(p.gateway.transparent).toEqual({ tls: '0.0.0.0:8443', http: null, other: null });
    expect(p.gateway.dnsUpstream).toBe('198.18.0.10:53');
  });

  it('a listen address that is not host:port, or an unknown key, is an error with its line', () => {
    for (const [text, path] of [
      ["gateway:\n  transparent: {tls: '0.0.0.0'}\n", /^airlock\.yaml:2:\d+: gateway\.transparent\.tls: /],
      ["gateway:\n  dnsUpstream: 'resolver.example'\n", /^airlock\.yaml:2:\d+: gateway\.dnsUpstream: /],
      ["gateway:\n  transparent: {quic: '0.0.0.0:443'}\n", /^airlock\.yaml:2:\d+: gateway\.transparent/],
    ] as const) {
      let err: unknown;
      try {
        parsePolicy(text, 'airlock.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AirlockError);
      expect((err as AirlockError).message).toMatch(path);
    }
  });
});

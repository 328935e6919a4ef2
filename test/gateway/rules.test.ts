/**
 * `airlock gateway rules`: the nftables text is checked by Debian's nft itself (`nft -c`, check
 * mode: parsed and validated against the kernel without being loaded). Loading it for real in a
 * network namespace is netns.test.ts's job.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { nftablesRules } from '../../src/gateway/rules/nftables.js';
import { defaultPolicy } from '../../src/policy/index.js';

const NFT = '/usr/sbin/nft';

function boxPolicy() {
  const p = defaultPolicy();
  p.gateway.transparent = { tls: '0.0.0.0:8443', http: '0.0.0.0:8080' };
  p.gateway.dnsListen = '0.0.0.0:53';
  return p;
}

const nftCheck = (text: string): string =>
  execFileSync(NFT, ['-c', '-f', '-'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

describe('gateway rules (nftables)', () => {
  const text = nftablesRules({ policy: boxPolicy(), lan: 'wlan0', wan: 'eth0' });

  it('nft accepts the ruleset in check mode', () => {
    expect(() => nftCheck(text)).not.toThrow();
  });

  it('nft rejects a broken ruleset in check mode (the check can fail)', () => {
    expect(() => nftCheck(text.replace('redirect to', 'redirect too'))).toThrow();
  });

  it('redirects 80/443 and DNS from the LAN to the listeners, and drops the rest forwarded', () => {
    expect(text).toContain('table inet airlock {');
    expect(text).toContain('iifname "wlan0" meta nfproto ipv4 tcp dport 443 redirect to :8443');
    expect(text).toContain('iifname "wlan0" meta nfproto ipv4 tcp dport 80 redirect to :8080');
    expect(text).toContain('iifname "wlan0" meta nfproto ipv4 udp dport 53 redirect to :53');
    expect(text).toContain('iifname "wlan0" meta nfproto ipv4 tcp dport 53 redirect to :53');
    expect(text).toMatch(/chain forward \{\n\s+type filter hook forward priority filter; policy drop;/);
    expect(text).toContain('iifname "eth0" oifname "wlan0" ct state established,related accept');
    for (const c of ['lan_ipv6', 'lan_udp', 'lan_tcp', 'lan_other'])
      expect(text).toContain(`counter name ${c} drop`);
    // Nothing from the LAN is ever accepted in the forward chain.
    const forward = text.slice(text.indexOf('chain forward'));
    expect(forward).not.toMatch(/iifname "wlan0"[^\n]*accept/);
  });

  it('refuses what would make rules that do not work or inject text', () => {
    const off = defaultPolicy();
    expect(() => nftablesRules({ policy: off, lan: 'wlan0', wan: 'eth0' })).toThrow(
      /transparent\.tls is off/,
    );
    const loop = boxPolicy();
    loop.gateway.dnsListen = '127.0.0.1:5353';
    expect(() => nftablesRules({ policy: loop, lan: 'wlan0', wan: 'eth0' })).toThrow(/loopback/);
    expect(() =>
      nftablesRules({ policy: boxPolicy(), lan: 'wlan0"; flush ruleset; "', wan: 'eth0' }),
    ).toThrow(/not an interface name/);
    expect(() => nftablesRules({ policy: boxPolicy(), lan: 'eth0', wan: 'eth0' })).toThrow(/differ/);
  });

  it('the CLI prints the same text for a policy file', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'airlock-rules-'));
    try {
      const file = join(dir, 'airlock.yaml');
      writeFileSync(
        file,
        "gateway:\n  dnsListen: '0.0.0.0:53'\n  transparent: {tls: '0.0.0.0:8443', http: '0.0.0.0:8080'}\n",
      );
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
        out += String(s);
        return true;
      });
      try {
        expect(
          await main([
            'node',
            'airlock',
            'gateway',
            'rules',
            '--policy',
            file,
            '--lan',
            'wlan0',
            '--wan',
            'eth0',
          ]),
        ).toBe(0);
      } finally {
        spy.mockRestore();
      }
      expect(out).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

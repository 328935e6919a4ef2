/**
 * `airlock gateway rules`: the nftables text is checked by Debian's nft itself (`nft -c`, check
 * mode: parsed and validated against the kernel without being loaded). Loading it for real in a
 * network namespace is netns.test.ts's job.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { rulesNote } from '../../src/gateway/gateway.js';
import { extraPorts, nftablesRules } from '../../src/gateway/rules/nftables.js';
import { defaultPolicy } from '../../src/policy/index.js';

const NFT = '/usr/sbin/nft';

function boxPolicy() {
  const p = defaultPolicy();
  p.gateway.transparent = { tls: '0.0.0.0:8443', http: '0.0.0.0:8080', other: null };
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

  it('without allowlist ports beyond 443/80 nothing else is redirected, and no third listener is needed', () => {
    const p = boxPolicy();
    // The listener may be on with nothing to redirect to it.
    p.gateway.transparent.other = '0.0.0.0:8444';
    p.network.allow = [{ host: 'files.example' }, { host: 'maps.example', ports: [443, 80] }];
    const t = nftablesRules({ policy: p, lan: 'wlan0', wan: 'eth0' });
    expect(extraPorts(p)).toEqual([]);
    expect(t.match(/redirect to/g)).toHaveLength(4);
    expect(t).not.toMatch(/Allowlist ports|8444/);
    expect(() => nftCheck(t)).not.toThrow();
  });

  describe("the allowlist's extra ports (transparent.other)", () => {
    const withPorts = () => {
      const p = boxPolicy();
      p.gateway.transparent.other = '0.0.0.0:8444';
      p.network.allow = [
        { host: 'rtk.example', ports: [2101, 443] },
        { host: '*.caster.example', ports: [5443, 2101] },
        // 443, 80 have listeners of their own; TCP 53 is always Airlock's DNS.
        { host: 'files.example', ports: [80, 53] },
        { host: 'maps.example' },
      ];
      return p;
    };

    it('redirects exactly the ports entries list beyond 443/80 (IPv4) to the other listener, whatever the mode', () => {
      for (const mode of ['one-way', 'sealed', 'monitor'] as const) {
        const p = withPorts();
        p.network.mode = mode;
        const t = nftablesRules({ policy: p, lan: 'wlan0', wan: 'eth0' });
        expect(extraPorts(p)).toEqual([2101, 5443]);
        const redirects = t.split('\n').filter((l) => l.includes('redirect to :8444'));
        expect(redirects).toEqual([
          '    iifname "wlan0" meta nfproto ipv4 tcp dport { 2101, 5443 } redirect to :8444',
        ]);
        // The LAN reaches the listener itself (the redirect lands on the box's input chain).
        expect(t).toContain('meta nfproto ipv4 tcp dport { 53, 8080, 8443, 8444 } accept');
        expect(t).toContain('# Allowlist ports redirected to gateway.transparent.other: 2101, 5443');
        // Every other forwarded port is still dropped and counted.
        expect(t).toContain('iifname "wlan0" meta l4proto tcp counter name lan_tcp drop');
        expect(() => nftCheck(t)).not.toThrow();
      }
    });

    it('a reload that changes the listed ports says the rules must be loaded again; one that does not, nothing', () => {
      const was = withPorts();
      const same = withPorts();
      same.network.mode = 'sealed';
      expect(rulesNote(was, same)).toBe('');
      const more = withPorts();
      more.network.allow.push({ host: 'mqtt.example', ports: [8883] });
      expect(rulesNote(was, more)).toMatch(
        /extra ports changed \(2101, 5443 -> 2101, 5443, 8883\): on a gateway box, print and load the rules again/,
      );
      const none = withPorts();
      none.network.allow = [];
      expect(rulesNote(was, none)).toMatch(/\(2101, 5443 -> none\)/);
    });

    it('refuses to print rules that would leave a listed port unreachable', () => {
      const off = withPorts();
      off.gateway.transparent.other = null;
      expect(() => nftablesRules({ policy: off, lan: 'wlan0', wan: 'eth0' })).toThrow(
        /transparent\.other is off, but allowlist entries list ports 2101, 5443/,
      );
      const loop = withPorts();
      loop.gateway.transparent.other = '127.0.0.1:8444';
      expect(() => nftablesRules({ policy: loop, lan: 'wlan0', wan: 'eth0' })).toThrow(
        /gateway\.transparent\.other is 127\.0\.0\.1:8444: a loopback address/,
      );
    });
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

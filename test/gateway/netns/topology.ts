/**
 * A three-namespace topology for the gateway's proof: tablet → gw → internet, joined by veth
 * pairs. Names are unique per run (a prefix with the pid and a random tag) so parallel or
 * crashed runs never collide; destroy() removes everything it made, and is safe to call twice.
 *
 *   tablet  t0 192.168.77.2/24, fd77::2/64 ── lan0 192.168.77.1/24, fd77::1/64  gw
 *   gw      wan0 198.18.0.1/24, 2001:2::1/64 ── i0 198.18.0.10/24, 2001:2::10/64  internet
 *
 * The internet is the benchmarking ranges (198.18.0.0/15, 2001:2::/48): the gate classes them as
 * public, so its private-range protection stays on. The gw forwards IPv4 and IPv6 (as a real box
 * would), so only its nftables rules stand between the tablet and the internet.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const ADDR = {
  tablet: '192.168.77.2',
  tablet6: 'fd77::2',
  gwLan: '192.168.77.1',
  gwLan6: 'fd77::1',
  gwWan: '198.18.0.1',
  internet: '198.18.0.10',
  internet6: '2001:2::10',
} as const;

const IP = '/usr/sbin/ip';

/** ip netns / nft present and usable here (root, a kernel that allows namespaces). */
export function netnsUsable(): string | undefined {
  const probe = `alprobe${process.pid}`;
  try {
    execFileSync(IP, ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync(IP, ['netns', 'del', probe], { stdio: 'pipe' });
    execFileSync('/usr/sbin/nft', ['--version'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export class Topology {
  readonly tag = `al${process.pid % 100000}${randomBytes(2).toString('hex')}`;
  readonly ns = { tablet: `${this.tag}-tab`, gw: `${this.tag}-gw`, internet: `${this.tag}-net` };
  private readonly children = new Set<ChildProcess>();
  private made: string[] = [];

  create(): void {
    for (const n of Object.values(this.ns)) {
      execFileSync(IP, ['netns', 'add', n]);
      this.made.push(n);
      this.in(n, IP, ['link', 'set', 'lo', 'up']);
    }
    const { tablet, gw, internet } = this.ns;
    execFileSync(IP, [
      'link',
      'add',
      't0',
      'netns',
      tablet,
      'type',
      'veth',
      'peer',
      'name',
      'lan0',
      'netns',
      gw,
    ]);
    execFileSync(IP, [
      'link',
      'add',
      'wan0',
      'netns',
      gw,
      'type',
      'veth',
      'peer',
      'name',
      'i0',
      'netns',
      internet,
    ]);
    // nodad: IPv6 addresses usable at once, without duplicate address detection's wait.
    const addr = (n: string, dev: string, a: string) =>
      this.in(n, IP, ['addr', 'add', a, 'dev', dev, ...(a.includes(':') ? ['nodad'] : [])]);
    addr(tablet, 't0', `${ADDR.tablet}/24`);
    addr(tablet, 't0', `${ADDR.tablet6}/64`);
    addr(gw, 'lan0', `${ADDR.gwLan}/24`);
    addr(gw, 'lan0', `${ADDR.gwLan6}/64`);
    addr(gw, 'wan0', `${ADDR.gwWan}/24`);
    addr(gw, 'wan0', '2001:2::1/64');
    addr(internet, 'i0', `${ADDR.internet}/24`);
    addr(internet, 'i0', `${ADDR.internet6}/64`);
    for (const [n, dev] of [
      [tablet, 't0'],
      [gw, 'lan0'],
      [gw, 'wan0'],
      [internet, 'i0'],
    ] as const)
      this.in(n, IP, ['link', 'set', dev, 'up']);
    this.in(tablet, IP, ['route', 'add', 'default', 'via', ADDR.gwLan]);
    this.in(tablet, IP, ['-6', 'route', 'add', 'default', 'via', ADDR.gwLan6]);
    this.in(internet, IP, ['route', 'add', '192.168.77.0/24', 'via', ADDR.gwWan]);
    this.in(internet, IP, ['-6', 'route', 'add', 'fd77::/64', 'via', '2001:2::1']);
    this.in(gw, '/usr/sbin/sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    // `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc: the tablet asks the gw for names,
    // the gw asks the internet's resolver (as the box would ask its uplink's).
    this.etc(tablet, 'resolv.conf', `nameserver ${ADDR.gwLan}\noptions timeout:2 attempts:1\n`);
    this.etc(gw, 'resolv.conf', `nameserver ${ADDR.internet}\noptions timeout:2 attempts:1\n`);
    this.etc(tablet, 'hosts', '127.0.0.1 localhost\n');
    this.etc(gw, 'hosts', '127.0.0.1 localhost\n');
  }

  private etc(n: string, file: string, text: string): void {
    mkdirSync(`/etc/netns/${n}`, { recursive: true });
    writeFileSync(`/etc/netns/${n}/${file}`, text);
  }

  /** Runs a command to completion inside namespace `n`; stdout. Throws on a non-zero exit. */
  in(n: string, cmd: string, args: string[], input?: string): string {
    return execFileSync(IP, ['netns', 'exec', n, cmd, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
    }).toString();
  }

  /** Runs a command inside `n` without blocking the event loop (the test's servers live here). */
  run(
    n: string,
    cmd: string,
    args: string[],
    timeoutMs = 30_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const p = spawn(IP, ['netns', 'exec', n, cmd, ...args]);
      this.children.add(p);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.stdout.on('data', (d: Buffer) => out.push(d));
      p.stderr.on('data', (d: Buffer) => err.push(d));
      p.on('close', (code) => {
        clearTimeout(t);
        this.children.delete(p);
        resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
    });
  }

  /** Starts a long-running process inside `n`; each stdout line goes to `onLine`. */
  start(
    n: string,
    cmd: string,
    args: string[],
    onLine: (line: string) => void,
    onErr?: (s: string) => void,
  ): ChildProcess {
    const p = spawn(IP, ['netns', 'exec', n, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(p);
    p.on('close', () => this.children.delete(p));
    createInterface({ input: p.stdout! }).on('line', onLine);
    p.stderr!.on('data', (d: Buffer) => onErr?.(d.toString()));
    return p;
  }

  /** Kills what it started (by pid, one at a time) and deletes its namespaces and /etc/netns files. */
  destroy(): void {
    for (const p of this.children) p.kill('SIGKILL');
    this.children.clear();
    for (const n of this.made) {
      try {
        execFileSync(IP, ['netns', 'del', n], { stdio: 'pipe' });
      } catch {}
      rmSync(`/etc/netns/${n}`, { recursive: true, force: true });
    }
    this.made = [];
  }
}

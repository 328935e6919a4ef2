/**
 * The gateway box of the namespace tests, shared by netns.test.ts and audit-agrees.test.ts: the
 * topology (topology.ts), the test internet's servers (internet.mjs) with their event lines, the
 * ruleset `airlock gateway rules` prints loaded by nft in gw, the real CLI gateway in gw, and the
 * tablet's clients (Debian's curl, probe.mjs). The log is read as an auditor reads it:
 * `airlock log export --json`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { airlock, BIN } from '../../cli/built.js';
import { ADDR, netnsUsable, Topology } from './topology.js';

export const NODE = process.execPath;

/** The box's playbook policy: what netns.test.ts and audit-agrees.test.ts both run under. */
export const UP_BUDGET = 4096;
export const TRICKLE = { perConnection: 3000, perHour: 10_000 };
export const DNS_PER_MINUTE = 40;
/** The names the test internet answers, all at its one address. */
export const NAMES = Object.fromEntries(
  ['files.test', 'up.test', 'trickle.test', 'elsewhere.test', 'cdn.test', 'rtk.test', 'caster.test'].map(
    (n) => [n, ADDR.internet],
  ),
);
/**
 * The allowlist's extra ports (netns/internet.mjs serves them): an RTK caster, rtk.test, over
 * plain HTTP on 2101 and over TLS on 5443, listed by its entry (`extraPorts`), with an upload
 * budget of its own; 2102 is listed by no entry; an NTRIP 1.0 caster, caster.test, on 2105, whose
 * entry claims unnamed connections there (a rover that sends no Host).
 */
export const RTK = {
  http: 2101,
  tls: 5443,
  unlisted: 2102,
  ntrip: 2105,
  budget: 3500,
  listener: 8444,
} as const;

/**
 * The policy in `mode`; with `proxyPort`, the forward proxy listens on the box's LAN side too;
 * with `extraPorts`, rtk.test is allowlisted on RTK's ports and the `other` transparent listener is on.
 */
export function boxPolicyYaml(mode: string, proxyPort?: number, extraPorts = false): string {
  const rtk = extraPorts
    ? `    - host: rtk.test
      ports: [${RTK.http}, ${RTK.tls}]
      budget: {upstreamBytesPerConnection: ${RTK.budget}}
    - host: caster.test
      ports: [${RTK.ntrip}]
      claimsUnnamed: true
`
    : '';
  const other = extraPorts ? `, other: '0.0.0.0:${RTK.listener}'` : '';
  return `network:
  mode: ${mode}
  allow:
    - host: files.test
    - host: up.test
      budget: {upstreamBytesPerConnection: ${UP_BUDGET}}
    - host: trickle.test
      budget: {upstreamBytesPerConnection: ${TRICKLE.perConnection}, upstreamBytesPerHour: ${TRICKLE.perHour}}
    - host: '*.cdn.test'
${rtk}  dns: {maxNameLength: 64, maxQueriesPerMinute: ${DNS_PER_MINUTE}}
gateway:
${proxyPort === undefined ? '' : `  listen: ['0.0.0.0:${proxyPort}']\n`}  dnsListen: '0.0.0.0:5353'
  transparent: {tls: '0.0.0.0:8443', http: '0.0.0.0:8080'${other}}
  dnsUpstream: '${ADDR.internet}:53'
  handshakeTimeoutSeconds: 3
store:
  groupCommitMs: 10
`;
}
const PROBE = join(import.meta.dirname, 'probe.mjs');
const INTERNET = join(import.meta.dirname, 'internet.mjs');

export type Row = Record<string, unknown> & { kind: string; reason?: string; destination?: string };
export type Outcome = { code: number | null; stdout: string; stderr: string };

/** Fails (never skips) where namespaces or nft are unusable: CI runs as root with both installed. */
export function requireNetns(): void {
  const unusable = netnsUsable();
  if (unusable)
    throw new Error(`network namespaces or nft unusable here (root, iproute2, nftables): ${unusable}`);
}

export class GatewayBox {
  readonly topo = new Topology();
  /** The internet's event lines (JSON), in order. */
  readonly events: Record<string, unknown>[] = [];
  gateway: ChildProcess | undefined;
  /** The gateway's stderr so far. */
  gatewayErr = '';

  /** `dir` holds cert.pem (selfSignedCert) and the policy file; the store goes beside it. */
  constructor(
    readonly dir: string,
    readonly policyFile: string,
  ) {}

  /** Starts internet.mjs serving `blobFile` and answering `names` (name → address); resolves once ready. */
  startInternet(blobFile: string, names: Record<string, string>): Promise<void> {
    return new Promise((ready) => {
      this.topo.start(
        this.topo.ns.internet,
        NODE,
        [INTERNET, join(this.dir, 'cert.pem'), join(this.dir, 'key.pem'), blobFile, JSON.stringify(names)],
        (line) => {
          const e = JSON.parse(line) as Record<string, unknown>;
          if (e.ev === 'ready') ready();
          else this.events.push(e);
        },
      );
    });
  }

  /** `airlock gateway rules … --lan lan0 --wan wan0`, loaded by nft in gw. */
  loadRules(): void {
    const rules = airlock([
      'gateway',
      'rules',
      '--policy',
      this.policyFile,
      '--lan',
      'lan0',
      '--wan',
      'wan0',
    ]);
    if (rules.stderr !== '' || rules.code !== 0) throw new Error(`gateway rules: ${rules.stderr}`);
    this.topo.in(this.topo.ns.gw, '/usr/sbin/nft', ['-f', '-'], rules.stdout);
  }

  /** The CLI gateway in gw; resolves once its transparent HTTP listener is up. */
  async startGateway(): Promise<void> {
    let started!: () => void;
    const listening = new Promise<void>((res) => {
      started = res;
    });
    this.gateway = this.topo.start(
      this.topo.ns.gw,
      NODE,
      [BIN, 'gateway', '--policy', this.policyFile],
      () => {},
      (s) => {
        this.gatewayErr += s;
        if (/transparent http/.test(this.gatewayErr)) started();
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      listening,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`gateway did not start: ${this.gatewayErr}`)), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** SIGTERM, and waits for the gateway to have recorded its last rows and exited. */
  async stopGateway(): Promise<void> {
    const g = this.gateway;
    if (!g || g.exitCode !== null || g.signalCode !== null) return;
    const stopped = new Promise((res) => g.once('close', res));
    g.kill('SIGTERM');
    await stopped;
  }

  /** Runs a command in the tablet namespace (its default route and DNS are the gw). */
  tablet(cmd: string, args: string[], timeoutMs?: number): Promise<Outcome> {
    return this.topo.run(this.topo.ns.tablet, cmd, args, timeoutMs);
  }

  /**
   * RTKLIB's str2str in the tablet as an NTRIP 1.0 rover of caster.test's caster (RTK.ntrip), aimed
   * at its address as a configured rover is (its request names no host): a position up every
   * 200 ms, the corrections into `out`, for `ms` (then killed).
   */
  ntripRover(out: string, ms: number): Promise<Outcome> {
    const to = `ntrip://user:pw@${ADDR.internet}:${RTK.ntrip}/MNT`;
    const args = ['-in', to, '-out', `file://${out}`, '-n', '200', '-p', '47.4', '8.5', '400'];
    return this.tablet('/usr/bin/str2str', args, ms);
  }

  /** probe.mjs in the tablet: its last line of JSON. */
  async probe(...args: string[]): Promise<Record<string, unknown>> {
    const r = await this.tablet(NODE, [PROBE, ...args]);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  }

  /** Debian's curl in the tablet, trusting the test certificate. */
  curl(args: string[]): Promise<Outcome> {
    return this.tablet('/usr/bin/curl', [
      '-sS',
      '--max-time',
      '10',
      '--cacert',
      join(this.dir, 'cert.pem'),
      ...args,
    ]);
  }

  /** The log as an auditor gets it: `airlock log export --json`. */
  exported(): Row[] {
    const r = airlock(['log', 'export', '--json', '--policy', this.policyFile]);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { row: Row }).row);
  }

  /**
   * Wireshark's dumpcap on the tablet's link (t0, inside the tablet namespace) writing pcapng to
   * `file`; resolves once it captures. stop() ends it (SIGINT: the file is flushed and closed) and
   * gives the packets the kernel says it dropped, so a test can insist the capture is whole.
   */
  async captureTablet(file: string): Promise<{ stop: () => Promise<{ dropped: number; log: string }> }> {
    let log = '';
    let capturing!: () => void;
    const on = new Promise<void>((res) => {
      capturing = res;
    });
    const p = this.topo.start(
      this.topo.ns.tablet,
      '/usr/bin/dumpcap',
      ['-i', 't0', '-B', '16', '-w', file],
      () => {},
      (s) => {
        log += s;
        // "Capturing on …" is printed before the interface is opened; "File: …" once it is open
        // and the file made. Starting on the first lost the playbook's first packets.
        if (/^File: /m.test(log)) capturing();
      },
    );
    const closed = new Promise((res) => p.once('close', res));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      on,
      closed.then(() => {
        throw new Error(`dumpcap ended: ${log}`);
      }),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`dumpcap did not start: ${log}`)), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return {
      stop: async () => {
        p.kill('SIGINT');
        await closed;
        // "Packets received/dropped on interface 't0': 812/0 (pcap:0/dumpcap:0/flushed:0/…)"
        const m = /received\/dropped on interface '[^']*': \d+\/(\d+)/.exec(log);
        if (!m) throw new Error(`dumpcap said no packet count: ${log}`);
        return { dropped: Number(m[1]), log };
      },
    };
  }

  /** Packets an nft counter of the ruleset (table inet airlock) has counted. */
  counter(name: string): number {
    const listed = this.topo.in(this.topo.ns.gw, '/usr/sbin/nft', [
      'list',
      'counter',
      'inet',
      'airlock',
      name,
    ]);
    return Number(/packets (\d+)/.exec(listed)?.[1]);
  }

  eventsOf(ev: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.ev === ev);
  }

  /** Kills what it started and removes the namespaces; safe to call twice. */
  destroy(): void {
    this.topo.destroy();
  }
}

export { ADDR };

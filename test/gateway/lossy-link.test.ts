/**
 * On a lossy link the capture holds segments twice, the gateway reads them once: the audit of
 * the tablet's capture must still give each connection the answer and the bytes up the gateway
 * logged (issue #5: "a capture judged offline and live traffic get the same answer"). The box of
 * netns/box.ts, with the gw dropping every third data segment the tablet sends before anything
 * else sees it (nftables, prerouting): the tablet, captured on its own link, sends those again.
 * Uploads over HTTPS and HTTP within and over their budgets, two on one keep-alive connection
 * (each request judged and budgeted on its own), and a download, audited as an auditor
 * would (`airlock audit --connections`, a line per connection). Oracles: the
 * gateway's rows (`airlock log export`) for the answers; tshark for the retransmissions, and for
 * the payload captured, which for an upload within its budget is over it (what charging the
 * capture's payload would have cut). Needs root, iproute2, nftables, dumpcap and tshark, as
 * audit-agrees.test.ts; fails, never skips, without.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionLine } from '../../src/report/audit/connections.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { ADDR, boxPolicyYaml, GatewayBox, NAMES, type Row, requireNetns, UP_BUDGET } from './netns/box.js';
import { selfSignedCert } from './self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-lossy-'));
const policyFile = join(dir, 'airlock.yaml');
const box = new GatewayBox(dir, policyFile);
/** files.test has no budget of its own: the policy's default, 64 KiB a connection. */
const DEFAULT_BUDGET = 64 * 1024;

/** Drops every third TCP segment with data from the tablet as it reaches the gw, before the redirect. */
const LOSS = `table inet airlock_test_loss {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    iifname "lan0" ip saddr ${ADDR.tablet} meta l4proto tcp meta length > 200 numgen inc mod 3 == 0 drop
  }
}
`;

/** One curl from the tablet: what it was for, its port, when it ran. */
interface Probe {
  what: string;
  port: number;
  fromMs: number;
  toMs: number;
}
const probes: Probe[] = [];
let lines: ConnectionLine[] = [];
let rows: Row[] = [];
let capture = '';

async function curl(what: string, ...args: string[]): Promise<void> {
  const fromMs = Date.now();
  const r = await box.curl(['-o', '/dev/null', '-w', '%{local_port}', '-H', 'Expect:', ...args]);
  const port = Number(r.stdout);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${what}: no local port (${r.stderr})`);
  probes.push({ what, port, fromMs, toMs: Date.now() });
}

const upload = (bytes: number): string => {
  const f = join(dir, `up-${bytes}.bin`);
  if (!existsSync(f)) writeFileSync(f, randomBytes(bytes));
  return `@${f}`;
};

/** The probe's rows and lines (a keep-alive connection's requests: several): its tablet address and port, while it ran. */
function pair(p: Probe): { rows: Row[]; lines: ConnectionLine[] } {
  const within = (ms: number) => ms >= p.fromMs - 1 && ms <= p.toMs;
  const client = `${ADDR.tablet}:${p.port}`;
  return {
    rows: rows.filter((r) => r.kind === 'connection' && r.client === client && within(Number(r.tsMs))),
    lines: lines.filter((l) => l.client === client && within(Date.parse(l.ts))),
  };
}

const gatewaySays = (r: Row) =>
  r.verdict === 'block'
    ? { decision: 'blocked', reason: r.reason, up: null }
    : r.cut !== undefined
      ? { decision: 'cut', reason: r.cut, up: r.bytesUp }
      : { decision: 'allowed', reason: r.reason, up: r.bytesUp };

const auditSays = (l: ConnectionLine) =>
  l.outcome === 'blocked' || l.outcome === 'unheard'
    ? { decision: l.outcome, reason: l.reason, up: null }
    : { decision: l.outcome, reason: l.reason, up: l.up };

/** tshark over the capture: per tablet port, the retransmitted segments and the payload captured up. */
function tsharkUp(): Map<number, { retransmitted: number; captured: number }> {
  const out = new Map<number, { retransmitted: number; captured: number }>();
  const lines = execFileSync(
    'tshark',
    [
      '-n',
      '-r',
      capture,
      '-Y',
      `ip.src == ${ADDR.tablet} && tcp.len > 0`,
      '-T',
      'fields',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.len',
      '-e',
      'tcp.analysis.retransmission',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
  );
  for (const l of lines.split('\n').filter(Boolean)) {
    const [port, len, retransmission] = l.split('\t');
    const s = out.get(Number(port)) ?? { retransmitted: 0, captured: 0 };
    s.captured += Number(len);
    if (retransmission) s.retransmitted++;
    out.set(Number(port), s);
  }
  return out;
}

beforeAll(async () => {
  requireNetns();
  if (!existsSync('/usr/bin/dumpcap'))
    throw new Error('dumpcap missing (wireshark-common): scripts/setup-test-deps.sh');
  ensureBuilt();
  selfSignedCert(dir, ['files.test', 'up.test']);
  writeFileSync(join(dir, 'blob.bin'), randomBytes(300_000));
  writeFileSync(policyFile, boxPolicyYaml('one-way'));
  box.topo.create();
  await box.startInternet(join(dir, 'blob.bin'), NAMES);
  box.loadRules();
  box.topo.in(box.topo.ns.gw, '/usr/sbin/nft', ['-f', '-'], LOSS);
  await box.startGateway();
  capture = join(dir, 'lossy.pcapng');
  const cap = await box.captureTablet(capture);
  const r = (name: string) => [
    '--resolve',
    `${name}:443:${ADDR.internet}`,
    '--resolve',
    `${name}:80:${ADDR.internet}`,
  ];
  await curl(
    'https upload within the budget',
    ...r('files.test'),
    '--data-binary',
    upload(56_000),
    'https://files.test/sync',
  );
  await curl(
    'https upload over the budget',
    ...r('files.test'),
    '--data-binary',
    upload(200_000),
    'https://files.test/sync',
  );
  await curl(
    'http upload within the budget',
    ...r('up.test'),
    '--data-binary',
    upload(3_000),
    'http://up.test/flight-records',
  );
  await curl(
    'http upload over the budget',
    ...r('up.test'),
    '--data-binary',
    upload(20_000),
    'http://up.test/flight-records',
  );
  await curl('https download', ...r('files.test'), 'https://files.test/blob');
  // Keep-alive: two uploads on one connection, each within up.test's budget on its own.
  const fromMs = Date.now();
  const seq = await box.probe('http-seq', ADDR.internet, '80', 'up.test:2500', 'up.test:2500');
  expect(seq).toMatchObject({ statuses: [200, 200] });
  probes.push({ what: 'http keep-alive uploads', port: Number(seq.port), fromMs, toMs: Date.now() });
  await new Promise((res) => setTimeout(res, 300));
  const { dropped } = await cap.stop();
  expect(dropped, 'packets the kernel dropped from the capture').toBe(0);
  await box.stopGateway();
  rows = box.exported();
  const out = join(dir, 'connections.jsonl');
  const audited = airlock(['audit', '--policy', policyFile, '--connections', out, capture]);
  // 1: the policy would have cut (the uploads over their budgets), every capture read.
  expect({ code: audited.code, stderr: audited.stderr }).toEqual({ code: 1, stderr: '' });
  lines = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ConnectionLine);
}, 120_000);

afterAll(() => {
  box.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('a lossy link: the audit of the capture answers as the gateway did', () => {
  it('the gw dropped segments and the tablet sent them again (tshark)', () => {
    const seen = tsharkUp();
    const again = probes.map((p) => seen.get(p.port)?.retransmitted ?? 0);
    expect(again.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const { what, port } = probes[0]!;
    // The upload within its budget: its payload captured is over the budget, its stream is not.
    expect({ what, captured: seen.get(port)!.captured > DEFAULT_BUDGET }).toEqual({ what, captured: true });
  });

  it('every connection: the same decision, reason and bytes up', () => {
    const got = probes.map((p) => {
      const paired = pair(p);
      return { what: p.what, gateway: paired.rows.map(gatewaySays), audit: paired.lines.map(auditSays) };
    });
    expect(got).toEqual(got.map(({ what, gateway }) => ({ what, gateway, audit: gateway })));
    expect(got.map(({ what, gateway }) => [what, gateway.map((g) => g.decision)])).toEqual([
      ['https upload within the budget', ['allowed']],
      ['https upload over the budget', ['cut']],
      ['http upload within the budget', ['allowed']],
      ['http upload over the budget', ['cut']],
      ['https download', ['allowed']],
      ['http keep-alive uploads', ['allowed', 'allowed']],
    ]);
    expect(got[1]!.gateway[0]!.up).toBe(DEFAULT_BUDGET);
    expect(got[3]!.gateway[0]!.up).toBe(UP_BUDGET);
  });
});

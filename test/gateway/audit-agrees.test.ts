/**
 * Issue #5's claim, end to end: "the decision is the same function `airlock audit` uses on
 * captures, so a capture judged offline and live traffic get the same answer".
 *
 * The gateway box in network namespaces (netns/box.ts: tablet → gw → internet, the ruleset
 * `airlock gateway rules` prints, the real CLI gateway) runs a varied playbook from the tablet
 * while Wireshark's dumpcap captures the tablet's link (t0). Then the capture is audited with the
 * same policy, and the audit's answer for each connection and each DNS query is compared with the
 * row the gateway logged for it (`airlock log export --json`), joined by the tablet's address and
 * port (connections) or by name and type in order (queries). Neither side reads the other's
 * answer: the comparison is the oracle. Where the two records cannot say the same thing, the
 * difference is named below (NAMED DIFFERENCES) with the reason, and checked exactly as stated.
 *
 * Phases, each its own capture: one-way through the transparent listeners; one-way through the
 * forward proxy (curl -x); sealed after a SIGHUP. Needs root, iproute2, nftables and dumpcap
 * (scripts/setup-test-deps.sh installs them); like netns.test.ts it fails, never skips, without.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JudgedFlow, JudgedQuery } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { ensureBuilt } from '../cli/built.js';
import { ADDR, GatewayBox, type Row, requireNetns } from './netns/box.js';
import { selfSignedCert } from './self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-agree-'));
const policyFile = join(dir, 'airlock.yaml');
const UP_BUDGET = 4096;
const TRICKLE = { perConnection: 3000, perHour: 10_000 };
const DNS_PER_MINUTE = 40;
const PROXY_PORT = 3128;
const NAMES = Object.fromEntries(
  ['files.test', 'up.test', 'trickle.test', 'elsewhere.test', 'cdn.test'].map((n) => [n, ADDR.internet]),
);
const box = new GatewayBox(dir, policyFile);

function policyYaml(mode: string): string {
  return `network:
  mode: ${mode}
  allow:
    - host: files.test
    - host: up.test
      budget: {upstreamBytesPerConnection: ${UP_BUDGET}}
    - host: trickle.test
      budget: {upstreamBytesPerConnection: ${TRICKLE.perConnection}, upstreamBytesPerHour: ${TRICKLE.perHour}}
    - host: '*.cdn.test'
  dns: {maxNameLength: 64, maxQueriesPerMinute: ${DNS_PER_MINUTE}}
gateway:
  listen: ['0.0.0.0:${PROXY_PORT}']
  dnsListen: '0.0.0.0:5353'
  transparent: {tls: '0.0.0.0:8443', http: '0.0.0.0:8080'}
  dnsUpstream: '${ADDR.internet}:53'
  handshakeTimeoutSeconds: 3
store:
  groupCommitMs: 10
`;
}

// ---- NAMED DIFFERENCES: what the two records cannot agree on, and why ----------------------------

/**
 * The gateway's bytesDown counts what the UPSTREAM sent (as bytesUp counts what went upstream);
 * the capture shows what the tablet received. On plain HTTP the gateway takes the response's
 * hop-by-hop fields out (it manages the client connection itself): the test internet is Node's
 * http server, which puts exactly these two on every response to a keep-alive request.
 */
const HTTP_HOP_BY_HOP_DOWN = Buffer.byteLength('Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n');

/**
 * After the first `dns-rate` refusal of a burst the gateway writes one summary row per second
 * (count, first names) instead of a row per query (README: a flooding client cannot fill the
 * disk); the audit judges every query. Those queries are compared with the summaries' counts and names.
 */
const SUMMARIZED = 'dns-rate';

/**
 * Known audit gap (reported, not fixed here: the fix needs a gate entry point in src/policy/):
 * the audit does not model a forward proxy. A flow from the tablet to the proxy's LAN address is
 * judged as local traffic (`local.lan`, blocked by default), whatever the request names; the
 * gateway judges the CONNECT / absolute-URI target. The audit does read the target's name, which
 * must equal the gateway's. When the audit learns proxies this expectation fails: compare them then.
 */
const PROXY_FLOW_AUDIT = { decision: 'blocked', reason: 'local-blocked' } as const;

/**
 * Known audit gap (reported, not fixed here: the audit has no notion of an exchange inside a
 * flow, and its report credits bytes per flow): the gateway judges, budgets and logs each request
 * on a keep-alive connection as its own connection (README; gateway/core/connection.ts); the
 * audit judges the TCP connection once, by its first request's Host, with one per-connection
 * budget over all its requests. So two 2,560-byte POSTs on one connection to up.test (4,096 per
 * connection) pass the gateway and are cut by the audit, and a request to elsewhere.test after
 * one to files.test is refused by the gateway and allowed by the audit. Stated exactly as the
 * audit answers today (by the gateway rows' names), so this fails when the audit learns
 * exchanges: compare those rows one by one then.
 */
const KEEPALIVE_GAP: Record<string, Judgement> = {
  'up.test up.test': { decision: 'cut', reason: 'connection-budget', name: 'up.test', up: UP_BUDGET },
  'files.test elsewhere.test': {
    decision: 'allowed',
    reason: 'allowlisted',
    name: 'files.test',
    // Both request heads, as the tablet sent them (probe.mjs http-seq: GET, no body).
    up: ['files.test', 'elsewhere.test'].reduce(
      (n, h) => n + Buffer.byteLength(`GET /sync HTTP/1.1\r\nHost: ${h}\r\n\r\n`),
      0,
    ),
  },
};

/**
 * What each side counts for a plain-HTTP request: the gateway charges the budget with the bytes
 * it forwards, its rewritten head (gateway/core/forward-head.ts originFormHead: hop-by-hop fields
 * out, 'Connection: close' in for HTTP/1.0), so no byte past the budget ever reaches the upstream
 * (what a capture on the uplink would check); the audit counts what the tablet sent. For an
 * HTTP/1.0 request of exactly the budget, head and body, the forwarded head is 19 bytes longer:
 * the gateway cuts the last 19 body bytes, the audit allows it. Kept as the gateway's rule: the
 * budget bounds what leaves, and the rewrite's bytes are the gateway's own.
 */
const HEAD_REWRITE_CHARGED = {
  gateway: { decision: 'cut', reason: 'connection-budget', name: 'up.test', up: UP_BUDGET },
  audit: { decision: 'allowed', reason: 'allowlisted', name: 'up.test', up: UP_BUDGET },
} as const;
/** The tablet's port of that request (probe.mjs says which it used). */
const headRewriteClient: { port?: number } = {};

/**
 * Traffic the box's nftables ruleset drops before Airlock sees it (README "The gateway box": QUIC
 * and other UDP, DoT 853 …): the gateway logs nothing, its answer is the drop, counted by nft.
 * The audit, judging the same flows by the gate, must block them too.
 */
const FIREWALL_DROPPED: Record<string, Pick<Judgement, 'decision' | 'reason'>> = {
  'udp/443': { decision: 'blocked', reason: 'udp-not-dns' },
  // A SYN and its retry, no byte: nothing names the connection.
  'tcp/853': { decision: 'blocked', reason: 'no-name' },
};
const droppedKind = (f: JudgedFlow): string | undefined => {
  const k = `${f.record.proto === 17 ? 'udp' : f.record.proto === 6 ? 'tcp' : f.record.proto}/${f.server.p}`;
  return f.server.h === ADDR.internet && k in FIREWALL_DROPPED ? k : undefined;
};

/**
 * Flows in the capture that are never the gateway's: ICMPv6 multicast listener reports and
 * neighbour discovery the kernels send on the link (link-local and ff02::/16 multicast only).
 * They are local traffic to no listener of Airlock's, and the gateway logs nothing for them.
 */
const linkHousekeeping = (f: JudgedFlow): boolean =>
  f.record.proto === 58 && /^(ff02|fe80):/.test(f.server.h) && /^(ff02|fe80|::$)/.test(f.client.h);

// ---- the two records in common terms ---------------------------------------------------------------

interface Judgement {
  decision: 'allowed' | 'blocked' | 'cut';
  reason: string;
  /** The name the connection carried itself (SNI, Host, CONNECT authority); null without one. */
  name: string | null;
  /** Allowed: bytes up over the whole connection; cut: bytes up at the cut; blocked: null. */
  up: number | null;
}

const BUDGET_CUTS = new Set(['connection-budget', 'hour-budget', 'unlock-expired']);

function fromGateway(r: Row): Judgement {
  const name = typeof r.name === 'string' ? r.name : null;
  if (r.verdict === 'block') {
    // A refused connection forwarded nothing; what the tablet sent before the refusal is only in the capture.
    expect(r.bytesUp, `${r.client} refused but forwarded bytes`).toBe(0);
    return { decision: 'blocked', reason: String(r.reason), name, up: null };
  }
  if (r.cut !== undefined && !BUDGET_CUTS.has(String(r.cut)))
    throw new Error(`${r.client}: ended by the gateway itself (${r.cut}), not by a decision`);
  return r.cut !== undefined
    ? { decision: 'cut', reason: String(r.cut), name, up: Number(r.bytesUp) }
    : { decision: 'allowed', reason: String(r.reason), name, up: Number(r.bytesUp) };
}

function fromAudit(f: JudgedFlow): Judgement {
  // A DNS answer names the destination in the report; it is not a name the connection carried.
  const name = f.name !== undefined && f.nameSource !== 'dns' ? f.name : null;
  const o = f.outcome;
  if (o.kind === 'blocked') return { decision: 'blocked', reason: o.reason, name, up: null };
  if (o.kind === 'cut') return { decision: 'cut', reason: o.reason, name, up: o.afterBytes };
  return { decision: 'allowed', reason: o.reason, name, up: f.record.origCounts.bytes };
}

const key = (h: string, p: number | string) => `${h}:${p}`;
const QTYPES: Record<number, string> = { 1: 'A', 28: 'AAAA' };

interface Phase {
  rows: Row[];
  flows: JudgedFlow[];
  queries: JudgedQuery[];
}

/**
 * The audit's flow of each tablet address and port with the gateway's rows for it: one row per
 * connection, several for a keep-alive connection (a row per request).
 */
function joinConnections(p: Phase): { rows: Row[]; flow: JudgedFlow }[] {
  const byClient = new Map(p.flows.map((f) => [key(f.client.h, f.client.p), f]));
  const rows = new Map<string, Row[]>();
  for (const r of p.rows.filter((x) => x.kind === 'connection')) {
    const k = String(r.client);
    if (!byClient.has(k))
      throw new Error(`no flow in the capture for the gateway's row ${JSON.stringify(r)}`);
    rows.set(k, [...(rows.get(k) ?? []), r]);
  }
  return [...rows].map(([k, rs]) => ({ rows: rs, flow: byClient.get(k)! }));
}

/** Connections with one row each: the rows that must agree one to one (but HEAD_REWRITE_CHARGED's: counted apart). */
const single = (p: Phase) =>
  joinConnections(p).flatMap(({ rows, flow }) =>
    rows.length === 1 && flow.client.p !== headRewriteClient.port ? [{ row: rows[0]!, flow }] : [],
  );

/**
 * Every flow of the capture is a logged connection, a DNS flow (judged per query), dropped by
 * the firewall (FIREWALL_DROPPED) or link housekeeping.
 */
function expectEveryFlowAccounted(p: Phase): void {
  const logged = new Set(p.rows.filter((r) => r.kind === 'connection').map((r) => String(r.client)));
  const rest = p.flows.filter(
    (f) =>
      !logged.has(key(f.client.h, f.client.p)) &&
      !(f.server.h === ADDR.gwLan && f.server.p === 53) &&
      droppedKind(f) === undefined &&
      !linkHousekeeping(f),
  );
  expect(
    rest.map((f) => `${f.client.h}:${f.client.p} → ${f.server.h}:${f.server.p}/${f.record.proto}`),
  ).toEqual([]);
}

/** Per DNS query: the same verdict and reason, in the same order per name and type. */
function compareQueries(p: Phase): void {
  const rows = p.rows.filter((r) => r.kind === 'dns');
  const audit = p.queries.map((q) => ({ q, used: false }));
  const pairs: [string, string, string][] = [];
  for (const r of rows.filter((x) => x.count === undefined)) {
    const a = audit.find((x) => !x.used && x.q.name === r.qname && QTYPES[x.q.qtype] === r.qtype);
    if (!a) throw new Error(`the gateway answered a query the capture does not hold: ${JSON.stringify(r)}`);
    a.used = true;
    pairs.push([String(r.qname), `${r.verdict} ${r.reason}`, `${a.q.verdict} ${a.q.reason}`]);
  }
  for (const [name, gw, au] of pairs) expect(au, `DNS ${name}`).toBe(gw);
  // The rest are the queries the gateway summarized (SUMMARIZED): every one a rate refusal in the
  // audit too, as many as the summaries count, their names among them.
  const summaries = rows.filter((x) => x.count !== undefined);
  const rest = audit.filter((x) => !x.used).map((x) => x.q);
  expect(summaries.every((s) => s.reason === SUMMARIZED)).toBe(true);
  expect(rest.map((q) => `${q.verdict} ${q.reason}`)).toEqual(rest.map(() => `block ${SUMMARIZED}`));
  expect(rest.length).toBe(summaries.reduce((n, s) => n + Number(s.count), 0));
  const restNames = new Set(rest.map((q) => q.name));
  for (const s of summaries) {
    const listed = String(s.qnames).split(' ').filter(Boolean);
    expect(listed.length + Number(s.qnamesMore ?? 0)).toBe(Number(s.count));
    for (const n of listed) expect(restNames.has(n), `summarized ${n}`).toBe(true);
  }
}

// ---- the run -------------------------------------------------------------------------------------

const phases: Record<'transparent' | 'proxy' | 'sealed', Phase> = {
  transparent: { rows: [], flows: [], queries: [] },
  proxy: { rows: [], flows: [], queries: [] },
  sealed: { rows: [], flows: [], queries: [] },
};
const windows: Record<string, [number, number]> = {};
const counters: Record<'before' | 'after', Record<string, number>> = { before: {}, after: {} };

/** Captures the tablet's link around `play` (its wall-clock window kept in `windows`); the file. */
async function captured(name: keyof typeof phases, play: () => Promise<void>): Promise<string> {
  const file = join(dir, `${name}.pcapng`);
  const cap = await box.captureTablet(file);
  const from = Date.now();
  await play();
  // The last connections' FIN/ACKs reach the capture and the gateway before the window closes.
  await new Promise((res) => setTimeout(res, 300));
  windows[name] = [from, Date.now()];
  const { dropped } = await cap.stop();
  expect(dropped, `${name}: packets the kernel dropped from the capture`).toBe(0);
  return file;
}

const upload = (bytes: number, tag: string): string => {
  const f = join(dir, `${tag}.bin`);
  if (!existsSync(f)) writeFileSync(f, randomBytes(bytes));
  return `@${f}`;
};
const post = (file: string, url: string) =>
  box.curl(['-o', '/dev/null', '-H', 'Expect:', '--data-binary', file, url]);

beforeAll(async () => {
  requireNetns();
  if (!existsSync('/usr/bin/dumpcap'))
    throw new Error('dumpcap missing (wireshark-common): scripts/setup-test-deps.sh');
  ensureBuilt();
  selfSignedCert(dir, ['files.test', 'up.test', 'elsewhere.test']);
  writeFileSync(join(dir, 'blob.bin'), randomBytes(300_000));
  writeFileSync(policyFile, policyYaml('one-way'));
  box.topo.create();
  await box.startInternet(join(dir, 'blob.bin'), NAMES);
  box.loadRules();
  await box.startGateway();

  const oneWay = await captured('transparent', async () => {
    expect(await box.probe('dns', ADDR.gwLan, 'files.test')).toMatchObject({ rcode: 0 });
    expect(await box.probe('dns', ADDR.gwLan, 'elsewhere.test')).toMatchObject({ rcode: 3 });
    // Allowed downloads: HTTPS by SNI, HTTP by Host (curl looks the names up through the gw).
    expect((await box.curl(['-o', '/dev/null', 'https://files.test/blob'])).stderr).toBe('');
    expect((await box.curl(['-o', '/dev/null', 'http://files.test/blob'])).stderr).toBe('');
    // A name off the allowlist, the client resolving it itself: TLS and HTTP.
    await box.curl(['--resolve', `elsewhere.test:443:${ADDR.internet}`, 'https://elsewhere.test/blob']);
    await box.curl([
      '-o',
      '/dev/null',
      '--resolve',
      `elsewhere.test:80:${ADDR.internet}`,
      'http://elsewhere.test/blob',
    ]);
    // No name: a ClientHello without SNI, and HTTPS to an IP literal (curl sends no SNI then).
    await box.probe('tls', ADDR.internet, '443', '-');
    await box.curl(['-k', '-o', '/dev/null', `https://${ADDR.internet}/blob`]);
    // Uploads over the per-connection budget, plain and TLS.
    await post(upload(50_000, 'upload'), 'http://up.test/flight-records');
    await post(upload(50_000, 'upload'), 'https://up.test/flight-records');
    // An upload trickled under the per-connection budget until the hourly budget refuses.
    for (let i = 0; i < 6; i++) await post(upload(2500, 'trickle'), 'http://trickle.test/sync');
    // Keep-alive: requests one after another on one connection (KEEPALIVE_GAP).
    expect(await box.probe('http-seq', ADDR.internet, '80', 'up.test:2500', 'up.test:2500')).toEqual({
      statuses: [200, 200],
    });
    expect(await box.probe('http-seq', ADDR.internet, '80', 'files.test:0', 'elsewhere.test:0')).toEqual({
      statuses: [200, 403],
    });
    // An HTTP/1.0 upload of exactly the per-connection budget, head included (HEAD_REWRITE_CHARGED).
    const exact = await box.probe(
      'http-post-exact',
      ADDR.internet,
      '80',
      'HTTP/1.0',
      'up.test',
      `${UP_BUDGET}`,
    );
    expect(exact.sent).toBe(UP_BUDGET);
    headRewriteClient.port = exact.port as number;
    // Around the gateway: QUIC and DoT, which the box's firewall drops (FIREWALL_DROPPED).
    counters.before = { lan_udp: box.counter('lan_udp'), lan_tcp: box.counter('lan_tcp') };
    expect(await box.probe('udp', ADDR.internet, '443')).toEqual({ sent: true });
    expect(await box.probe('tcp', ADDR.internet, '853')).toMatchObject({ connected: false });
    counters.after = { lan_udp: box.counter('lan_udp'), lan_tcp: box.counter('lan_tcp') };
    // DNS tunnelling: names over the length limit, then a burst past the per-minute rate.
    await box.probe('dns-burst', ADDR.gwLan, 'cdn.test', '8', '100');
    await box.probe('dns-burst', ADDR.gwLan, 'cdn.test', '30', '16');
  });

  const proxy = `http://${ADDR.gwLan}:${PROXY_PORT}`;
  const viaProxy = await captured('proxy', async () => {
    expect((await box.curl(['-x', proxy, '-o', '/dev/null', 'https://files.test/blob'])).stderr).toBe('');
    expect((await box.curl(['-x', proxy, '-o', '/dev/null', 'http://files.test/blob'])).stderr).toBe('');
    await box.curl(['-x', proxy, '-o', '/dev/null', 'https://elsewhere.test/blob']);
  });

  writeFileSync(policyFile, policyYaml('sealed'));
  box.gateway?.kill('SIGHUP');
  await vi.waitFor(() => expect(box.gatewayErr).toMatch(/policy reloaded: mode sealed/), { timeout: 5000 });
  const sealed = await captured('sealed', async () => {
    await box.probe('dns', ADDR.gwLan, 'files.test');
    await box.curl(['--resolve', `files.test:443:${ADDR.internet}`, 'https://files.test/blob']);
    await box.curl([
      '-o',
      '/dev/null',
      '--resolve',
      `files.test:80:${ADDR.internet}`,
      'http://files.test/blob',
    ]);
  });

  // Every row written: a stopped gateway has recorded every connection it had.
  await box.stopGateway();
  const rows = box.exported();
  const within = (name: string) =>
    rows.filter((r) => Number(r.tsMs) >= windows[name]![0] && Number(r.tsMs) <= windows[name]![1]);
  for (const name of Object.keys(phases) as (keyof typeof phases)[]) phases[name].rows = within(name);

  // The audit, with the policy file as the gateway read it in each phase. The one-way captures are
  // read as one run (as the gateway's budgets ran on across them); sealed with the sealed policy.
  const audit = async (files: string[], policy: string, phaseAt: (ms: number) => Phase) => {
    writeFileSync(join(dir, 'audit.yaml'), policy);
    const r = await auditCaptures(files, {
      policy: loadPolicyFile(join(dir, 'audit.yaml')),
      onFlow: (f) => phaseAt(Number(f.record.ts / 1_000_000n)).flows.push(f),
      onDnsQuery: (q) => phaseAt(q.ms).queries.push(q),
    });
    expect(r.captures.map((c) => c.status)).toEqual(files.map(() => 'read'));
  };
  await audit([oneWay, viaProxy], policyYaml('one-way'), (ms) =>
    ms >= windows.proxy![0] ? phases.proxy : phases.transparent,
  );
  await audit([sealed], policyYaml('sealed'), () => phases.sealed);
}, 120_000);

afterAll(() => {
  box.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('a capture judged by airlock audit gets the answers the gateway logged live', () => {
  it('transparent, one-way: every connection the same decision, reason, name and bytes up', () => {
    const p = phases.transparent;
    const joined = single(p);
    const got = joined.map(({ row, flow }) => ({ client: row.client, judged: fromAudit(flow) }));
    const want = joined.map(({ row }) => ({ client: row.client, judged: fromGateway(row) }));
    expect(got).toEqual(want);
    // The playbook reached every decision it is about (so agreement is not agreement on little).
    const seen = new Set(want.map((w) => `${w.judged.decision} ${w.judged.reason}`));
    for (const d of [
      'allowed allowlisted',
      'blocked not-allowlisted',
      'blocked no-name',
      'cut connection-budget',
      'cut hour-budget',
      'blocked hour-budget-spent',
    ])
      expect(seen, d).toContain(d);
    expectEveryFlowAccounted(p);
  });

  it('transparent, one-way: bytes down equal, but for the hop-by-hop fields of plain HTTP responses', () => {
    for (const { row, flow } of single(phases.transparent)) {
      if (row.verdict === 'block') continue; // the refusal the tablet got is the gateway's own
      const captured = flow.record.respCounts.bytes;
      const down = Number(row.bytesDown);
      // HTTP_HOP_BY_HOP_DOWN: once per response the upstream sent (none after a cut before it).
      const hop = row.port === 80 && down > 0 ? HTTP_HOP_BY_HOP_DOWN : 0;
      expect([row.client, captured + hop]).toEqual([row.client, down]);
    }
  });

  it('transparent, one-way: keep-alive connections, judged per request by the gateway (KEEPALIVE_GAP)', () => {
    const multi = joinConnections(phases.transparent).filter(({ rows }) => rows.length > 1);
    const gateway = multi.map(({ rows }) =>
      rows.map((r) => `${r.name} ${r.verdict} ${r.reason} ${r.bytesUp}`),
    );
    expect(gateway).toEqual([
      ['up.test allow allowlisted 2560', 'up.test allow allowlisted 2560'],
      ['files.test allow allowlisted 40', 'elsewhere.test block not-allowlisted 0'],
    ]);
    for (const { rows, flow } of multi)
      expect(fromAudit(flow)).toEqual(KEEPALIVE_GAP[rows.map((r) => r.name).join(' ')]);
  });

  it('transparent, one-way: an HTTP/1.0 upload of exactly the budget (HEAD_REWRITE_CHARGED)', () => {
    const [c] = joinConnections(phases.transparent).filter(
      ({ flow }) => flow.client.p === headRewriteClient.port,
    );
    expect(c?.rows).toHaveLength(1);
    expect({ gateway: fromGateway(c!.rows[0]!), audit: fromAudit(c!.flow) }).toEqual(HEAD_REWRITE_CHARGED);
  });

  it('transparent, one-way: what the firewall drops, the audit blocks (FIREWALL_DROPPED)', () => {
    const dropped = phases.transparent.flows.filter((f) => droppedKind(f) !== undefined);
    expect(
      Object.fromEntries(
        dropped.map((f) => [
          droppedKind(f),
          { decision: fromAudit(f).decision, reason: fromAudit(f).reason },
        ]),
      ),
    ).toEqual(FIREWALL_DROPPED);
    expect(counters.after.lan_udp).toBeGreaterThan(counters.before.lan_udp!);
    expect(counters.after.lan_tcp).toBeGreaterThan(counters.before.lan_tcp!);
    // Nothing of it reached Airlock or the internet.
    expect(box.eventsOf('bypass-udp').concat(box.eventsOf('bypass-tcp'))).toEqual([]);
    expect(phases.transparent.rows.some((r) => r.port === 853)).toBe(false);
  });

  it('one-way DNS: every query the same verdict and reason (length limit, allowlist, rate)', () => {
    compareQueries(phases.transparent);
    const reasons = new Set(phases.transparent.queries.map((q) => q.reason));
    for (const r of ['allowlisted', 'not-allowlisted', 'dns-name-too-long', 'dns-rate'])
      expect(reasons).toContain(r);
  });

  it('forward proxy, one-way: the audit reads the names the gateway judged (PROXY_FLOW_AUDIT: not its decisions)', () => {
    const p = phases.proxy;
    const joined = single(p);
    expect(joined.map(({ row }) => `${row.name} ${row.port} ${row.verdict} ${row.reason}`)).toEqual([
      'files.test 443 allow allowlisted',
      'files.test 80 allow allowlisted',
      'elsewhere.test 443 block not-allowlisted',
    ]);
    for (const { row, flow } of joined) {
      expect([flow.server.h, flow.server.p]).toEqual([ADDR.gwLan, PROXY_PORT]);
      const a = fromAudit(flow);
      expect({ name: a.name, decision: a.decision, reason: a.reason }).toEqual({
        name: row.name,
        ...PROXY_FLOW_AUDIT,
      });
    }
    expectEveryFlowAccounted(p);
  });

  it('sealed: every connection and query refused as sealed on both sides', () => {
    const p = phases.sealed;
    const joined = single(p);
    expect(joined.length).toBe(2);
    for (const { row, flow } of joined) expect(fromAudit(flow)).toEqual(fromGateway(row));
    expect(joined.map(({ row }) => row.reason)).toEqual(['sealed', 'sealed']);
    compareQueries(p);
    expect(p.queries.map((q) => q.reason)).toEqual(['sealed']);
    expectEveryFlowAccounted(p);
  });
});

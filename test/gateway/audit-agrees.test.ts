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
 * forward proxy (curl -x, and keep-alive requests in absolute form); sealed after a SIGHUP;
 * monitor after another (what the transparent HTTP and TLS fronts refuse in every mode: no Host,
 * no SNI, an SNI that is no host name, and, for reasons of their own before any name is read,
 * plain text on 443, a CONNECT on 80 and two differing Content-Length fields; and what they judge
 * by address: an IP literal; and connections that send no complete head, closed, reset or left
 * past the box policy's handshake timeout, on the fronts, an extra port and the proxy, which the
 * gateway refuses itself: client-closed, handshake-timeout). The policy lists extra ports for
 * rtk.test (netns/box.ts RTK: 2101, 5443), which the printed rules redirect to the gateway's
 * `other` listener: TLS and HTTP there, named or not, a name whose entry lists other ports, and
 * bytes that are neither (refused by the front in every mode), are compared as the rest; a port
 * no entry lists (2102) is dropped by the rules like DoT 853 (FIREWALL_DROPPED). A keep-alive
 * connection is one flow in the capture and a row per request in the log: the audit
 * judges each request too (JudgedFlow.connections), and the nth row of a tablet address and port
 * is compared with the nth connection the audit found on that flow. Needs root, iproute2,
 * nftables and dumpcap (scripts/setup-test-deps.sh installs them); like netns.test.ts it fails,
 * never skips, without.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UNHEARD_REASONS } from '../../src/audit/destination.js';
import type { JudgedConnection, JudgedFlow, JudgedQuery } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { endpointText } from '../../src/net/ip/address.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import type { AuditReport } from '../../src/report/audit/model.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import {
  ADDR,
  boxPolicyYaml,
  GatewayBox,
  NAMES,
  NODE,
  type Row,
  RTK,
  requireNetns,
  UP_BUDGET,
} from './netns/box.js';
import { selfSignedCert } from './self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-agree-'));
const policyFile = join(dir, 'airlock.yaml');
const PROXY_PORT = 3128;
const box = new GatewayBox(dir, policyFile);

// With the allowlist's extra ports: rtk.test on RTK.http and RTK.tls, the `other` listener on.
const policyYaml = (mode: string): string => boxPolicyYaml(mode, PROXY_PORT, true);

// ---- NAMED DIFFERENCES: what the two records cannot agree on, and why ----------------------------

/**
 * The gateway's bytesDown counts what the UPSTREAM sent (as bytesUp counts what went upstream);
 * the capture shows what the tablet received. On plain HTTP the gateway takes the response's
 * hop-by-hop fields out (it manages the client connection itself): the test internet is Node's
 * http server, which puts exactly these two on every response to a keep-alive request, and
 * 'Connection: close' alone on the response to a request the gateway sent up with
 * 'Connection: close' (a chunked request: forward-head.ts, its upstream connection is not kept).
 */
const HTTP_HOP_BY_HOP_DOWN = Buffer.byteLength('Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n');
const HTTP_CLOSE_DOWN = Buffer.byteLength('Connection: close\r\n');
/** The tablet's port of the keep-alive connection whose first request is chunked (probe.mjs says which). */
const chunkedClient: Partial<Probe> = {};

/**
 * Through the proxy, the tablet also receives the proxy's own answer to CONNECT, which no upstream
 * sent (gateway/core/responses.ts).
 */
const CONNECT_ESTABLISHED_DOWN = Buffer.byteLength('HTTP/1.1 200 Connection established\r\n\r\n');

/**
 * After the first `dns-rate` refusal of a burst the gateway writes one summary row per second
 * (count, first names) instead of a row per query (README: a flooding client cannot fill the
 * disk); the audit judges every query. Those queries are compared with the summaries' counts and names.
 */
const SUMMARIZED = 'dns-rate';

/**
 * A request the forward proxy refuses before any decision, because it is not a proxy request
 * (origin form: 'GET /sync' to the proxy itself), is logged with the gateway's own reason; the
 * audit judges such a flow as what it is, LAN traffic to the proxy's address, blocked by the
 * policy's local.lan (README, Audit). Both refuse it; the reasons are not the same code.
 */
const NOT_A_PROXY_REQUEST = {
  gateway: { decision: 'blocked', reason: 'not-proxy-request', name: null, up: null },
  audit: { decision: 'blocked', reason: 'local-blocked', name: 'files.test', up: null },
} as const;
/** The tablet's port of that request. */
const notProxyClient: Partial<Probe> = {};

/**
 * Traffic the box's nftables ruleset drops before Airlock sees it (README "The gateway box": QUIC
 * and other UDP, DoT 853 …): the gateway logs nothing, its answer is the drop, counted by nft.
 * The audit, judging the same flows by the gate, must block them too.
 */
const FIREWALL_DROPPED: Record<string, Pick<Judgement, 'decision' | 'reason'>> = {
  'udp/443': { decision: 'blocked', reason: 'udp-not-dns' },
  // A SYN and its retry, no byte: nothing names the connection.
  'tcp/853': { decision: 'blocked', reason: 'no-name' },
  // A port no allowlist entry lists: not redirected to the `other` listener, dropped as 853.
  [`tcp/${RTK.unlisted}`]: { decision: 'blocked', reason: 'no-name' },
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
  /** unheard: the gateway blocked it before its head came (UNHEARD_REASONS); the audit says so apart. */
  decision: 'allowed' | 'blocked' | 'cut' | 'unheard';
  reason: string;
  /** The name the connection carried itself (SNI, Host, CONNECT authority); null without one. */
  name: string | null;
  /**
   * Bytes that went (gateway) or would have gone (audit: what the gate let through) upstream:
   * allowed, over the whole connection; cut, up to the cut; blocked: null.
   */
  up: number | null;
}

const BUDGET_CUTS = new Set(['connection-budget', 'hour-budget', 'unlock-expired']);

function fromGateway(r: Row): Judgement {
  const name = typeof r.name === 'string' ? r.name : null;
  if (r.verdict === 'block') {
    // A refused connection forwarded nothing; what the tablet sent before the refusal is only in the capture.
    expect(r.bytesUp, `${r.client} refused but forwarded bytes`).toBe(0);
    const unheard = (UNHEARD_REASONS as readonly string[]).includes(String(r.reason));
    return { decision: unheard ? 'unheard' : 'blocked', reason: String(r.reason), name, up: null };
  }
  if (r.cut !== undefined && !BUDGET_CUTS.has(String(r.cut)))
    throw new Error(`${r.client}: ended by the gateway itself (${r.cut}), not by a decision`);
  return r.cut !== undefined
    ? { decision: 'cut', reason: String(r.cut), name, up: Number(r.bytesUp) }
    : { decision: 'allowed', reason: String(r.reason), name, up: Number(r.bytesUp) };
}

/** One connection the audit found (the flow's, or one request's on a keep-alive flow). */
function fromAudit(c: JudgedConnection): Judgement {
  // A DNS answer names the destination in the report; it is not a name the connection carried.
  const name = c.name !== undefined && c.nameSource !== 'dns' ? c.name : null;
  const o = c.outcome;
  if (o.kind === 'blocked' || o.kind === 'unheard')
    return { decision: o.kind, reason: o.reason, name, up: null };
  if (o.kind === 'cut') return { decision: 'cut', reason: o.reason, name, up: o.afterBytes };
  // What the gate let through: what the gateway would have forwarded (its rewritten request heads).
  return { decision: 'allowed', reason: o.reason, name, up: c.up };
}

const QTYPES: Record<number, string> = { 1: 'A', 28: 'AAAA' };

interface Phase {
  rows: Row[];
  flows: JudgedFlow[];
  queries: JudgedQuery[];
}

/**
 * The audit's flow of each tablet address and port with the gateway's rows for it, in order: one
 * row per connection, several for a keep-alive connection (a row per request).
 */
function joinConnections(p: Phase): { rows: Row[]; flow: JudgedFlow }[] {
  // Linux picks a tablet's local port per destination, so one port can carry two connections at
  // once (a DNS-over-TCP query to the gateway and an upload once both used 41614), or one after
  // another, to the same address and port once the last is gone (the audit's FlowTable splits a
  // reused 5-tuple, as tshark does). Connection rows are never DNS: flows to port 53 are left out.
  // A row goes to a flow to its own port where there is one (else any: through the proxy, the
  // flow is to the proxy's port), the last such flow that began by the row's start.
  const byClient = new Map<string, JudgedFlow[]>();
  for (const f of p.flows) {
    if (f.server.p === 53) continue;
    // The gateway writes its client as the audit does ('ip:port', IPv6 in brackets).
    const k = endpointText(f.client.h, f.client.p);
    byClient.set(k, [...(byClient.get(k) ?? []), f]);
  }
  const startMs = (f: JudgedFlow) => Number(f.record.ts / 1_000_000n);
  const rows = new Map<JudgedFlow, Row[]>();
  for (const r of p.rows.filter((x) => x.kind === 'connection')) {
    const all = byClient.get(String(r.client));
    if (!all) throw new Error(`no flow in the capture for the gateway's row ${JSON.stringify(r)}`);
    const toPort = all.filter((f) => f.server.p === Number(r.port));
    const fit = (toPort.length > 0 ? toPort : all).sort((a, b) => startMs(a) - startMs(b));
    const flow = [...fit].reverse().find((f) => startMs(f) <= Number(r.tsMs)) ?? fit[0]!;
    rows.set(flow, [...(rows.get(flow) ?? []), r]);
  }
  return [...rows].map(([flow, rs]) => ({ rows: rs, flow }));
}

/**
 * Per named connection to an extra port (`clients`: what → the tablet's port): both answers as
 * 'decision reason name', one per request.
 */
function extraAnswers(p: Phase, clients: Record<string, Probe>) {
  const joined = joinConnections(p);
  const line = (j: Judgement) => `${j.decision} ${j.reason} ${j.name}`;
  const of = (probe: Probe) => joined.find(({ flow }) => made(flow, probe));
  const entries = Object.entries(clients);
  return {
    gateway: Object.fromEntries(
      entries.map(([w, probe]) => [w, of(probe)?.rows.map((r) => line(fromGateway(r)))]),
    ),
    audit: Object.fromEntries(
      entries.map(([w, probe]) => [w, of(probe)?.flow.connections.map((c) => line(fromAudit(c)))]),
    ),
  };
}

/** Both answers per tablet address and port: the gateway's rows and the audit's connections, in order. */
const answers = (joined: { rows: Row[]; flow: JudgedFlow }[]) => ({
  gateway: joined.map(({ rows }) => ({ client: rows[0]!.client, judged: rows.map(fromGateway) })),
  audit: joined.map(({ rows, flow }) => ({
    client: rows[0]!.client,
    judged: flow.connections.map(fromAudit),
  })),
});

/** Each logged connection with the audit's connection for it (the nth row of a client, its flow's nth). */
function pairs(p: Phase): { row: Row; flow: JudgedFlow; conn: JudgedConnection | undefined }[] {
  return joinConnections(p).flatMap(({ rows, flow }) =>
    rows.map((row, i) => ({ row, flow, conn: flow.connections[i] })),
  );
}

/**
 * Bytes down the tablet received for a connection, less what no upstream sent: the hop-by-hop
 * fields of a plain HTTP response (once per response, none after a cut before it), and the
 * proxy's answer to CONNECT.
 */
function capturedDown(row: Row, conn: JudgedConnection, flow: JudgedFlow, i: number): number {
  const logged = Number(row.bytesDown);
  // Plain HTTP: on 80, or read as HTTP on an extra port (the caster's, RTK.http).
  const plain =
    conn.proxy?.form === 'absolute' || (!conn.proxy && (row.port === 80 || row.port === RTK.http));
  const hop =
    plain && logged > 0 ? (made(flow, chunkedClient) && i === 0 ? HTTP_CLOSE_DOWN : HTTP_HOP_BY_HOP_DOWN) : 0;
  const established = conn.proxy?.form === 'connect' ? CONNECT_ESTABLISHED_DOWN : 0;
  // A flow that is one connection: its stream bytes (by sequence number), which a segment the
  // kernel retransmitted under load does not inflate; the gateway relayed those bytes once. A
  // request's share of a keep-alive flow is captured payload (the audit's split).
  const captured = flow.connections.length === 1 ? flow.record.respCounts.streamBytes : conn.resp.bytes;
  return captured + hop - established;
}

/**
 * Every flow of the capture is a logged connection, a DNS flow (judged per query), dropped by
 * the firewall (FIREWALL_DROPPED) or link housekeeping.
 */
function expectEveryFlowAccounted(p: Phase): void {
  const logged = new Set(joinConnections(p).map(({ flow }) => flow));
  const rest = p.flows.filter(
    (f) =>
      !logged.has(f) &&
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

const phases: Record<'transparent' | 'proxy' | 'sealed' | 'monitor', Phase> = {
  transparent: { rows: [], flows: [], queries: [] },
  proxy: { rows: [], flows: [], queries: [] },
  sealed: { rows: [], flows: [], queries: [] },
  monitor: { rows: [], flows: [], queries: [] },
};
const windows: Record<string, [number, number]> = {};
/** The one-way audit's report (both one-way captures). */
let oneWayReport: AuditReport | undefined;
/** The tablet's port of the HTTP/1.0 upload of exactly the budget (probe.mjs says which). */
const exactClient: Partial<Probe> = {};
const counters: Record<'before' | 'after', Record<string, number>> = { before: {}, after: {} };
/**
 * The tablet's ports of plain HTTP requests whose Host is an IP literal (IPv4, IPv6), one-way,
 * and of the requests without a Host and with an IPv4 literal, monitor.
 */
const literalClients: { v4?: Probe; v6?: Probe } = {};
const monitorClients: {
  noHost?: Probe;
  v4?: Probe;
  noSni?: Probe;
  sniV4?: Probe;
  sniNotHost?: Probe;
  plainOn443?: Probe;
  connectOn80?: Probe;
  twoLengths?: Probe;
} = {};
/** The tablet's ports of connections that sent no complete head (headlessPort), monitor. */
const headlessClients: {
  closed443?: Probe;
  reset80?: Probe;
  halfHead80?: Probe;
  closedExtra?: Probe;
  closedProxy?: Probe;
  waited443?: Probe;
  waitedProxy?: Probe;
} = {};
/** The tablet's ports of ClientHellos whose SNI is an IP literal, and no host name, one-way. */
const sniClients: { v4?: Probe; notHost?: Probe } = {};
/** The tablet's ports of connections to the extra ports (RTK), by phase. */
const extraClients: Record<'transparent' | 'sealed' | 'monitor', Record<string, Probe>> = {
  transparent: {},
  sealed: {},
  monitor: {},
};
/** An MQTT 3.1.1 CONNECT packet: its first byte is no TLS record, and it is no HTTP request either. */
const MQTT_CONNECT = Buffer.from([
  0x10, 0x12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 6, 0x61, 0x69, 0x72, 0x6c, 0x63, 0x6b,
]).toString('latin1');
/** A TLS handshake record that is no ClientHello (a ServerHello's type): TLS by its first byte, then refused. */
const NOT_A_HELLO = Buffer.from([0x16, 3, 3, 0, 4, 2, 0, 0, 0]).toString('latin1');

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
/**
 * One connection the playbook made from the tablet: its port, and when it was made. A port alone
 * is not enough: Linux hands the same local port to a later connection (to another destination,
 * or to the same once the first is gone).
 */
interface Probe {
  port: number;
  fromMs: number;
  toMs: number;
}

/** Runs one probe that says its tablet port; what it said, and the probe. */
async function timed<T extends { port?: unknown }>(
  run: () => Promise<T>,
): Promise<{ said: T; probe: Probe }> {
  const fromMs = Date.now();
  const said = await run();
  const port = Number(said.port);
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`a probe said no tablet port: ${JSON.stringify(said)}`);
  return { said, probe: { port, fromMs, toMs: Date.now() } };
}

/** Whether the capture's flow is the probe's connection (its SYN within the probe's run; flow times are the capture's, in ms floored). */
const made = (flow: JudgedFlow, probe: Partial<Probe> | undefined): boolean => {
  if (probe?.port === undefined || probe.fromMs === undefined || probe.toMs === undefined) return false;
  const ms = Number(flow.record.ts / 1_000_000n);
  return flow.client.p === probe.port && ms >= probe.fromMs - 1 && ms <= probe.toMs;
};

/** A node script run on the tablet that prints {port} last; the tablet port it used, timed. */
const tabletPort = async (what: string, args: string[]): Promise<Probe> =>
  (
    await timed(async () => {
      const r = await box.tablet(NODE, args);
      const port = Number(JSON.parse(r.stdout.trim().split('\n').pop() || '{}').port);
      if (!Number.isInteger(port) || port <= 0) throw new Error(`${what}: no local port (${r.stderr})`);
      return { port };
    })
  ).probe;

/** A GET by curl with its extra arguments; the tablet's port it used. */
const curlPort = async (...args: string[]): Promise<Probe> =>
  (
    await timed(async () => {
      const r = await box.curl(['-o', '/dev/null', '-w', '%{local_port}', ...args]);
      const port = Number(r.stdout);
      if (!Number.isInteger(port) || port <= 0)
        throw new Error(`curl ${args.join(' ')}: no local port (${r.stderr})`);
      return { port };
    })
  ).probe;

/**
 * A TLS connection from the tablet to the internet's `port` (443) with `sni` as its server_name
 * ('': none at all; Node sends an IP literal or any other string as given), closed once the
 * handshake ends or fails; the tablet's port it used. (probe.mjs's 'tls' does not say its port.)
 */
const tlsPort = async (sni: string, port = 443): Promise<Probe> => {
  const script = `const s = require('node:tls').connect({ host: process.argv[1], port: Number(process.argv[3]), servername: process.argv[2], rejectUnauthorized: false });
let port = 0;
const done = () => { process.stdout.write(JSON.stringify({ port }) + '\\n'); process.exit(0); };
s.on('connect', () => { port = s.localPort; });
s.on('secureConnect', () => s.end());
s.on('error', done);
s.on('close', done);
setTimeout(done, 5000);`;
  return tabletPort(`TLS with SNI '${sni}' to ${port}`, ['-e', script, ADDR.internet, sni, String(port)]);
};

/**
 * `bytes` sent from the tablet to the internet's `port` on a plain TCP connection, then read until
 * the gateway closes it; the tablet's port it used.
 */
const rawPort = async (port: number, bytes: string): Promise<Probe> => {
  const script = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
let port = 0;
const done = () => { process.stdout.write(JSON.stringify({ port }) + '\\n'); process.exit(0); };
s.on('connect', () => { port = s.localPort; s.write(Buffer.from(process.argv[3], 'base64')); });
s.on('data', () => {});
s.on('error', done);
s.on('close', done);
setTimeout(done, 5000);`;
  const data = Buffer.from(bytes, 'latin1').toString('base64');
  return tabletPort(`raw bytes to ${port}`, ['-e', script, ADDR.internet, String(port), data]);
};

/**
 * A TCP connection from the tablet to `host`:`port` that sends no complete head: `bytes` (maybe
 * none), then 'end' (FIN) or 'reset' (RST) at once, or 'wait' until the gateway closes it (its
 * handshake timeout, the box policy's handshakeTimeoutSeconds); the tablet's port it used.
 */
const headlessPort = async (
  host: string,
  port: number,
  then: 'end' | 'reset' | 'wait',
  bytes = '',
): Promise<Probe> => {
  const script = `const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
let port = 0;
const done = () => { process.stdout.write(JSON.stringify({ port }) + '\\n'); process.exit(0); };
s.on('connect', () => {
  port = s.localPort;
  const data = Buffer.from(process.argv[3], 'base64');
  if (data.length > 0) s.write(data);
  if (process.argv[4] === 'end') s.end();
  else if (process.argv[4] === 'reset') setTimeout(() => s.resetAndDestroy(), 50);
});
s.on('data', () => {});
s.on('error', done);
s.on('close', done);
setTimeout(done, 10000);`;
  const data = Buffer.from(bytes, 'latin1').toString('base64');
  return tabletPort(`no head to ${host}:${port} (${then})`, ['-e', script, host, String(port), data, then]);
};

beforeAll(async () => {
  requireNetns();
  if (!existsSync('/usr/bin/dumpcap'))
    throw new Error('dumpcap missing (wireshark-common): scripts/setup-test-deps.sh');
  ensureBuilt();
  selfSignedCert(dir, ['files.test', 'up.test', 'elsewhere.test', 'rtk.test']);
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
    // Keep-alive: requests one after another on one connection, each judged and budgeted on its
    // own: two uploads that fit the per-connection budget one by one (not together); a second
    // Host refused after an allowed first; a chunked request, then another after its last chunk.
    expect(await box.probe('http-seq', ADDR.internet, '80', 'up.test:2500', 'up.test:2500')).toMatchObject({
      statuses: [200, 200],
    });
    expect(
      await box.probe('http-seq', ADDR.internet, '80', 'files.test:0', 'elsewhere.test:0'),
    ).toMatchObject({
      statuses: [200, 403],
    });
    const chunked = await timed(() =>
      box.probe('http-seq', ADDR.internet, '80', 'up.test:2500:chunked', 'files.test:0'),
    );
    expect(chunked.said).toMatchObject({ statuses: [200, 200] });
    Object.assign(chunkedClient, chunked.probe);
    // A Host that is an IP literal is no name to the gateway: judged by that address (no-name in
    // one-way), alone and after an allowed request on a keep-alive connection.
    literalClients.v4 = await curlPort(`http://${ADDR.internet}/blob`);
    literalClients.v6 = await curlPort('-H', `Host: [${ADDR.internet6}]:80`, `http://${ADDR.internet}/blob`);
    expect(
      await box.probe('http-seq', ADDR.internet, '80', 'files.test:0', `${ADDR.internet}:0`),
    ).toMatchObject({ statuses: [200, 403] });
    // The same of an SNI that is an IP literal (no-name here); and one that is no host name.
    sniClients.v4 = await tlsPort(ADDR.internet);
    sniClients.notHost = await tlsPort('bad name');
    // An HTTP/1.0 upload of exactly the per-connection budget, head included: the gateway charges
    // the head it forwards (with 'Connection: close', 19 bytes longer), and so does the audit.
    const exact = await timed(() =>
      box.probe('http-post-exact', ADDR.internet, '80', 'HTTP/1.0', 'up.test', `${UP_BUDGET}`),
    );
    expect(exact.said.sent).toBe(UP_BUDGET);
    Object.assign(exactClient, exact.probe);
    // The allowlist's extra ports, through the `other` listener: TLS by SNI and HTTP by Host,
    // allowed; no SNI, a literal Host, bytes that are neither TLS nor HTTP, a CONNECT; a name
    // whose entry lists other ports (files.test: 443, 80). Names resolved by curl itself: no
    // queries added before the DNS rate probes below.
    const x = extraClients.transparent;
    const at = (name: string, port: number) => ['--resolve', `${name}:${port}:${ADDR.internet}`];
    x.tls = await curlPort(...at('rtk.test', RTK.tls), `https://rtk.test:${RTK.tls}/blob`);
    x.http = await curlPort(...at('rtk.test', RTK.http), `http://rtk.test:${RTK.http}/blob`);
    x.noSni = await tlsPort('', RTK.tls);
    x.literal = await curlPort(`http://${ADDR.internet}:${RTK.http}/blob`);
    x.garbage = await rawPort(RTK.http, MQTT_CONNECT);
    x.connect = await rawPort(RTK.http, `CONNECT rtk.test:${RTK.http} HTTP/1.1\r\nHost: rtk.test\r\n\r\n`);
    x.otherName = await curlPort(...at('files.test', RTK.http), `http://files.test:${RTK.http}/blob`);
    // An NTRIP 1.0 rover (RTKLIB's str2str) aiming at the caster's address, its request naming no
    // host: caster.test's entry claims unnamed connections on RTK.ntrip. Positions go up for 2.5 s.
    await box.ntripRover('/dev/null', 2500);
    // Around the gateway: QUIC, DoT and a port no entry lists, which the box's firewall drops
    // (FIREWALL_DROPPED).
    counters.before = { lan_udp: box.counter('lan_udp'), lan_tcp: box.counter('lan_tcp') };
    expect(await box.probe('udp', ADDR.internet, '443')).toEqual({ sent: true });
    expect(await box.probe('tcp', ADDR.internet, '853')).toMatchObject({ connected: false });
    expect(await box.probe('tcp', ADDR.internet, String(RTK.unlisted))).toMatchObject({ connected: false });
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
    // Keep-alive through the proxy, absolute-form requests: each judged by its own target.
    const gw = [ADDR.gwLan, `${PROXY_PORT}`];
    expect(
      await box.probe('http-seq', ...gw, 'http://files.test:0', 'http://elsewhere.test:0'),
    ).toMatchObject({
      statuses: [200, 403],
    });
    expect(await box.probe('http-seq', ...gw, 'http://up.test:2500', 'http://up.test:2500')).toMatchObject({
      statuses: [200, 200],
    });
    // Not a proxy request (origin form): refused by the proxy (NOT_A_PROXY_REQUEST).
    const origin = await timed(() => box.probe('http-seq', ...gw, 'files.test:0'));
    expect(origin.said).toMatchObject({ statuses: [400] });
    Object.assign(notProxyClient, origin.probe);
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
    // An extra port's front refuses bytes that are neither TLS nor HTTP before the gate, sealed too.
    extraClients.sealed.garbage = await rawPort(RTK.http, MQTT_CONNECT);
    extraClients.sealed.noSni = await tlsPort('', RTK.tls);
  });

  // Every row written: a stopped gateway has recorded every connection it had.
  writeFileSync(policyFile, policyYaml('monitor'));
  box.gateway?.kill('SIGHUP');
  await vi.waitFor(() => expect(box.gatewayErr).toMatch(/policy reloaded: mode monitor/), { timeout: 5000 });
  const monitor = await captured('monitor', async () => {
    // No Host (curl sends none when told 'Host:'): the front refuses it before the gate, even here.
    monitorClients.noHost = await curlPort('-H', 'Host:', `http://${ADDR.internet}/blob`);
    monitorClients.v4 = await curlPort(`http://${ADDR.internet}/blob`);
    // TLS: no SNI, or one that is no host name, refused before the gate here too; an IP literal
    // SNI is judged by that address (passed in monitor).
    monitorClients.noSni = await tlsPort('');
    monitorClients.sniNotHost = await tlsPort('bad name');
    monitorClients.sniV4 = await tlsPort(ADDR.internet);
    // Heads the fronts refuse for reasons of their own, before any name is read: plain HTTP on the
    // TLS port (not-tls), a CONNECT on the HTTP port (bad-request), ambiguous framing (bad-framing).
    monitorClients.plainOn443 = await rawPort(443, 'GET /blob HTTP/1.1\r\nHost: files.test\r\n\r\n');
    monitorClients.connectOn80 = await rawPort(
      80,
      'CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n',
    );
    monitorClients.twoLengths = await rawPort(
      80,
      'POST /sync HTTP/1.1\r\nHost: files.test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    );
    // The same on the extra ports: the `other` listener's front refuses them in every mode.
    const x = extraClients.monitor;
    x.noSni = await tlsPort('', RTK.tls);
    x.garbage = await rawPort(RTK.http, MQTT_CONNECT);
    x.notHello = await rawPort(RTK.tls, NOT_A_HELLO);
    x.literal = await curlPort(`http://${ADDR.internet}:${RTK.http}/blob`);
    // No complete head, refused by the gateway itself in every mode: the client closes first
    // (client-closed), or the handshake timeout runs out (handshake-timeout); on the fronts, on an
    // extra port and through the proxy.
    const h = headlessClients;
    h.closed443 = await headlessPort(ADDR.internet, 443, 'end');
    h.reset80 = await headlessPort(ADDR.internet, 80, 'reset');
    h.halfHead80 = await headlessPort(ADDR.internet, 80, 'end', 'GET /blob HTTP/1.1\r\nHost: files.test\r\n');
    h.closedExtra = await headlessPort(ADDR.internet, RTK.tls, 'end');
    h.closedProxy = await headlessPort(ADDR.gwLan, PROXY_PORT, 'end');
    h.waited443 = await headlessPort(ADDR.internet, 443, 'wait');
    h.waitedProxy = await headlessPort(ADDR.gwLan, PROXY_PORT, 'wait', 'CONNECT files.test:443 HTTP/1.1\r\n');
  });

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
    return r;
  };
  oneWayReport = await audit([oneWay, viaProxy], policyYaml('one-way'), (ms) =>
    ms >= windows.proxy![0] ? phases.proxy : phases.transparent,
  );
  await audit([sealed], policyYaml('sealed'), () => phases.sealed);
  await audit([monitor], policyYaml('monitor'), () => phases.monitor);
}, 150_000);

afterAll(() => {
  box.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('a capture judged by airlock audit gets the answers the gateway logged live', () => {
  it('transparent, one-way: every connection and every request the same decision, reason, name and bytes up', () => {
    const p = phases.transparent;
    const { gateway, audit } = answers(joinConnections(p));
    expect(audit).toEqual(gateway);
    // The playbook reached every decision it is about (so agreement is not agreement on little).
    const seen = new Set(gateway.flatMap((w) => w.judged.map((j) => `${j.decision} ${j.reason}`)));
    for (const d of [
      'allowed allowlisted',
      'blocked not-allowlisted',
      'blocked no-name',
      'cut connection-budget',
      'cut hour-budget',
      'blocked hour-budget-spent',
      'blocked port-not-allowed',
      'blocked bad-request',
    ])
      expect(seen, d).toContain(d);
    expectEveryFlowAccounted(p);
  });

  it('transparent, one-way: an NTRIP rover naming no host, claimed by the caster entry, judged and counted alike', () => {
    const [c] = joinConnections(phases.transparent).filter(({ rows }) =>
      rows.some((r) => r.destination === 'caster.test'),
    );
    expect(c).toBeDefined();
    const { gateway, audit } = answers([c!]);
    expect(audit).toEqual(gateway);
    expect(gateway[0]!.judged).toEqual([
      { decision: 'allowed', reason: 'allowlisted', name: 'caster.test', up: expect.any(Number) },
    ]);
    // More than the request head went up: the rover's positions, after the ICY answer.
    expect(gateway[0]!.judged[0]!.up).toBeGreaterThan(200);
    expect(c!.flow.connections[0]!.nameSource).toBe('claim');
  });

  it('transparent, one-way: bytes down equal, but for the hop-by-hop fields of plain HTTP responses', () => {
    const got = pairs(phases.transparent).flatMap(({ row, flow, conn }) =>
      // The refusal the tablet got is the gateway's own.
      row.verdict === 'block' || !conn
        ? []
        : [[row.client, capturedDown(row, conn, flow, flow.connections.indexOf(conn))]],
    );
    expect(got.length).toBeGreaterThan(5);
    expect(got).toEqual(
      pairs(phases.transparent).flatMap(({ row, conn }) =>
        row.verdict === 'block' || !conn ? [] : [[row.client, Number(row.bytesDown)]],
      ),
    );
  });

  it('transparent, one-way: keep-alive connections, each request judged and budgeted on its own', () => {
    const multi = joinConnections(phases.transparent).filter(({ rows }) => rows.length > 1);
    const line = (j: Judgement) => `${j.name} ${j.decision} ${j.reason} ${j.up}`;
    const chunkedHead =
      'POST /sync HTTP/1.1\r\nHost: up.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
    // 2,500 bytes in chunks of 1,000 (3 size lines, their CR LFs) and the last chunk.
    const chunkedUp = chunkedHead.length + 2500 + 3 * '3e8\r\n\r\n'.length + '0\r\n\r\n'.length;
    const want = [
      ['up.test allowed allowlisted 2560', 'up.test allowed allowlisted 2560'],
      ['files.test allowed allowlisted 40', 'elsewhere.test blocked not-allowlisted null'],
      [`up.test allowed allowlisted ${chunkedUp}`, 'files.test allowed allowlisted 40'],
      // An IP literal in the second request's Host: no name.
      ['files.test allowed allowlisted 40', 'null blocked no-name null'],
    ];
    expect(multi.map(({ rows }) => rows.map((r) => line(fromGateway(r))))).toEqual(want);
    expect(multi.map(({ flow }) => flow.connections.map((c) => line(fromAudit(c))))).toEqual(want);
    // Each request is its own connection in the report's destinations too.
    const d = oneWayReport!.destinations.find((x) => x.name === 'elsewhere.test' && x.port === 80)!;
    expect(d.outcome.blocked).toBeGreaterThanOrEqual(2); // curl's, and the keep-alive one
  });

  it('transparent, one-way: an HTTP/1.0 upload of exactly the budget, cut at the same byte', () => {
    const [c] = joinConnections(phases.transparent).filter(({ flow }) => made(flow, exactClient));
    expect(c?.rows).toHaveLength(1);
    const want = { decision: 'cut', reason: 'connection-budget', name: 'up.test', up: UP_BUDGET };
    expect({ gateway: fromGateway(c!.rows[0]!), audit: fromAudit(c!.flow) }).toEqual({
      gateway: want,
      audit: want,
    });
  });

  it('transparent, one-way: a Host that is an IP literal is no name, judged by that address (no-name)', () => {
    const joined = joinConnections(phases.transparent);
    const of = (probe: Probe | undefined) => joined.filter(({ flow }) => made(flow, probe));
    const want = { decision: 'blocked', reason: 'no-name', name: null, up: null };
    for (const [v, probe] of Object.entries(literalClients)) {
      const [c] = of(probe);
      expect(c?.rows, v).toHaveLength(1);
      expect({ v, gateway: fromGateway(c!.rows[0]!), audit: fromAudit(c!.flow) }).toEqual({
        v,
        gateway: want,
        audit: want,
      });
    }
    // The gateway goes to the address the Host names: the destination both records give.
    expect(of(literalClients.v6)[0]!.rows[0]!.destination).toBe(ADDR.internet6);
    const d = oneWayReport!.destinations.filter((x) => x.ips.includes(ADDR.internet6));
    expect(d.map((x) => [x.name, x.port, x.outcome.blocked, x.outcome.reasons])).toEqual([
      [null, 80, 1, ['no-name']],
    ]);
  });

  it('transparent, one-way: an SNI that is an IP literal is no name (no-name), as is one that is no host name', () => {
    const joined = joinConnections(phases.transparent);
    for (const [what, probe, detail] of [
      ['IP literal', sniClients.v4, expect.stringMatching(/no name/)],
      ['no host name', sniClients.notHost, expect.stringMatching(/^SNI is not a host name/)],
    ] as const) {
      const c = joined.filter(({ flow }) => made(flow, probe));
      expect(c[0]?.rows, what).toHaveLength(1);
      const want = { decision: 'blocked', reason: 'no-name', name: null, up: null };
      expect({ what, gateway: fromGateway(c[0]!.rows[0]!), audit: fromAudit(c[0]!.flow) }).toEqual({
        what,
        gateway: want,
        audit: want,
      });
      expect(c[0]!.flow.outcome).toMatchObject({ detail });
    }
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
    expect(phases.transparent.rows.some((r) => r.port === 853 || r.port === RTK.unlisted)).toBe(false);
  });

  it("transparent, one-way: the allowlist's extra ports (the `other` listener) named, refused and judged on the port alike", () => {
    const { gateway, audit } = extraAnswers(phases.transparent, extraClients.transparent);
    expect(gateway).toEqual({
      tls: ['allowed allowlisted rtk.test'],
      http: ['allowed allowlisted rtk.test'],
      noSni: ['blocked no-name null'],
      literal: ['blocked no-name null'],
      // Neither TLS nor HTTP; a CONNECT: refused by the front before any name is judged.
      garbage: ['blocked bad-request null'],
      connect: ['blocked bad-request null'],
      otherName: ['blocked port-not-allowed files.test'],
    });
    expect(audit).toEqual(gateway);
  });

  it('one-way DNS: every query the same verdict and reason (length limit, allowlist, rate)', () => {
    compareQueries(phases.transparent);
    const reasons = new Set(phases.transparent.queries.map((q) => q.reason));
    for (const r of ['allowlisted', 'not-allowlisted', 'dns-name-too-long', 'dns-rate'])
      expect(reasons).toContain(r);
  });

  it('forward proxy, one-way: every request judged by its target, the same decision, reason, name, port and bytes up', () => {
    const p = phases.proxy;
    const joined = joinConnections(p);
    const notProxy = joined.filter(({ flow }) => made(flow, notProxyClient));
    const proxied = joined.filter(({ flow }) => !made(flow, notProxyClient));
    const { gateway, audit } = answers(proxied);
    expect(audit).toEqual(gateway);
    const rows = proxied.flatMap(({ rows }) =>
      rows.map((r) => `${r.name} ${r.port} ${r.verdict} ${r.reason}`),
    );
    expect(rows).toEqual([
      'files.test 443 allow allowlisted',
      'files.test 80 allow allowlisted',
      'elsewhere.test 443 block not-allowlisted',
      'files.test 80 allow allowlisted',
      'elsewhere.test 80 block not-allowlisted',
      'up.test 80 allow allowlisted',
      'up.test 80 allow allowlisted',
    ]);
    // Every one went to the proxy's LAN address, and the audit says it was a proxy request.
    for (const { rows, flow } of proxied) {
      expect([flow.server.h, flow.server.p]).toEqual([ADDR.gwLan, PROXY_PORT]);
      expect(flow.connections.map((c) => [c.port, c.proxy])).toEqual(
        rows.map((r) => [
          r.port,
          { h: ADDR.gwLan, p: PROXY_PORT, form: r.port === 443 ? 'connect' : 'absolute' },
        ]),
      );
    }
    // NOT_A_PROXY_REQUEST: LAN traffic to the proxy in the audit.
    expect(
      notProxy.map(({ rows, flow }) => ({ gateway: fromGateway(rows[0]!), audit: fromAudit(flow) })),
    ).toEqual([NOT_A_PROXY_REQUEST]);
    expect(notProxy[0]!.flow.scope).toBe('local');
    // The report lists the targets, saying they went through the proxy.
    const d = oneWayReport!.destinations.find((x) => x.name === 'files.test' && x.port === 443)!;
    expect(d.viaProxy).toEqual({ connections: 1, proxies: [`${ADDR.gwLan}:${PROXY_PORT}`] });
    expectEveryFlowAccounted(p);
  });

  it('forward proxy, one-way: bytes down equal, but for what the proxy said itself and hop-by-hop fields', () => {
    const ok = pairs(phases.proxy).filter(({ row, conn }) => row.verdict !== 'block' && conn?.proxy);
    expect(ok.length).toBe(5);
    expect(
      ok.map(({ row, flow, conn }) => [
        row.client,
        capturedDown(row, conn!, flow, flow.connections.indexOf(conn!)),
      ]),
    ).toEqual(ok.map(({ row }) => [row.client, Number(row.bytesDown)]));
  });

  it("sealed: every connection and query refused as sealed on both sides, but what an extra port's front refuses first", () => {
    const p = phases.sealed;
    const joined = joinConnections(p);
    const { gateway, audit } = answers(joined);
    expect(audit).toEqual(gateway);
    const { gateway: extra } = extraAnswers(p, extraClients.sealed);
    // On an extra port, what the front refuses and no SNI are refused before the gate is asked.
    expect(extra).toEqual({ garbage: ['blocked bad-request null'], noSni: ['blocked no-name null'] });
    const own = (f: JudgedFlow) => Object.values(extraClients.sealed).some((probe) => made(f, probe));
    expect(
      joined.filter(({ flow }) => !own(flow)).flatMap(({ rows }) => rows.map((r) => fromGateway(r).reason)),
    ).toEqual(['sealed', 'sealed']);
    compareQueries(p);
    expect(p.queries.map((q) => q.reason)).toEqual(['sealed']);
    expectEveryFlowAccounted(p);
  });

  it("monitor: a request without Host and TLS without SNI or with one that is no host name refused as no-name, the fronts' own refusals (not-tls, bad-request, bad-framing) as theirs, IP literal Host and SNI passed by address, on both sides, on 443 and 80 and on the extra ports", () => {
    const p = phases.monitor;
    const joined = joinConnections(p);
    const { gateway, audit } = answers(joined);
    expect(audit).toEqual(gateway);
    const at = (probe: Probe | undefined) =>
      gateway[joined.findIndex(({ flow }) => made(flow, probe))]?.judged;
    expect(at(monitorClients.noHost)).toEqual([
      { decision: 'blocked', reason: 'no-name', name: null, up: null },
    ]);
    expect(at(monitorClients.v4)?.map((j) => `${j.decision} ${j.reason} ${j.name}`)).toEqual([
      'allowed monitor null',
    ]);
    for (const probe of [monitorClients.noSni, monitorClients.sniNotHost])
      expect(at(probe)).toEqual([{ decision: 'blocked', reason: 'no-name', name: null, up: null }]);
    expect(at(monitorClients.sniV4)?.map((j) => `${j.decision} ${j.reason} ${j.name}`)).toEqual([
      'allowed monitor null',
    ]);
    for (const [probe, reason] of [
      [monitorClients.plainOn443, 'not-tls'],
      [monitorClients.connectOn80, 'bad-request'],
      [monitorClients.twoLengths, 'bad-framing'],
    ] as const)
      expect([reason, at(probe)]).toEqual([reason, [{ decision: 'blocked', reason, name: null, up: null }]]);
    // The same on the extra ports, through the `other` listener's front.
    expect(extraAnswers(p, extraClients.monitor).gateway).toEqual({
      noSni: ['blocked no-name null'],
      garbage: ['blocked bad-request null'],
      notHello: ['blocked not-tls null'],
      literal: ['allowed monitor null'],
    });
    expect(gateway).toHaveLength(12 + Object.keys(headlessClients).length);
    expectEveryFlowAccounted(p);
  });

  it('monitor: a connection that sends no complete head refused by the gateway itself, client-closed or handshake-timeout, on both sides, on 443, 80, an extra port and through the proxy', () => {
    const joined = joinConnections(phases.monitor);
    const { gateway, audit } = answers(joined);
    // The gateway's block row for it (fromGateway: reason in UNHEARD_REASONS), the audit's unheard.
    const want = (reason: string) => [{ decision: 'unheard', reason, name: null, up: null }];
    const h = headlessClients;
    const at = (side: typeof gateway) =>
      Object.fromEntries(
        Object.entries(h).map(([what, probe]) => [
          what,
          side[joined.findIndex(({ flow }) => made(flow, probe))]?.judged,
        ]),
      );
    const expected = {
      closed443: want('client-closed'),
      reset80: want('client-closed'),
      halfHead80: want('client-closed'),
      closedExtra: want('client-closed'),
      closedProxy: want('client-closed'),
      waited443: want('handshake-timeout'),
      waitedProxy: want('handshake-timeout'),
    };
    expect(at(gateway)).toEqual(expected);
    expect(at(audit)).toEqual(expected);
  });

  it('airlock log reconcile: each capture set beside the record, every connection the gateway saw with its row and the same answer', () => {
    const runs: [string, string[]][] = [
      ['one-way', ['transparent', 'proxy']],
      ['sealed', ['sealed']],
      ['monitor', ['monitor']],
    ];
    for (const [mode, names] of runs) {
      // The policy as the gateway read it in that phase, beside the store (the same paths).
      const policy = join(dir, `reconcile-${mode}.yaml`);
      writeFileSync(policy, policyYaml(mode));
      const r = airlock([
        'log',
        'reconcile',
        ...names.map((n) => join(dir, `${n}.pcapng`)),
        '--policy',
        policy,
        '--json',
      ]);
      const s = JSON.parse(r.stdout) as {
        findings: { kind: string }[];
        dns?: { kind: string }[];
        notSeen: number;
      };
      expect(
        [...s.findings, ...(s.dns ?? [])].filter((f) => f.kind !== 'agree' && f.kind !== 'summarised'),
        mode,
      ).toEqual([]);
      // Behind the box's rules DNS is joined too: every query of the phases (compareQueries above).
      const queries = names.flatMap((n) => phases[n as keyof typeof phases].queries);
      expect(s.dns?.length, mode).toBe(queries.length);
      expect(r.code, `${mode}: ${r.stderr}`).toBe(0);
      // As many agreements as the phases logged connections (summary rows apart, counted above).
      const logged = names
        .flatMap((n) => phases[n as keyof typeof phases].rows)
        .filter((x) => x.kind === 'connection' && x.count === undefined && !x.open);
      expect(s.findings.filter((f) => f.kind === 'agree').length, mode).toBe(logged.length);
      // What the box's rules drop is not the gateway's (FIREWALL_DROPPED, one-way's probes): left out, counted.
      if (mode === 'one-way') expect(s.notSeen).toBeGreaterThanOrEqual(Object.keys(FIREWALL_DROPPED).length);
    }
  });

  it('airlock log reconcile: a connection whose row is gone from a copy of the store is named, and the gap in the chain', () => {
    // The record as a gateway that lost (or never wrote) one row would leave it: a copy of the
    // store without one connection's row. The chain shows the gap; the capture shows what is missing.
    const copy = join(dir, 'record-copy');
    mkdirSync(copy);
    for (const f of ['airlock.sqlite', 'airlock.hmac.key', 'airlock.anchor'])
      if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(copy, f));
    const policy = join(copy, 'airlock.yaml');
    writeFileSync(policy, policyYaml('one-way'));
    const captures = ['transparent', 'proxy'].map((n) => join(dir, `${n}.pcapng`));
    const before = JSON.parse(
      airlock(['log', 'reconcile', ...captures, '--policy', policy, '--json']).stdout,
    ) as {
      findings: { kind: string; seq?: number; capture?: { client: string; ts: string } }[];
    };
    const gone = before.findings.find((f) => f.kind === 'agree' && f.capture?.client)!;
    const db = new Database(join(copy, 'airlock.sqlite'));
    db.prepare('DELETE FROM event_log WHERE seq = ?').run(gone.seq);
    db.close();
    const r = airlock(['log', 'reconcile', ...captures, '--policy', policy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`NOT LOGGED    ${gone.capture!.client} → `);
    expect(r.stdout).toMatch(new RegExp(`DAMAGED rows in that time \\(seq ${gone.seq! + 1}\\b`));
  });

  it('airlock log reconcile --clock-offset: a capture whose clock ran 40 s ahead (editcap -t 40) agrees once told so', () => {
    const policy = join(dir, 'reconcile-one-way.yaml');
    writeFileSync(policy, policyYaml('one-way'));
    const shifted = ['transparent', 'proxy'].map((n) => {
      const out = join(dir, `${n}-ahead.pcapng`);
      execFileSync('editcap', ['-t', '40', join(dir, `${n}.pcapng`), out]);
      return out;
    });
    const agreeing = (args: string[]) => {
      const r = airlock(['log', 'reconcile', ...shifted, '--policy', policy, '--json', ...args]);
      const s = JSON.parse(r.stdout) as { findings: { kind: string }[] };
      return { code: r.code, agree: s.findings.filter((f) => f.kind === 'agree').length };
    };
    const logged = ['transparent', 'proxy']
      .flatMap((n) => phases[n as keyof typeof phases].rows)
      .filter((x) => x.kind === 'connection' && x.count === undefined && !x.open).length;
    expect(agreeing([])).toEqual({ code: 1, agree: 0 });
    expect(agreeing(['--clock-offset', '40'])).toEqual({ code: 0, agree: logged });
    expect(airlock(['log', 'reconcile', ...shifted, '--policy', policy, '--clock-offset', '40s']).code).toBe(
      64,
    );
  });
});

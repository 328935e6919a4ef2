/**
 * The gateway's record set beside a capture of the tablet's link (`airlock log reconcile`): the
 * HMAC chain proves no row was changed or removed, but not that every connection got a row. A
 * capture taken on the box's LAN side is independent evidence of what the tablet did; the audit
 * judges it with the same policy code, so for every connection the gateway could see, both must
 * hold the same answer. Pure: the audit's connection lines and the log's rows in, findings out.
 *
 * Where the two records cannot say the same thing, and what is done about it
 * (test/gateway/audit-agrees.test.ts checks each against a live gateway):
 * - bytes down are not compared: the gateway counts what the upstream sent; the tablet also
 *   received the proxy's own answer to CONNECT, and plain HTTP responses without the hop-by-hop
 *   fields the gateway manages itself;
 * - connections the box's rules drop before Airlock (other ports, UDP, QUIC) have no row by
 *   design: left out, counted apart;
 * - a refusal burst is a first row and then a summary row a second: its connections and queries
 *   count against the summary;
 * - DNS is joined query by query (reconcileDns) only behind the box's rules, which send every
 *   IPv4 query to port 53 to the gateway; without them the tablet's resolver is not the gateway;
 * - a request that is not a proxy request, sent to the proxy's port: the gateway refuses it as
 *   `not-proxy-request`, the audit as LAN traffic (`local-blocked`); the same refusal.
 */
import type { ConnectionLogRow, DnsLogRow } from '../store/types.js';
import { UNHEARD_REASONS } from './destination.js';

/**
 * One judged connection of the capture: what of an `audit --connections` line is compared
 * (report/audit/connections.ts, whose ConnectionLine adds the gate id and stream bytes).
 */
export interface CapturedConnection {
  /** The connection's (a request's) first packet, ISO 8601. */
  ts: string;
  /** The tablet's side and the side it reached, as captured ('ip:port', IPv6 in brackets). */
  client: string;
  server: string;
  proto: string;
  scope: 'egress' | 'local';
  /** The name judged, null without one; where it came from (sni, http-host, claim, dns, none). */
  name: string | null;
  nameSource: string;
  /** The port judged: the server's, or a proxy request's target port. */
  port: number;
  outcome: 'allowed' | 'blocked' | 'cut' | 'unheard';
  /** The gate's reason code, as the gateway's log row carries it (`reason`, or `cut`). */
  reason: string;
  /** Bytes the gate let through: what the gateway would have sent upstream (a cut's, up to the cut). */
  up: number;
  /** A forward-proxy request: the proxy ('ip:port') and the request's form. */
  proxy?: { via: string; form: string };
}

export interface LoggedConnection {
  seq: number;
  row: ConnectionLogRow;
}

export interface ReconcileOptions {
  /** Would the gateway have seen this connection (the box redirects it, or it went to the proxy)? */
  seen: (c: CapturedConnection) => boolean;
  /** How far apart a row's time and its connection's first packet may be (ms). */
  toleranceMs: number;
}

/** A connection's answer in common terms. */
export interface Answer {
  decision: 'allowed' | 'blocked' | 'cut' | 'unheard';
  reason: string;
  name: string | null;
  /** Bytes that went upstream (allowed: all; cut: up to the cut); null when refused. */
  up: number | null;
}

export type Finding =
  | { kind: 'agree'; seq: number; capture: CapturedConnection }
  | {
      kind: 'differ';
      seq: number;
      capture: CapturedConnection;
      fields: string[];
      logged: Answer;
      captured: Answer;
    }
  /** In the capture, a connection the gateway must have seen; no row. */
  | { kind: 'not-logged'; capture: CapturedConnection }
  /** A row for a client the capture holds, in its time; no connection in the capture. */
  | { kind: 'not-captured'; seq: number; row: ConnectionLogRow }
  /** A connection counted in one of the gateway's refusal-burst summary rows. */
  | { kind: 'summarised'; seq: number; capture: CapturedConnection };

const BUDGET_CUTS: ReadonlySet<string> = new Set(['connection-budget', 'hour-budget', 'unlock-expired']);
const UNHEARD: ReadonlySet<string> = new Set(UNHEARD_REASONS);
/** Reasons that say the same thing in the gateway's words and the audit's (header comment). */
const SAME_REASON: ReadonlyMap<string, string> = new Map([['not-proxy-request', 'local-blocked']]);
/** Name sources that are the connection's own (a DNS answer or nothing is not). */
const CARRIED = (source: string): boolean => source !== 'dns' && source !== 'none';

export function loggedAnswer(r: ConnectionLogRow): Answer {
  const name = r.name ?? null;
  if (r.verdict === 'block')
    return { decision: UNHEARD.has(r.reason) ? 'unheard' : 'blocked', reason: r.reason, name, up: null };
  if (r.cut !== undefined && BUDGET_CUTS.has(r.cut))
    return { decision: 'cut', reason: r.cut, name, up: r.bytesUp };
  return { decision: 'allowed', reason: r.reason, name, up: r.bytesUp };
}

export function capturedAnswer(c: CapturedConnection): Answer {
  const name = c.name !== null && CARRIED(c.nameSource) ? c.name : null;
  const refused = c.outcome === 'blocked' || c.outcome === 'unheard';
  return { decision: c.outcome, reason: c.reason, name, up: refused ? null : c.up };
}

function differences(logged: Answer, captured: Answer): string[] {
  const out: string[] = [];
  if (logged.decision !== captured.decision) out.push('decision');
  if (logged.reason !== captured.reason && SAME_REASON.get(logged.reason) !== captured.reason)
    out.push('reason');
  if (logged.name !== captured.name && SAME_REASON.get(logged.reason) !== captured.reason) out.push('name');
  if (logged.up !== captured.up) out.push('up');
  return out;
}

/**
 * The address of an endpoint: 'ip' of 'ip:port' or '[ip]:port'; a bare address as it is (a
 * summary row's client; an IPv6 one has colons but no brackets).
 */
export function addressOf(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const i = endpoint.indexOf(':');
  return i < 0 || endpoint.indexOf(':', i + 1) >= 0 ? endpoint : endpoint.slice(0, i);
}

/**
 * The items of `sorted` (by ms) from `fromMs` to `toMs`, as indexes [start, end): a day's capture
 * joins a row to the few connections near its time, not to every one of its tablet's.
 */
function within<T extends { ms: number }>(
  sorted: readonly T[],
  fromMs: number,
  toMs: number,
): [number, number] {
  const first = (t: number, strict: boolean): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.ms < t || (strict && sorted[mid]!.ms === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [first(fromMs, false), first(toMs, true)];
}

export const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/**
 * Joins rows to connections by the tablet's endpoint and the port judged, in time order (a
 * keep-alive connection: a row per request, as the audit has a line per request; a port the
 * tablet used again later: each connection its own rows), within `toleranceMs`. The rows are
 * those of the capture's clients in its time span; a still-open row superseded by a later row
 * of the same connection is left out (the gateway writes a long tunnel's row while it lasts).
 */
export function reconcile(
  captured: readonly CapturedConnection[],
  logged: readonly LoggedConnection[],
  opts: ReconcileOptions,
): Finding[] {
  // By the tablet's endpoint: a row names the port judged, or 0 when it was refused before any
  // target was read (no name, a malformed request): then any connection of that endpoint.
  const lines = new Map<string, { c: CapturedConnection; ms: number; used: boolean }[]>();
  for (const c of captured) {
    if (!opts.seen(c)) continue;
    const list = lines.get(c.client) ?? [];
    list.push({ c, ms: Date.parse(c.ts), used: false });
    lines.set(c.client, list);
  }
  for (const list of lines.values()) list.sort((a, b) => a.ms - b.ms);

  // A long tunnel's interim rows (open) give way to the row written when it ended, or, while it
  // is still open, to the latest of them.
  const rowKey = (r: ConnectionLogRow) => `${r.client} ${r.port} ${r.tsMs}`;
  const finals = new Set<string>();
  const lastOpen = new Map<string, number>();
  for (const { seq, row } of logged)
    if (!row.open) finals.add(rowKey(row));
    else lastOpen.set(rowKey(row), Math.max(seq, lastOpen.get(rowKey(row)) ?? 0));
  const rows = logged
    .filter(({ seq, row }) => !row.open || (!finals.has(rowKey(row)) && lastOpen.get(rowKey(row)) === seq))
    .sort((a, b) => a.row.tsMs - b.row.tsMs || a.seq - b.seq);

  const out: Finding[] = [];
  const summaries: LoggedConnection[] = [];
  for (const l of rows) {
    if (l.row.count !== undefined) {
      summaries.push(l);
      continue;
    }
    const list = lines.get(l.row.client) ?? [];
    const [from, to] = within(list, l.row.tsMs - opts.toleranceMs, l.row.tsMs + opts.toleranceMs);
    const match = list.slice(from, to).find((x) => !x.used && (l.row.port === 0 || x.c.port === l.row.port));
    if (!match) {
      out.push({ kind: 'not-captured', seq: l.seq, row: l.row });
      continue;
    }
    match.used = true;
    const a = loggedAnswer(l.row);
    const b = capturedAnswer(match.c);
    const fields = differences(a, b);
    out.push(
      fields.length === 0
        ? { kind: 'agree', seq: l.seq, capture: match.c }
        : { kind: 'differ', seq: l.seq, capture: match.c, fields, logged: a, captured: b },
    );
  }
  // A summary row stands for `count` refusals of one client (any port) from tsMs to lastMs.
  const left = [...lines.values()]
    .flat()
    .filter((x) => !x.used)
    .sort((a, b) => a.ms - b.ms);
  for (const s of summaries) {
    const [from, to] = within(
      left,
      s.row.tsMs - opts.toleranceMs,
      (s.row.lastMs ?? s.row.tsMs) + opts.toleranceMs,
    );
    let n = s.row.count ?? 0;
    for (let i = from; i < to && n > 0; i++) {
      const x = left[i]!;
      if (x.used || addressOf(x.c.client) !== s.row.client) continue;
      x.used = true;
      n--;
      out.push({ kind: 'summarised', seq: s.seq, capture: x.c });
    }
  }
  for (const x of left) if (!x.used) out.push({ kind: 'not-logged', capture: x.c });
  return out;
}

/** One DNS query of the capture as the audit judged it (JudgedQuery, its type as the log names it). */
export interface CapturedQuery {
  ms: number;
  /** The tablet's address. */
  client: string;
  name: string;
  qtype: string;
  verdict: 'allow' | 'block';
  reason: string;
}

export type DnsFinding =
  | { kind: 'agree'; seq: number; query: CapturedQuery }
  | { kind: 'differ'; seq: number; query: CapturedQuery; logged: string; captured: string }
  | { kind: 'not-logged'; query: CapturedQuery }
  | { kind: 'not-captured'; seq: number; row: DnsLogRow }
  | { kind: 'summarised'; seq: number; query: CapturedQuery };

/**
 * Joins DNS rows to the capture's queries by the tablet's address, the name and the type, in time
 * order within `toleranceMs`, and compares verdict and reason. A summary row (a refusal burst of
 * one client for one reason) stands for `count` of the client's queries refused for that reason
 * from tsMs to lastMs.
 */
export function reconcileDns(
  queries: readonly CapturedQuery[],
  logged: readonly { seq: number; row: DnsLogRow }[],
  toleranceMs: number,
): DnsFinding[] {
  const qs = [...queries].sort((a, b) => a.ms - b.ms).map((q) => ({ q, ms: q.ms, used: false }));
  const rows = [...logged].sort((a, b) => a.row.tsMs - b.row.tsMs || a.seq - b.seq);
  const out: DnsFinding[] = [];
  for (const l of rows) {
    if (l.row.count !== undefined) continue;
    const [from, to] = within(qs, l.row.tsMs - toleranceMs, l.row.tsMs + toleranceMs);
    const m = qs
      .slice(from, to)
      .find(
        (x) =>
          !x.used && x.q.client === l.row.client && x.q.name === l.row.qname && x.q.qtype === l.row.qtype,
      );
    if (!m) {
      out.push({ kind: 'not-captured', seq: l.seq, row: l.row });
      continue;
    }
    m.used = true;
    const logged = `${l.row.verdict} ${l.row.reason}`;
    const captured = `${m.q.verdict} ${m.q.reason}`;
    out.push(
      logged === captured
        ? { kind: 'agree', seq: l.seq, query: m.q }
        : { kind: 'differ', seq: l.seq, query: m.q, logged, captured },
    );
  }
  for (const l of rows) {
    const r = l.row;
    if (r.count === undefined) continue;
    let n = r.count;
    const [from, to] = within(qs, r.tsMs - toleranceMs, (r.lastMs ?? r.tsMs) + toleranceMs);
    for (let i = from; i < to && n > 0; i++) {
      const x = qs[i]!;
      if (x.used || x.q.client !== r.client || x.q.verdict !== 'block' || x.q.reason !== r.reason) continue;
      x.used = true;
      n--;
      out.push({ kind: 'summarised', seq: l.seq, query: x.q });
    }
  }
  for (const x of qs) if (!x.used) out.push({ kind: 'not-logged', query: x.q });
  return out;
}

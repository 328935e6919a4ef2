/** `airlock log reconcile`'s findings as text for a terminal, or as one JSON document. */
import type { Answer, CapturedConnection, CapturedQuery, DnsFinding, Finding } from '../audit/reconcile.js';
import { formatBytes } from './audit/format.js';

export interface ReconcileSummary {
  captures: string[];
  /** The captures' span (ms since the epoch): the rows read are those stamped within it. */
  fromMs: number;
  toMs: number;
  toleranceMs: number;
  /** The tablets: client addresses of the connections the gateway must have seen. */
  clients: string[];
  /** Rows of those clients in that span, as read (summary and still-open rows included). */
  rows: number;
  /** Rows in that span whose own link in the chain does not hold (their seqs, at most 20). */
  damaged: number[];
  /** Connections in the capture the gateway does not see (the box's rules drop them): not compared. */
  notSeen: number;
  findings: Finding[];
  /** DNS queries joined to the DNS rows: only behind the box's rules (transparent listeners on). */
  dns?: DnsFinding[];
}

const BAD: ReadonlySet<string> = new Set(['differ', 'not-logged', 'not-captured']);

export const disagreements = (s: ReconcileSummary): (Finding | DnsFinding)[] => [
  ...s.findings.filter((f) => BAD.has(f.kind)),
  ...(s.dns ?? []).filter((f) => BAD.has(f.kind)),
];

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const target = (c: CapturedConnection): string => `${c.name ?? c.server.replace(/:\d+$/, '')}:${c.port}`;
const answer = (a: Answer): string =>
  `${a.decision} ${a.reason}${a.name === null ? '' : ` name ${a.name}`}${a.up === null ? '' : `, ${a.up} B up`}`;

const query = (q: CapturedQuery): string =>
  `${q.client} DNS ${q.name} ${q.qtype} at ${new Date(q.ms).toISOString()}`;

function dnsLine(f: DnsFinding): string | undefined {
  switch (f.kind) {
    case 'differ':
      return `  DIFFERS       seq ${f.seq}  ${query(f.query)}: logged ${f.logged}; captured ${f.captured}`;
    case 'not-logged':
      return `  NOT LOGGED    ${query(f.query)}: in the capture (${f.query.verdict} ${f.query.reason}), no row`;
    case 'not-captured':
      return `  NOT CAPTURED  seq ${f.seq}  ${f.row.client} DNS ${f.row.qname} ${f.row.qtype} at ${new Date(f.row.tsMs).toISOString()}: a row (${f.row.verdict} ${f.row.reason}), no query in the capture`;
    default:
      return undefined;
  }
}

function line(f: Finding): string | undefined {
  switch (f.kind) {
    case 'differ':
      return `  DIFFERS       seq ${f.seq}  ${f.capture.client} → ${target(f.capture)} at ${f.capture.ts} (${f.fields.join(', ')}): logged ${answer(f.logged)}; captured ${answer(f.captured)}`;
    case 'not-logged':
      return `  NOT LOGGED    ${f.capture.client} → ${target(f.capture)} at ${f.capture.ts}: in the capture (${f.capture.outcome} ${f.capture.reason}, ${f.capture.up} B up), no row`;
    case 'not-captured':
      return `  NOT CAPTURED  seq ${f.seq}  ${f.row.client} → ${f.row.destination}:${f.row.port} at ${new Date(f.row.tsMs).toISOString()}: a row (${f.row.verdict} ${f.row.reason}), no connection in the capture`;
    default:
      return undefined;
  }
}

export function renderReconcileText(s: ReconcileSummary): string {
  const n = (k: Finding['kind']) => s.findings.filter((f) => f.kind === k).length;
  const bad = disagreements(s);
  const out = [
    `${s.captures.join(', ')}: ${time(s.fromMs)} → ${time(s.toMs)} UTC; tablets ${s.clients.join(', ') || '(none)'}; ${s.rows} log rows of theirs in that time`,
    `  ${n('agree')} connections agree: the same decision, reason, name and bytes up`,
  ];
  if (n('summarised') > 0) out.push(`  ${n('summarised')} counted in the gateway's refusal summaries`);
  for (const f of s.findings) {
    const said = line(f);
    if (said) out.push(said);
  }
  if (s.dns) {
    const d = (k: DnsFinding['kind']) => s.dns!.filter((f) => f.kind === k).length;
    out.push(
      `  ${d('agree')} DNS queries agree: the same verdict and reason${d('summarised') ? `; ${d('summarised')} counted in refusal summaries` : ''}`,
    );
    for (const f of s.dns) {
      const said = dnsLine(f);
      if (said) out.push(said);
    }
  }
  if (s.damaged.length > 0)
    out.push(
      `  DAMAGED rows in that time (seq ${s.damaged.join(', ')}): their link in the chain does not hold; airlock log verify checks the whole log`,
    );
  out.push(
    `Not compared: ${s.notSeen} connection${s.notSeen === 1 ? '' : 's'} the box's rules drop before the gateway (other ports, UDP); bytes down${s.dns ? '' : "; DNS queries (without the box's rules the tablet's DNS is not the gateway's)"}.`,
  );
  const total = s.findings.reduce((b, f) => b + (f.kind === 'agree' ? (f.capture.up ?? 0) : 0), 0);
  out.push(
    bad.length === 0 && s.damaged.length === 0
      ? `The record and the capture agree (${formatBytes(total)} up in the connections that agree; exit 0).`
      : `The record and the capture disagree: ${bad.length} finding${bad.length === 1 ? '' : 's'}${s.damaged.length ? `, ${s.damaged.length} damaged row${s.damaged.length === 1 ? '' : 's'}` : ''} (exit 1).`,
  );
  return `${out.join('\n')}\n`;
}

export const renderReconcileJson = (s: ReconcileSummary): string => `${JSON.stringify(s, null, 2)}\n`;

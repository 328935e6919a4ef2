/**
 * The dashboard's first page: is the record sound, what went where in the window, what was
 * refused and why, which unlock windows are open, and which reports need a look. Pure: data in,
 * HTML out.
 */
import { isoTime } from '../../core/iso-time.js';
import type { TrafficSummary } from '../../gateway/record/traffic-tally.js';
import { escapeHtml as e } from '../../report/html.js';
import type { ChainHead, CheckedUnlockWindow } from '../../store/types.js';
import type { GatewayStatus } from '../gateway-status.js';
import type { ReportEntry, ReportProblem } from '../reports/index.js';
import { count, page, reportHref } from './layout.js';
import { ON_THIS_BOX, trafficSections } from './traffic-sections.js';
import { type VerificationView, verificationLine } from './verify.js';

export interface OverviewData {
  storePath: string;
  /** What `since` the window was asked as ("24h", an ISO time). */
  windowLabel: string;
  nowMs: number;
  /** Absent when there is no store yet. */
  record?: RecordOverview;
  /** What the gateway's admin port said, when asked. */
  gateway?: GatewayStatus;
  reports?: { reports: readonly ReportEntry[]; problems: readonly ReportProblem[] };
}

export interface RecordOverview {
  /** The log's last row; undefined when it has none. */
  head?: ChainHead;
  /** The anchor file's head, when there is one. */
  anchor?: { seq: number; tsMs: number };
  /** The last verification this server ran, if any. */
  verification?: VerificationView;
  summary: TrafficSummary;
  truncated: boolean;
  windows: readonly CheckedUnlockWindow[];
}

export function renderOverview(d: OverviewData): string {
  const reports = d.reports ? reportsHtml(d.reports.reports, d.reports.problems) : '';
  const gateway = d.gateway ? gatewayHtml(d.gateway) : '';
  if (!d.record) {
    const body = [
      '<h1>Airlock</h1>',
      gateway,
      `<p class="meta">No gateway record: ${e(d.storePath)} does not exist yet (<code>airlock gateway</code> writes it).</p>`,
      reports || '<p class="meta">No reports folder either: start with <code>--reports DIR</code>.</p>',
    ].join('\n');
    return page('Overview', 'overview', body);
  }
  const r = d.record;
  const s = r.summary;
  // This box's figures link to its rows; the unlock windows go between the notes and the tables.
  const sections = trafficSections(s, r.truncated, { ...ON_THIS_BOX, all: '/api/summary.json' });
  const body = [
    '<h1>Airlock</h1>',
    `<p class="meta">Store ${e(d.storePath)} · ${count(s.rows)} rows from ${e(isoTime(s.sinceMs))} to ${e(isoTime(s.untilMs))} (${e(d.windowLabel)})</p>`,
    windowForm(d.windowLabel),
    gateway,
    recordHtml(r),
    sections[0],
    sections[1],
    unlockHtml(r.windows, d.nowMs),
    ...sections.slice(2),
    reports,
  ].join('\n');
  return page('Overview', 'overview', body);
}

function windowForm(label: string): string {
  const options = ['1h', '24h', '7d', '30d'];
  const links = options
    .map((o) => (o === label ? `<b>${o}</b>` : `<a href="/?since=${o}">${o}</a>`))
    .join(' · ');
  return `<p>Window: ${links}</p>`;
}

function gatewayHtml(g: GatewayStatus): string {
  const head = '<h2>The gateway</h2>';
  if (g.state === 'down')
    return `${head}<p class="warn">Not answering on ${e(g.at)} (${e(g.why)}): not running, or its admin port is elsewhere (<code>--admin</code>).</p>`;
  const m = g.metrics;
  const n = (k: string) => (m[k] === undefined ? '?' : count(m[k]));
  const log =
    m.airlock_gateway_log_healthy === 0
      ? '<span class="bad">its log cannot be written: it refuses new connections</span>'
      : `log: ${n('airlock_gateway_log_rows_written_total')} rows written, ${n('airlock_gateway_log_rows_dropped_total')} dropped, ${n('airlock_gateway_log_write_errors_total')} write errors`;
  const state =
    g.state === 'healthy'
      ? '<b class="ok">running, healthy</b>'
      : `<b class="bad">unhealthy: ${e(g.why ?? '')}</b>`;
  return `${head}<p>${state} (${e(g.at)}) · ${n('airlock_gateway_connections_active')} connections open · ${log}</p>`;
}

function recordHtml(d: RecordOverview): string {
  const head = d.head ? `last row ${count(d.head.seq)}` : 'no rows yet';
  const anchor = d.anchor
    ? `anchor at row ${count(d.anchor.seq)} (${e(isoTime(d.anchor.tsMs))})`
    : '<span class="bad">no anchor file</span>';
  const verified = d.verification
    ? verificationLine(d.verification)
    : 'not verified by this dashboard yet: <a href="/verify">verify the whole log</a>';
  return `<h2>The record</h2><p>${head} · ${anchor}<br>${verified}</p>`;
}

function unlockHtml(windows: readonly CheckedUnlockWindow[], nowMs: number): string {
  const head = '<h2>Unlock windows</h2>';
  const live = windows.filter((w) => w.window.untilMs > nowMs);
  if (windows.length === 0) return `${head}<p class="meta">None recorded.</p>`;
  const rows = [...live, ...windows.filter((w) => w.window.untilMs <= nowMs).slice(-10)].map((w) => {
    const open = w.window.fromMs <= nowMs && nowMs < w.window.untilMs;
    const fault =
      w.auth !== 'ok' ? `not applied: ${w.auth}` : w.chainProblem ? `not applied: ${w.chainProblem}` : '';
    const state = fault
      ? `<span class="bad">${e(fault)}</span>`
      : open
        ? '<b>open</b>'
        : w.window.untilMs <= nowMs
          ? 'ended'
          : 'scheduled';
    return `<tr><td class="v">${e(w.window.host)}</td><td>${e(isoTime(w.window.fromMs))}</td><td>${e(isoTime(w.window.untilMs))}</td><td>${state}</td><td>${e(w.window.reason)}</td><td>${e(w.window.createdBy ?? '')}</td></tr>`;
  });
  return `${head}<table><tr><th>host</th><th>from</th><th>until</th><th>state</th><th>reason</th><th>by</th></tr>${rows.join('')}</table>`;
}

function reportsHtml(reports: readonly ReportEntry[], problems: readonly ReportProblem[]): string {
  const attention = reports.filter((r) => r.attention);
  const list = (attention.length > 0 ? attention : reports).slice(0, 10);
  const rows = list.map(
    (r) =>
      `<tr${r.attention ? ' class="refused"' : ''}><td class="v"><a href="${e(reportHref(r.name))}">${e(r.name)}</a></td><td>${e(r.kind)}</td><td>${e(r.madeAt ?? '')}</td><td>${e(r.headline)}</td></tr>`,
  );
  const what =
    attention.length > 0
      ? `${count(attention.length)} of ${count(reports.length)} need a look`
      : `${count(reports.length)}, none needing a look`;
  const bad = problems.length > 0 ? ` · <span class="bad">${count(problems.length)} unreadable</span>` : '';
  return `<h2>Reports</h2><p>${what}${bad} · <a href="/reports/">all reports</a></p>${rows.length ? `<table><tr><th>report</th><th>kind</th><th>made</th><th></th></tr>${rows.join('')}</table>` : ''}`;
}

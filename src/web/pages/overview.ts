/**
 * The dashboard's first page: is the record sound, what went where in the window, what was
 * refused and why, which unlock windows are open, and which reports need a look. Pure: data in,
 * HTML out.
 */
import { isoTime } from '../../core/iso-time.js';
import type { TrafficSummary } from '../../gateway/record/traffic-tally.js';
import { formatBytes } from '../../report/audit/format.js';
import { escapeHtml as e } from '../../report/html.js';
import type { ChainHead, CheckedUnlockWindow } from '../../store/types.js';
import type { GatewayStatus } from '../gateway-status.js';
import type { ReportEntry, ReportProblem } from '../reports/index.js';
import { bar, count, page, reportHref } from './layout.js';
import { type VerificationView, verificationLine } from './verify.js';

/** Rows of each table on the overview (the API gives them all). */
const TOP = 25;

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
  const body = [
    '<h1>Airlock</h1>',
    `<p class="meta">Store ${e(d.storePath)} · ${count(s.rows)} rows from ${e(isoTime(s.sinceMs))} to ${e(isoTime(s.untilMs))} (${e(d.windowLabel)})</p>`,
    windowForm(d.windowLabel),
    gateway,
    recordHtml(r),
    cards(s),
    r.truncated
      ? `<p class="warn">The window holds more rows than one page load reads: the figures cover the first ${count(s.rows)}. Narrow the window.</p>`
      : '',
    s.damaged > 0
      ? `<p class="bad">${count(s.damaged)} rows could not be read (the first at seq ${s.firstDamagedSeq}) and are left out of these figures: <a href="/verify">verify the log</a>.</p>`
      : '',
    s.capped
      ? '<p class="warn">More distinct destinations or clients than the dashboard keeps apart: the rest are summed as (others).</p>'
      : '',
    unlockHtml(r.windows, d.nowMs),
    destinationsHtml(s),
    reasonsHtml('Refused, by reason', s.reasons),
    reasonsHtml('Allowed, then ended by the gateway', s.cuts),
    hoursHtml(s),
    clientsHtml(s),
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

function cards(s: TrafficSummary): string {
  const c = s.connections;
  const card = (value: string, label: string, cls = '') =>
    `<div class="card"><b${cls ? ` class="${cls}"` : ''}>${value}</b>${label}</div>`;
  return `<div class="cards">${[
    card(count(c.allowed), 'connections allowed'),
    card(count(c.refused), 'connections refused', c.refused > 0 ? 'bad' : ''),
    card(count(c.cut), 'cut by the gateway', c.cut > 0 ? 'warn' : ''),
    card(e(formatBytes(c.bytesUp)), 'sent up'),
    card(e(formatBytes(c.bytesDown)), 'received'),
    card(count(s.dns.refused), `DNS queries refused (of ${count(s.dns.allowed + s.dns.refused)})`),
    card(count(s.unlocks), 'unlock rows'),
  ].join('')}</div>`;
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

function destinationsHtml(s: TrafficSummary): string {
  const head = '<h2>Destinations</h2>';
  if (s.destinations.length === 0)
    return `${head}<p class="meta">No connections or queries in the window.</p>`;
  const max = Math.max(...s.destinations.map((d) => d.bytesUp));
  const rows = s.destinations.slice(0, TOP).map((d) => {
    const cls = d.refused + d.dnsRefused > 0 ? ' class="refused"' : d.cut > 0 ? ' class="cut"' : '';
    const link = `/log?q=${encodeURIComponent(d.destination)}`;
    return `<tr${cls}><td class="v"><a href="${e(link)}">${e(d.destination)}</a></td><td class="n">${count(d.allowed)}</td><td class="n">${count(d.refused)}</td><td class="n">${count(d.cut)}</td><td class="n">${count(d.dnsRefused)}</td><td class="n">${e(formatBytes(d.bytesUp))}</td><td>${bar(d.bytesUp, max)}</td><td class="n">${e(formatBytes(d.bytesDown))}</td><td>${e(isoTime(d.lastMs))}</td></tr>`;
  });
  const more =
    s.destinations.length > TOP
      ? `<p class="meta">${count(s.destinations.length - TOP)} more in <a href="/api/summary.json">/api/summary.json</a>.</p>`
      : '';
  return `${head}<table><tr><th>destination</th><th class="n">allowed</th><th class="n">refused</th><th class="n">cut</th><th class="n">DNS refused</th><th class="n">up</th><th></th><th class="n">down</th><th>last</th></tr>${rows.join('')}</table>${more}`;
}

function reasonsHtml(title: string, reasons: TrafficSummary['reasons']): string {
  if (reasons.length === 0) return '';
  const rows = reasons
    .slice(0, TOP)
    .map(
      (r) =>
        `<tr><td class="v"><a href="/log?q=${e(encodeURIComponent(r.reason))}">${e(r.reason)}</a></td><td class="n">${count(r.count)}</td></tr>`,
    );
  return `<h2>${e(title)}</h2><table><tr><th>reason</th><th class="n">count</th></tr>${rows.join('')}</table>`;
}

function hoursHtml(s: TrafficSummary): string {
  if (s.hours.length === 0) return '';
  const max = Math.max(...s.hours.map((h) => Math.max(h.bytesUp, h.bytesDown)));
  const rows = s.hours.map(
    (h) =>
      `<tr><td>${e(isoTime(h.hourMs).slice(0, 13))}:00Z</td><td class="n">${count(h.allowed)}</td><td class="n">${count(h.refused)}</td><td class="n">${e(formatBytes(h.bytesUp))}</td><td>${bar(h.bytesUp, max)}</td><td class="n">${e(formatBytes(h.bytesDown))}</td><td>${bar(h.bytesDown, max, 'down')}</td></tr>`,
  );
  return `<h2>Hour by hour</h2><table><tr><th>hour (UTC)</th><th class="n">allowed</th><th class="n">refused</th><th class="n">up</th><th></th><th class="n">down</th><th></th></tr>${rows.join('')}</table>`;
}

function clientsHtml(s: TrafficSummary): string {
  if (s.clients.length === 0) return '';
  const rows = s.clients
    .slice(0, TOP)
    .map(
      (c) =>
        `<tr><td class="v"><a href="/log?q=${e(encodeURIComponent(c.client))}">${e(c.client)}</a></td><td class="n">${count(c.connections)}</td><td class="n">${count(c.refused)}</td><td class="n">${e(formatBytes(c.bytesUp))}</td></tr>`,
    );
  return `<h2>Clients</h2><table><tr><th>client</th><th class="n">connections</th><th class="n">refused</th><th class="n">up</th></tr>${rows.join('')}</table>`;
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

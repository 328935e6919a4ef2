/**
 * One self-contained offline page: inline CSS, the unlock windows the replay applied and those it
 * did not (and why), an inline SVG timeline of bytes up per destination drawn here, and the
 * per-destination table. No script, no link or image to anywhere (DESIGN.md:
 * "no CDN in reports"). Every string from the capture is escaped.
 */

import { isoTime } from '../../core/iso-time.js';
import { escapeHtml as e, HTML_PAGE_END, htmlPageStart } from '../html.js';
import { destinationLabel, formatBytes, outcomeLabel, purposeLabel, windowProblemText } from './format.js';
import type { AuditReport, DestinationReport } from './model.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .3em}
.meta{color:#666}.bad{color:#b00020}.warn{color:#8a5a00}
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;vertical-align:top}
th{color:#666;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.blocked td,tr.cut td,tr.mixed td,tr.not-applied td{background:#fff0f0}
svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}
`;

/** Chart geometry (SVG user units). */
const W = 900;
const LABEL_W = 260;
const ROW_H = 18;
const MAX_ROWS = 40;

export function renderAuditHtml(report: AuditReport): string {
  const s = report.summary;
  const body = [
    '<h1>Airlock audit report</h1>',
    `<p class="meta">Airlock ${e(report.airlockVersion)} · policy ${e(report.policyHash)} (${e(report.policyMode)}) · ${e(report.generatedAt)}<br>`,
    `<code>${e(report.command)}</code></p>`,
    `<p><b>${s.egress} egress and ${s.local} local destinations</b>, ${s.connections} connections, ` +
      `${e(formatBytes(s.origBytes))} up, ${e(formatBytes(s.respBytes))} down · ` +
      `${s.byOutcome.allowed} allowed, ${s.byOutcome.blocked} blocked at connect, ${s.byOutcome.cut} cut, ${s.byOutcome.unheard ?? 0} unheard · exit code ${report.exitCode}</p>`,
    windowsHtml(report),
    ...report.captures.map(captureHtml),
    '<h2>Bytes up over time</h2>',
    timeline(report.destinations),
    ...(['egress', 'local'] as const).map((scope) =>
      tableHtml(
        scope,
        report.destinations.filter((d) => d.scope === scope),
      ),
    ),
  ].join('\n');
  return `${htmlPageStart('Airlock audit report', CSS)}${body}\n${HTML_PAGE_END}`;
}

/**
 * The store's unlock windows, by id: applied, or not and why. Near the top: a window that was not
 * applied changes what the rest of the page says was allowed.
 */
function windowsHtml(report: AuditReport): string {
  const head = '<h2>Unlock windows</h2>';
  const check = report.unlockWindowCheck;
  if (report.store === null)
    return `${head}<p class="meta">No store was read: no unlock window was applied.</p>`;
  if (!check)
    return `${head}<p>From ${e(report.store)}: ${report.unlockWindows} applied (not listed in this report).</p>`;
  const notApplied = check.unauthenticated.length;
  const listed = check.applied ? '' : ' (not listed in this report)';
  const unverified =
    check.status === 'unverified'
      ? `<p class="bad">The windows could not be authenticated, so none was applied: ${e(check.detail ?? 'no HMAC key')}</p>`
      : '';
  const intro = `<p>From ${e(report.store)}: ${report.unlockWindows} applied${listed}, <span class="${notApplied ? 'bad' : 'meta'}">${notApplied} not applied</span>.</p>${unverified}`;
  const rows = [
    ...(check.applied ?? []).map((w) => ({ w, why: undefined as string | undefined })),
    ...check.unauthenticated.map((w) => ({ w, why: `${w.problem}: ${windowProblemText(w, check)}` })),
  ].sort((a, b) => a.w.id - b.w.id);
  if (rows.length === 0) return `${head}\n${intro}`;
  const tr = rows.map(
    ({ w, why }) =>
      `<tr class="${why === undefined ? 'applied' : 'not-applied'}"><td class="n">${w.id}</td><td>${e(w.host)}</td>` +
      `<td>${e(isoTime(w.fromMs))}<br>${e(isoTime(w.untilMs))}</td><td>${e(w.reason)}</td>` +
      `<td>${why === undefined ? 'applied' : `<b>not applied</b><br><span class="meta">${e(why)}</span>`}</td></tr>`,
  );
  return `${head}
${intro}
<table><tr><th>id</th><th>host</th><th>from · until</th><th>reason given</th><th>replay</th></tr>
${tr.join('\n')}
</table>`;
}

function captureHtml(c: AuditReport['captures'][number]): string {
  const parts = [
    `<p><b>${e(c.path)}</b> <span class="meta">${e(c.format ?? '-')} · ${c.packets} packets · ${e(c.status)}</span></p>`,
  ];
  if (c.error) {
    const at = c.error.offset === undefined ? '' : ` at offset ${c.error.offset}`;
    parts.push(`<p class="bad">${e(c.error.message)}${at} (${e(c.error.code)})</p>`);
  }
  for (const w of c.warnings) {
    const at = w.offset === undefined ? '' : ` @${w.offset}`;
    parts.push(`<p class="warn">warning ${e(w.name)}${at}: ${e(w.detail)}</p>`);
  }
  return parts.join('\n');
}

/** One row per destination that sent anything (largest first), bars per timeline bin on a shared time axis. */
function timeline(ds: readonly DestinationReport[]): string {
  const rows = ds.filter((d) => d.timeline.bins.length > 0).slice(0, MAX_ROWS);
  if (rows.length === 0) return '<p class="meta">Nothing was sent.</p>';
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  let peak = 1;
  for (const d of rows)
    for (const [t, b] of d.timeline.bins) {
      t0 = Math.min(t0, t);
      t1 = Math.max(t1, t + d.timeline.binMs);
      peak = Math.max(peak, b);
    }
  const span = Math.max(1, t1 - t0);
  const plotW = W - LABEL_W - 10;
  const x = (t: number) => LABEL_W + ((t - t0) / span) * plotW;
  const h = rows.length * ROW_H + 24;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="bytes up per destination over time">`,
  ];
  rows.forEach((d, i) => {
    const y = i * ROW_H;
    const colour = d.outcome.kind === 'allowed' ? '#3a7bd5' : '#c62828';
    out.push(`<text x="0" y="${y + 13}">${e(clip(destinationLabel(d), 40))}</text>`);
    out.push(
      `<line x1="${LABEL_W}" y1="${y + ROW_H - 2}" x2="${W - 10}" y2="${y + ROW_H - 2}" stroke="#eee"/>`,
    );
    for (const [t, b] of d.timeline.bins) {
      const bh = Math.max(1, (Math.sqrt(b) / Math.sqrt(peak)) * (ROW_H - 4));
      const bw = Math.max(1, (d.timeline.binMs / span) * plotW);
      out.push(
        `<rect x="${x(t).toFixed(1)}" y="${(y + ROW_H - 2 - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${colour}"><title>${e(`${isoTime(t)}: ${formatBytes(b)} up`)}</title></rect>`,
      );
    }
  });
  const ay = rows.length * ROW_H + 16;
  out.push(`<text x="${LABEL_W}" y="${ay}">${e(isoTime(t0))}</text>`);
  out.push(`<text x="${W - 10}" y="${ay}" text-anchor="end">${e(isoTime(t1))}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

function tableHtml(scope: 'egress' | 'local', ds: readonly DestinationReport[]): string {
  const head = `<h2>${scope === 'egress' ? 'Egress' : 'Local'} destinations (${ds.length})</h2>`;
  if (ds.length === 0) return `${head}<p class="meta">none</p>`;
  const rows = ds.map((d) => {
    const src = d.catalog?.sources.map((s) => `${s.kind}: ${s.ref}`).join('; ') ?? '';
    return (
      `<tr class="${d.outcome.kind}"><td>${e(destinationLabel(d))}<br><span class="meta">${e(d.ips.join(', '))}</span></td>` +
      `<td>${d.port}/${e(d.protocol)}</td><td>${e(purposeLabel(d))}${src ? `<br><span class="meta">${e(src)}</span>` : ''}</td>` +
      `<td class="n">${d.connections}</td><td class="n">${e(formatBytes(d.orig.bytes))}</td><td class="n">${e(formatBytes(d.resp.bytes))}</td>` +
      `<td>${e(d.firstSeen)}<br>${e(d.lastSeen)}</td><td>${e(d.verdict)}</td><td>${e(outcomeLabel(d))}<br><span class="meta">${e(d.outcome.detail)}</span></td></tr>`
    );
  });
  return `${head}
<table><tr><th>destination</th><th>port</th><th>purpose · source</th><th>conns</th><th>up</th><th>down</th><th>first · last seen</th><th>verdict</th><th>policy</th></tr>
${rows.join('\n')}
</table>`;
}

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

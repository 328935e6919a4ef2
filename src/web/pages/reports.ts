/** The reports folder's listing: every Airlock report found, newest first, and those that could not be read. */
import { escapeHtml as e } from '../../report/html.js';
import type { ReportEntry, ReportProblem } from '../reports/index.js';
import { count, page, reportHref } from './layout.js';

export function renderReportList(
  dir: string | undefined,
  reports: readonly ReportEntry[],
  problems: readonly ReportProblem[],
): string {
  if (dir === undefined) {
    return page(
      'Reports',
      'reports',
      '<h1>Reports</h1><p class="meta">No reports folder: start the dashboard with <code>--reports DIR</code>, the folder where <code>inspect --json</code>, <code>audit --json</code>, <code>vet --json</code> and <code>scrub --out</code> write.</p>',
    );
  }
  const rows = reports.map(
    (r) =>
      `<tr${r.attention ? ' class="refused"' : ''}><td class="v"><a href="${e(reportHref(r.name))}">${e(r.name)}</a></td><td>${e(r.kind)}</td><td>${e(r.madeAt ?? '')}</td><td>${e(r.headline)}</td><td class="n">${count(r.bytes)}</td></tr>`,
  );
  const bad = problems.map(
    (p) =>
      `<tr class="damaged"><td class="v">${e(p.name)}</td><td>${e(p.code)}</td><td>${e(p.message)}</td></tr>`,
  );
  const body = [
    '<h1>Reports</h1>',
    `<p class="meta">${e(dir)}: ${count(reports.length)} reports, ${count(reports.filter((r) => r.attention).length)} needing a look.</p>`,
    rows.length
      ? `<table><tr><th>report</th><th>kind</th><th>made</th><th></th><th class="n">bytes</th></tr>${rows.join('')}</table>`
      : '<p class="meta">No Airlock report in the folder.</p>',
    bad.length
      ? `<h2>Not read</h2><table><tr><th>file</th><th>code</th><th>why</th></tr>${bad.join('')}</table>`
      : '',
  ].join('\n');
  return page('Reports', 'reports', body);
}

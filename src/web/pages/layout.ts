/**
 * The dashboard's page frame: the report pages' opening (inline CSS, no script, nothing fetched
 * from anywhere) with a navigation bar, so every page works offline and under a CSP of
 * `default-src 'none'`.
 */
import { escapeHtml as e, HTML_PAGE_END, htmlPageStart } from '../../report/html.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fff}
nav{background:#1d2b36;padding:.5em 2em}nav a{color:#dde;margin-right:1.5em;text-decoration:none}nav a.here{color:#fff;font-weight:600}
main{margin:1.2em 2em 2em}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .3em}
.meta{color:#666}.bad{color:#b00020}.warn{color:#8a5a00}.ok{color:#17702b}
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;vertical-align:top}
th{color:#666;font-weight:600}th.n{text-align:right}td.t{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}td.v{font-family:ui-monospace,monospace;word-break:break-all}
tr.refused td,tr.damaged td{background:#fff0f0}tr.cut td{background:#fff8e0}
.bar{display:inline-block;height:.8em;background:#4a7fb0;vertical-align:middle}.bar.down{background:#9bbbd6}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:.8em 0}.card{border:1px solid #ddd;border-radius:.4em;padding:.5em 1em;min-width:11em}
.card b{display:block;font-size:1.5em}
form.filter{margin:.5em 0}form.filter input,form.filter select{margin-right:.5em}
`;

export type Section = 'overview' | 'log' | 'reports' | 'verify' | 'fleet';

const LINKS: ReadonlyArray<[Section, string, string]> = [
  ['overview', '/', 'Overview'],
  ['log', '/log', 'Event log'],
  ['reports', '/reports/', 'Reports'],
  ['verify', '/verify', 'Verify the log'],
  ['fleet', '/fleet', 'Fleet'],
];

/** A whole page: `body` is HTML the caller has escaped. */
export function page(title: string, here: Section, body: string): string {
  const nav = LINKS.map(
    ([s, href, label]) => `<a href="${href}"${s === here ? ' class="here"' : ''}>${label}</a>`,
  ).join('');
  return `${htmlPageStart(`Airlock · ${title}`, CSS)}<nav>${nav}</nav><main>\n${body}\n</main>${HTML_PAGE_END}`;
}

/** An error page's body: what went wrong, said once. */
export const problemBody = (title: string, message: string): string =>
  `<h1>${e(title)}</h1><p class="bad">${e(message)}</p>`;

/** A number with thousands separators, as the terminal tables write them. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** A bar `value / max` wide (at most 12em), drawn by CSS alone. */
export function bar(value: number, max: number, cls = ''): string {
  if (value <= 0 || max <= 0) return '';
  const em = Math.max(0.15, (12 * value) / max).toFixed(2);
  return `<span class="bar${cls ? ` ${cls}` : ''}" style="width:${em}em"></span>`;
}

/** A report's page, each path segment encoded (a name may hold '#', '?' or '%'). */
export const reportHref = (name: string): string =>
  `/reports/${name.split('/').map(encodeURIComponent).join('/')}`;

/**
 * A report's own offline page (report/html.ts and its kin), served by the dashboard with a way
 * back: two links first in its body. Ordered first explicitly: the inspect page lays its body out
 * as a flex column that moves its title and summary up.
 */
export function withWayBack(reportHtml: string): string {
  const back =
    '<p style="order:-3;margin:0 0 1em"><a href="/reports/">← Reports</a> · <a href="/">Overview</a></p>\n';
  const at = reportHtml.indexOf('<body>');
  return at < 0 ? reportHtml : `${reportHtml.slice(0, at + 6)}\n${back}${reportHtml.slice(at + 6)}`;
}

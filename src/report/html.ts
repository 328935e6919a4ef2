/**
 * One self-contained offline HTML page: inline CSS, no script, no link or image to anywhere
 * (DESIGN.md: "no CDN in reports"). Every string that came from a file or a path is escaped.
 */
import { formatPath, isSensitive } from '../findings/model.js';
import { formatValue } from './format-value.js';
import { formatRanges, groupFindings } from './group.js';
import type { FileReport, InspectReport } from './model.js';
import { type ReportWriter, renderWith, type Write } from './writer.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
const e = escapeHtml;

/** A page's opening up to its body: every report's page starts the same way. */
export const htmlPageStart = (title: string, css: string): string => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${css}</style></head>
<body>
`;
export const HTML_PAGE_END = '</body></html>\n';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;background:#fff;display:flex;flex-direction:column}
h1,body>.meta{order:-2}.summary{order:-1}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.05em;margin:1.6em 0 .3em;word-break:break-all}
.meta{color:#666}.badge{display:inline-block;padding:0 .5em;border-radius:.6em;font-size:.85em;margin-left:.5em}
.clean{background:#dfd}.sensitive{background:#ffe4a8}.bad{background:#fcc}
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;vertical-align:top}
th{color:#666;font-weight:600}td.v{font-family:ui-monospace,monospace;word-break:break-all}
.loc{color:#b00020}.id{color:#8a5a00}.note{color:#b00020}
`;

export function renderHtml(report: InspectReport): string {
  return renderWith(htmlWriter, report);
}

/**
 * The page in three parts written as they become known: head and title, one section per file,
 * then the totals. The totals come last in the file but show first: the page is a flex column
 * and the summary paragraph has order -1 (CSS only; the page has no script).
 */
export function htmlWriter(write: Write): ReportWriter {
  return {
    begin(h) {
      write(`${htmlPageStart('Airlock inspect report', CSS)}<h1>Airlock inspect report</h1>
<p class="meta">Airlock ${e(h.airlockVersion)} · policy ${e(h.policyHash)} · ${e(h.generatedAt)}<br>
<code>${e(h.command)}</code></p>
`);
    },
    file(f) {
      write(`${renderFile(f)}\n`);
    },
    end({ summary: s, exitCode }) {
      write(
        `<p class="summary"><b>${s.files} files</b>: ${s.byStatus.read} read, ${s.byStatus.partial} partly read, ${s.byStatus['not-read']} not read, ${s.byStatus.error} errors · ` +
          `${s.findings} findings · ${s.sensitiveFiles} files with sensitive data · exit code ${exitCode}</p>\n${HTML_PAGE_END}`,
      );
    },
  };
}

function badge(f: FileReport): string {
  if (f.status !== 'read') return `<span class="badge bad">${e(f.status)}</span>`;
  return f.findings.some((x) => isSensitive(x.category))
    ? '<span class="badge sensitive">sensitive</span>'
    : '<span class="badge clean">clean</span>';
}

function renderFile(f: FileReport): string {
  const parts = [`<section><h2>${e(f.path)} <span class="meta">${e(f.format ?? '-')}</span>${badge(f)}</h2>`];
  if (f.reason) parts.push(`<p class="note">${e(f.reason)}</p>`);
  if (f.error && f.reason !== f.error.message) {
    const at = f.error.offset === undefined ? '' : ` at offset ${f.error.offset}`;
    parts.push(`<p class="note">${e(f.error.message)}${at} (${e(f.error.code)})</p>`);
  }
  for (const w of f.warnings) parts.push(`<p class="meta">warning ${e(w.name)}: ${e(w.detail)}</p>`);
  for (const z of f.zones) {
    parts.push(`<p class="note">zone ${e(z.zone)}: ${e(z.role)} position inside → ${e(z.action)}</p>`);
  }
  const groups = groupFindings(f.findings);
  if (groups.length > 0) {
    parts.push(
      '<table><tr><th>category</th><th>tag</th><th>where</th><th>n</th><th>value</th><th>action</th></tr>',
    );
    for (const g of groups) {
      const cat = g.first.category;
      const cls = cat.startsWith('location.') ? 'loc' : cat.startsWith('identity.') ? 'id' : '';
      const where = `${formatPath(g.first.path)} ${formatRanges(g.ranges)}`.trim();
      const value = (g.count > 1 ? 'first: ' : '') + formatValue(g.first.value);
      parts.push(
        `<tr><td class="${cls}">${e(cat)}</td><td>${e(g.first.tag)}</td><td>${e(where)}</td>` +
          `<td>${g.count}</td><td class="v">${e(value)}</td><td>${e(g.first.action ?? '')}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

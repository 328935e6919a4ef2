/**
 * A scrub manifest (DIR/airlock-manifest.json) as one self-contained offline page: the run's
 * head, totals by status, then a row per file saying what became of it (what was dropped,
 * replaced and kept, by category; why it was withheld; what failed) and the hashes that tie the
 * clean copy to its original. Inline CSS; no script, no link or image to anywhere (DESIGN.md:
 * "no CDN in reports"). Every string from the manifest is escaped.
 */
import type { Manifest, ManifestRecord, RecordStatus } from '../../scrub/manifest.js';
import { escapeHtml as e, HTML_PAGE_END, htmlPageStart } from '../html.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .3em}
.meta{color:#666}.bad{color:#b00020}.warn{color:#8a5a00}.ok{color:#1b5e20}
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;vertical-align:top}
th{color:#666;font-weight:600}code{font-size:.95em;word-break:break-all}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;font-size:.85em}
.s-clean,.s-copied{background:#dfd}.s-withheld{background:#ffe4a8}.s-error,.s-verify-failed{background:#fcc}
ul{margin:0;padding-left:1.1em}
`;

const STATUSES: readonly RecordStatus[] = ['clean', 'copied', 'withheld', 'error', 'verify-failed'];
const ACTIONS = [
  ['drop', 'dropped'],
  ['replace', 'replaced'],
  ['keep', 'kept'],
] as const;

/** A SHA-256 shortened for the eye; the manifest holds it whole. */
const short = (hex: string): string => (hex.length > 12 ? `${hex.slice(0, 12)}…` : hex);

export function renderScrubManifestHtml(m: Manifest): string {
  const byStatus = new Map<RecordStatus, number>();
  const byAction = new Map<string, number>();
  for (const f of m.files) {
    byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
    // What the copies hold: a file with no copy had its findings planned, not done.
    if (f.outputSha256)
      for (const x of f.findings) byAction.set(x.action, (byAction.get(x.action) ?? 0) + x.count);
  }
  const body = [
    '<h1>Airlock scrub manifest</h1>',
    `<p class="meta">Airlock ${e(m.airlockVersion)} · policy ${e(m.policyHash)} · updated ${e(m.updatedAt)} · ` +
      (m.complete
        ? '<span class="ok">complete</span>'
        : '<span class="bad">incomplete: no run has finished every input yet</span>') +
      '</p>',
    `<p><b>${m.files.length} files</b>: ${STATUSES.map((s) => `${byStatus.get(s) ?? 0} ${s}`).join(', ')} · ` +
      `in the copies written, findings ${ACTIONS.map(([a, word]) => `${byAction.get(a) ?? 0} ${word}`).join(', ')}</p>`,
    conventionsHtml(m.conventions),
    '<h2>Files</h2>',
    m.files.length === 0
      ? '<p class="meta">none</p>'
      : `<table><tr><th>file</th><th>status</th><th>format</th><th>findings</th><th>why · what failed</th><th>SHA-256</th></tr>\n${m.files
          .map((f) => rowHtml(f, m))
          .join('\n')}\n</table>`,
  ].join('\n');
  return `${htmlPageStart('Airlock scrub manifest', CSS)}${body}\n${HTML_PAGE_END}`;
}

function conventionsHtml(c: Record<string, string>): string {
  const rows = Object.entries(c);
  if (rows.length === 0) return '';
  return `<h2>How values were written</h2><table>${rows
    .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
    .join('')}</table>`;
}

const list = (items: readonly string[], cls = ''): string =>
  items.length === 0
    ? ''
    : `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;

/** 'dropped: other 27, location.drone 5', one line per action, counting grouped findings (`count`). */
function findingsHtml(f: ManifestRecord): string {
  const lines: string[] = [];
  for (const [action, word] of ACTIONS) {
    const byCat = new Map<string, number>();
    for (const x of f.findings)
      if (x.action === action) byCat.set(x.category, (byCat.get(x.category) ?? 0) + x.count);
    if (byCat.size === 0) continue;
    const cats = [...byCat].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    lines.push(`${word}: ${cats.map(([c, n]) => `${e(c)} ${n}`).join(', ')}`);
  }
  if (lines.length === 0) return '<span class="meta">none</span>';
  return `${f.outputSha256 ? '' : '<span class="meta">planned, not done (no copy):</span><br>'}${lines.join('<br>')}`;
}

function whyHtml(f: ManifestRecord): string {
  const out: string[] = [];
  if (f.withheld) {
    out.push(`<span class="warn">withheld (${e(f.withheld.why)}): ${e(f.withheld.detail)}</span>`);
    for (const z of f.withheld.zones ?? [])
      out.push(`<span class="warn">zone ${e(z.zone)}: ${e(z.role)} position inside → ${e(z.action)}</span>`);
  }
  if (f.error) out.push(`<span class="bad">${e(f.error)}</span>`);
  for (const p of f.problems ?? []) out.push(`<span class="bad">verification: ${e(p)}</span>`);
  for (const n of f.notes) out.push(`<span class="meta">${e(n)}</span>`);
  return list(out);
}

function hashesHtml(f: ManifestRecord): string {
  const out = [`in <code>${e(short(f.inputSha256))}</code>`];
  if (f.outputSha256) out.push(`out <code>${e(short(f.outputSha256))}</code>`);
  if (f.imageHashIn !== undefined && f.imageHashOut !== undefined)
    out.push(
      f.imageHashIn === f.imageHashOut
        ? '<span class="ok">image data unchanged</span>'
        : '<span class="bad">image data changed</span>',
    );
  return out.join('<br>');
}

function rowHtml(f: ManifestRecord, m: Manifest): string {
  // A record kept from an earlier run may have been made under another policy or Airlock.
  const other = [
    f.policyHash !== m.policyHash ? `policy ${e(f.policyHash)}` : '',
    f.airlockVersion !== undefined && f.airlockVersion !== m.airlockVersion
      ? `Airlock ${e(f.airlockVersion)}`
      : '',
  ].filter(Boolean);
  const to = f.outputSha256 ? `→ <code>${e(f.output)}</code>` : '<span class="meta">no copy written</span>';
  const cells = [
    `<code>${e(f.input)}</code> <span class="meta">(${f.inputSize} bytes)</span><br>${to}<br>` +
      `<span class="meta">${e(f.finishedAt)}${other.length ? ` · ${other.join(' · ')}` : ''}</span>`,
    `<span class="badge s-${e(f.status)}">${e(f.status)}</span>`,
    e(f.format ?? '-'),
    findingsHtml(f),
    whyHtml(f),
    hashesHtml(f),
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

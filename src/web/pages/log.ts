/**
 * The event log, newest first, filtered: the rows `airlock log show` prints, in the columns of
 * `airlock log export` (flattenRow), a row whose own link in the chain fails marked damaged.
 */
import { flattenRow } from '../../gateway/record/log-export.js';
import { escapeHtml as e } from '../../report/html.js';
import type { CheckedLogRow } from '../../store/types.js';
import type { RecentRows, RowFilter } from '../log-reads.js';
import { count, page } from './layout.js';

/** The most of a damaged row's stored text shown. */
const MAX_BODY = 300;

export function logQuery(f: RowFilter, before?: number): string {
  const q = new URLSearchParams();
  if (f.kind) q.set('kind', f.kind);
  if (f.verdict) q.set('verdict', f.verdict);
  if (f.text) q.set('q', f.text);
  if (f.damaged) q.set('damaged', '1');
  if (before !== undefined) q.set('before', String(before));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function select(name: string, value: string | undefined, options: readonly string[]): string {
  const opts = ['', ...options]
    .map((o) => `<option value="${o}"${o === (value ?? '') ? ' selected' : ''}>${o || 'any'}</option>`)
    .join('');
  return `<label>${name} <select name="${name}">${opts}</select></label>`;
}

function filterForm(f: RowFilter): string {
  return `<form class="filter" method="get" action="/log">${select('kind', f.kind, ['connection', 'dns', 'unlock'])}${select('verdict', f.verdict, ['allow', 'block'])}<label>contains <input name="q" value="${e(f.text ?? '')}" size="28"></label><label><input type="checkbox" name="damaged" value="1"${f.damaged ? ' checked' : ''}> damaged only</label> <button>Show</button></form>`;
}

function rowHtml(c: CheckedLogRow): string {
  if (!c.row) {
    const body = c.body.length > MAX_BODY ? `${c.body.slice(0, MAX_BODY)}…` : c.body;
    return `<tr class="damaged"><td class="n">${c.seq}</td><td colspan="9" class="v">DAMAGED: ${e(c.problem ?? 'its body is not a row Airlock writes')}<br>${e(body)}</td></tr>`;
  }
  const f = flattenRow({ seq: c.seq, row: c.row, prevMac: c.prevMac, mac: c.mac });
  const cls = c.problem ? 'damaged' : f.verdict === 'block' ? 'refused' : f.cut ? 'cut' : '';
  const why = [f.reason, f.cut ? `cut: ${f.cut}` : '', f.open ? 'still open' : ''].filter(Boolean).join('; ');
  const extra = [
    f.count ? `× ${f.count} until ${f.last}` : '',
    f.request ? `request: ${f.request}` : '',
    f.qnames ? `names: ${f.qnames}${f.qnames_more ? ` (+${f.qnames_more})` : ''}` : '',
    f.window_until ? `until ${f.window_until}` : '',
    f.qtype,
    c.problem ? `DAMAGED: ${c.problem}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const port = f.port ? `:${f.port}` : '';
  return `<tr${cls ? ` class="${cls}"` : ''}><td class="n">${c.seq}</td><td class="t">${e(f.ts)}</td><td>${e(f.kind)}</td><td class="v">${e(f.client)}</td><td>${e(f.verdict)}</td><td class="v">${e(f.destination)}${e(port)}</td><td class="n">${f.bytes_up}</td><td class="n">${f.bytes_down}</td><td>${e(why)}</td><td class="v">${e(extra)}</td></tr>`;
}

export function renderLog(r: RecentRows, f: RowFilter): string {
  const older =
    r.before !== undefined ? `<p><a href="/log${e(logQuery(f, r.before))}">older rows →</a></p>` : '';
  const table =
    r.rows.length === 0
      ? `<p class="meta">No row matches among the ${count(r.scanned)} looked at.</p>`
      : `<table><tr><th class="n">seq</th><th>time</th><th>kind</th><th>client</th><th>verdict</th><th>destination</th><th class="n">up</th><th class="n">down</th><th>why</th><th></th></tr>${r.rows.map(rowHtml).join('')}</table>`;
  const body = [
    '<h1>Event log</h1>',
    `<p class="meta">Newest first; each row's own link in the chain checked (<a href="/verify">verify the whole log</a>). ${count(r.rows.length)} rows shown, ${count(r.scanned)} looked at.</p>`,
    filterForm(f),
    table,
    older,
  ].join('\n');
  return page('Event log', 'log', body);
}

/**
 * The dashboard's fleet page: every box recording into the same PostgreSQL database (`airlock
 * log fleet`'s model), a line each. A box with no row in the window is marked: down, cut off, or
 * idle. Chains are not checked here (that reads every box's whole log on each load): the page
 * says which command does. Pure: data in, HTML out.
 */
import { isoTime } from '../../core/iso-time.js';
import type { FleetBox } from '../../gateway/record/fleet.js';
import { formatBytes } from '../../report/audit/format.js';
import { escapeHtml as e } from '../../report/html.js';
import { count, page } from './layout.js';

export function renderFleet(boxes: readonly FleetBox[], windowLabel: string): string {
  const rows = boxes.map((b) => {
    const s = b.summary;
    const silent = s.rows === 0;
    return `<tr${silent ? ' class="cut"' : ''}><td>${e(b.box)}${b.own ? ' <span class="meta">(this policy: <a href="/">overview</a>)</span>' : ''}</td><td class="t">${b.last ? e(isoTime(b.last.tsMs)) : '-'}${silent ? ' <span class="warn">no rows in this window</span>' : ''}</td><td class="n">${count(s.rows)}${b.truncated ? '+' : ''}</td><td class="n">${count(s.connections.allowed)}</td><td class="n">${count(s.connections.refused)}</td><td class="n">${count(s.connections.cut)}</td><td class="n">${e(formatBytes(s.connections.bytesUp))}</td><td class="n">${count(s.dns.refused)}</td></tr>`;
  });
  const body = [
    '<h1>Fleet</h1>',
    `<p class="meta">${count(boxes.length)} box${boxes.length === 1 ? '' : 'es'} recording into this database · last ${e(windowLabel)} (<a href="/fleet?since=1h">1h</a> · <a href="/fleet?since=24h">24h</a> · <a href="/fleet?since=7d">7d</a>)</p>`,
    boxes.length === 0
      ? '<p>No box has written a record here yet (a box makes its schema at its first start).</p>'
      : `<table><tr><th>Box</th><th>Last row</th><th class="n">Rows</th><th class="n">Allowed</th><th class="n">Refused</th><th class="n">Cut</th><th class="n">Up</th><th class="n">DNS refused</th></tr>${rows.join('')}</table>`,
    '<p class="meta">Chains are not checked on this page: <a href="/verify">Verify the log</a> checks this box’s; <code>airlock log fleet --keys DIR</code> checks every box whose key file is in DIR.</p>',
  ].join('\n');
  return page('Fleet', 'fleet', body);
}

/**
 * The dashboard's fleet pages: every box recording into the same PostgreSQL database (`airlock
 * log fleet`'s model), a line each, and one box's traffic as the overview shows this box's. A box
 * with no row in the window is marked: down, cut off, or idle. Chains are not checked here (that
 * reads every box's whole log on each load): the pages say which command does. Pure: data in,
 * HTML out.
 */
import { isoTime } from '../../core/iso-time.js';
import type { FleetBox } from '../../gateway/record/fleet.js';
import { formatBytes } from '../../report/audit/format.js';
import { escapeHtml as e } from '../../report/html.js';
import { count, page } from './layout.js';
import { ON_THIS_BOX, trafficSections } from './traffic-sections.js';

export function renderFleet(boxes: readonly FleetBox[], windowLabel: string): string {
  const rows = boxes.map((b) => {
    const s = b.summary;
    const silent = s.rows === 0;
    return `<tr${silent ? ' class="cut"' : ''}><td><a href="${e(boxHref(b.box, windowLabel))}">${e(b.box)}</a>${b.own ? ' <span class="meta">(this policy: <a href="/">overview</a>)</span>' : ''}</td><td class="t">${b.last ? e(isoTime(b.last.tsMs)) : '-'}${silent ? ' <span class="warn">no rows in this window</span>' : ''}</td><td class="n">${count(s.rows)}${b.truncated ? '+' : ''}</td><td class="n">${count(s.connections.allowed)}</td><td class="n">${count(s.connections.refused)}</td><td class="n">${count(s.connections.cut)}</td><td class="n">${e(formatBytes(s.connections.bytesUp))}</td><td class="n">${count(s.dns.refused)}</td></tr>`;
  });
  const body = [
    '<h1>Fleet</h1>',
    `<p class="meta">${count(boxes.length)} box${boxes.length === 1 ? '' : 'es'} recording into this database · last ${e(windowLabel)} (${windowLinks()})</p>`,
    boxes.length === 0
      ? '<p>No box has written a record here yet (a box makes its schema at its first start).</p>'
      : `<table><tr><th>Box</th><th>Last row</th><th class="n">Rows</th><th class="n">Allowed</th><th class="n">Refused</th><th class="n">Cut</th><th class="n">Up</th><th class="n">DNS refused</th></tr>${rows.join('')}</table>`,
    '<p class="meta">Chains are not checked on this page: <a href="/verify">Verify the log</a> checks this box’s; <code>airlock log fleet --keys DIR</code> checks every box whose key file is in DIR.</p>',
  ].join('\n');
  return page('Fleet', 'fleet', body);
}

/** One box's page: when it last wrote, and its traffic in the window. */
export function renderFleetBox(b: FleetBox, windowLabel: string): string {
  const s = b.summary;
  // This box's own rows are on /log; another box's are not served by this dashboard.
  const sections = trafficSections(s, b.truncated, {
    ...(b.own ? ON_THIS_BOX : {}),
    all: `/api/fleet.json?box=${encodeURIComponent(b.box)}&since=${encodeURIComponent(windowLabel)}`,
  });
  const last = b.last
    ? `last row ${count(b.last.seq)} at ${e(isoTime(b.last.tsMs))}`
    : '<span class="warn">no row yet</span>';
  const body = [
    `<h1><a href="/fleet?since=${e(encodeURIComponent(windowLabel))}">Fleet</a> › ${e(b.box)}</h1>`,
    `<p class="meta">${last} · ${count(s.rows)} rows from ${e(isoTime(s.sinceMs))} to ${e(isoTime(s.untilMs))} (${windowLinks(b.box)})${b.own ? ' · this policy’s box: <a href="/">overview</a>' : ''}</p>`,
    s.rows === 0
      ? '<p class="warn">No rows in this window: the box is down, cut off from the database, or idle.</p>'
      : '',
    ...sections,
    `<p class="meta">Its chain is not checked on this page: ${b.own ? '<a href="/verify">Verify the log</a>' : `<code>airlock log fleet --keys DIR</code> checks it with <code>${e(b.box)}.hmac.key</code> from DIR`}.</p>`,
  ].join('\n');
  return page(`Fleet: ${b.box}`, 'fleet', body);
}

function boxHref(box: string, windowLabel: string): string {
  return `/fleet?box=${encodeURIComponent(box)}&since=${encodeURIComponent(windowLabel)}`;
}

/** The fleet's window choices, for the list or for one box. */
function windowLinks(box?: string): string {
  return ['1h', '24h', '7d']
    .map((o) => `<a href="${e(box ? boxHref(box, o) : `/fleet?since=${o}`)}">${o}</a>`)
    .join(' · ');
}

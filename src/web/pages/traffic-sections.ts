/**
 * A record's traffic in a window, as HTML sections: the overview shows this box's, the fleet page
 * another box's. Where a figure links to the rows behind it depends on whose record it is: this
 * box's rows are on /log; another box's are not served here, so its figures link nowhere. Pure:
 * data in, HTML out.
 */
import { isoTime } from '../../core/iso-time.js';
import type { TrafficSummary } from '../../gateway/record/traffic-tally.js';
import { formatBytes } from '../../report/audit/format.js';
import { escapeHtml as e } from '../../report/html.js';
import { bar, count } from './layout.js';

/** Rows of each table (the API gives them all). */
const TOP = 25;
/** What the destinations table shows for connections that named none. */
export const NO_NAME = '(none: refused before a name was read)';

export interface TrafficLinks {
  /** Where the rows matching a text are shown; absent: the figures link nowhere. */
  log?: (text: string) => string;
  /** The JSON holding every destination, for a list cut at TOP. */
  all: string;
  /** Where the whole chain is checked, for rows that could not be read; absent: not here. */
  verify?: string;
}

/** This dashboard's own record: its rows are on /log, its chain checked on /verify. */
export const ON_THIS_BOX: Omit<TrafficLinks, 'all'> = {
  log: (text) => `/log?q=${encodeURIComponent(text)}`,
  verify: '/verify',
};

/** The summary's sections in the overview's order: cards, notes, destinations, reasons, hours, clients. */
export function trafficSections(s: TrafficSummary, truncated: boolean, links: TrafficLinks): string[] {
  return [
    cards(s),
    notes(s, truncated, links),
    destinationsHtml(s, links),
    reasonsHtml('Refused, by reason', s.reasons, links),
    reasonsHtml('Allowed, then ended by the gateway', s.cuts, links),
    hoursHtml(s),
    clientsHtml(s, links),
  ];
}

/** `text` as a link to its rows, or as plain text where there is no log to link to. */
function linked(text: string, links: TrafficLinks): string {
  return links.log ? `<a href="${e(links.log(text))}">${e(text)}</a>` : e(text);
}

function notes(s: TrafficSummary, truncated: boolean, links: TrafficLinks): string {
  return [
    truncated
      ? `<p class="warn">The window holds more rows than one page load reads: the figures cover the first ${count(s.rows)}. Narrow the window.</p>`
      : '',
    s.damaged > 0
      ? `<p class="bad">${count(s.damaged)} rows could not be read (the first at seq ${s.firstDamagedSeq}) and are left out of these figures${links.verify ? `: <a href="${e(links.verify)}">verify the log</a>` : ''}.</p>`
      : '',
    s.capped
      ? '<p class="warn">More distinct destinations or clients than the dashboard keeps apart: the rest are summed as (others).</p>'
      : '',
  ].join('');
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

function destinationsHtml(s: TrafficSummary, links: TrafficLinks): string {
  const head = '<h2>Destinations</h2>';
  if (s.destinations.length === 0)
    return `${head}<p class="meta">No connections or queries in the window.</p>`;
  const max = Math.max(...s.destinations.map((d) => d.bytesUp));
  const rows = s.destinations.slice(0, TOP).map((d) => {
    const cls = d.refused + d.dnsRefused > 0 ? ' class="refused"' : d.cut > 0 ? ' class="cut"' : '';
    // A connection refused before it named a destination (a limit, an unwritable log) has none.
    const name = d.destination === '' ? `<span class="meta">${NO_NAME}</span>` : linked(d.destination, links);
    return `<tr${cls}><td class="v">${name}</td><td class="n">${count(d.allowed)}</td><td class="n">${count(d.refused)}</td><td class="n">${count(d.cut)}</td><td class="n">${count(d.dnsRefused)}</td><td class="n">${e(formatBytes(d.bytesUp))}</td><td>${bar(d.bytesUp, max)}</td><td class="n">${e(formatBytes(d.bytesDown))}</td><td>${e(isoTime(d.lastMs))}</td></tr>`;
  });
  const more =
    s.destinations.length > TOP
      ? `<p class="meta">${count(s.destinations.length - TOP)} more in <a href="${e(links.all)}">${e(links.all.split('?')[0]!)}</a>.</p>`
      : '';
  return `${head}<table><tr><th>destination</th><th class="n">allowed</th><th class="n">refused</th><th class="n">cut</th><th class="n">DNS refused</th><th class="n">up</th><th></th><th class="n">down</th><th>last</th></tr>${rows.join('')}</table>${more}`;
}

function reasonsHtml(title: string, reasons: TrafficSummary['reasons'], links: TrafficLinks): string {
  if (reasons.length === 0) return '';
  const rows = reasons
    .slice(0, TOP)
    .map((r) => `<tr><td class="v">${linked(r.reason, links)}</td><td class="n">${count(r.count)}</td></tr>`);
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

function clientsHtml(s: TrafficSummary, links: TrafficLinks): string {
  if (s.clients.length === 0) return '';
  const rows = s.clients
    .slice(0, TOP)
    .map(
      (c) =>
        `<tr><td class="v">${linked(c.client, links)}</td><td class="n">${count(c.connections)}</td><td class="n">${count(c.refused)}</td><td class="n">${e(formatBytes(c.bytesUp))}</td></tr>`,
    );
  return `<h2>Clients</h2><table><tr><th>client</th><th class="n">connections</th><th class="n">refused</th><th class="n">up</th></tr>${rows.join('')}</table>`;
}

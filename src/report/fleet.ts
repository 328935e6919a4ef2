/** `airlock log fleet` as a table (a box a line, then each box's chain in `log verify`'s words) and as JSON. */
import { isoTime } from '../core/iso-time.js';
import type { FleetBox } from '../gateway/record/fleet.js';
import { formatBytes } from './audit/format.js';
import { textTable } from './text-table.js';

export function renderFleetText(
  boxes: readonly FleetBox[],
  window: { sinceMs: number; untilMs: number },
): string {
  if (boxes.length === 0)
    return 'no Airlock record in this database yet (a box makes its schema at its first start)\n';
  const head = ['BOX', 'LAST ROW', 'ROWS', 'ALLOWED', 'REFUSED', 'CUT', 'UP', 'DNS REFUSED', 'CHAIN'];
  const rows = boxes.map((b) => {
    const s = b.summary;
    return [
      b.own ? `${b.box} (this policy)` : b.box,
      b.last ? isoTime(b.last.tsMs) : '-',
      `${s.rows}${b.truncated ? '+' : ''}`,
      String(s.connections.allowed),
      String(s.connections.refused),
      String(s.connections.cut),
      formatBytes(s.connections.bytesUp),
      String(s.dns.refused),
      b.chain.status === 'unchecked' ? 'no key here' : b.chain.status,
    ];
  });
  const lines = boxes.map((b) => `${b.box}: ${b.chain.text}\n`);
  const truncated = boxes.some((b) => b.truncated)
    ? 'ROWS with +: more rows than were read; the figures cover the first of them\n'
    : '';
  return [
    `${boxes.length} box${boxes.length === 1 ? '' : 'es'}; traffic from ${isoTime(window.sinceMs)} to ${isoTime(window.untilMs)}\n`,
    textTable(head, rows),
    truncated,
    '\n',
    ...lines,
  ].join('');
}

export function renderFleetJson(
  boxes: readonly FleetBox[],
  window: { sinceMs: number; untilMs: number },
): string {
  return `${JSON.stringify(
    {
      since: isoTime(window.sinceMs),
      until: isoTime(window.untilMs),
      boxes: boxes.map((b) => ({
        box: b.box,
        own: b.own,
        lastRow: b.last ? { seq: b.last.seq, time: isoTime(b.last.tsMs) } : null,
        rows: b.summary.rows,
        truncated: b.truncated,
        connections: b.summary.connections,
        dns: b.summary.dns,
        unlocks: b.summary.unlocks,
        refusals: b.summary.reasons,
        chain: b.chain,
      })),
    },
    null,
    2,
  )}\n`;
}

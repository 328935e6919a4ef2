/**
 * The event log for auditors: one line per row for the terminal, JSON Lines, CSV. Columns speak
 * Zeek where a word exists (ts, id.orig_h → client, orig_bytes → bytes_up, resp_bytes → bytes_down).
 * Export, like `log show`, gives every row: one whose link in the chain fails (or that is not a row
 * Airlock writes) says why in its `damaged` field, so a consumer cannot take it for a sound one.
 */
import { csvField } from '../../core/csv.js';
import { isoTime } from '../../core/iso-time.js';
import { visible } from '../../report/format-value.js';
import type { ChainedLogRow, CheckedLogRow } from '../../store/types.js';

/** The most of a damaged row's stored text `log show` prints. */
const MAX_DAMAGED_BODY = 400;
/** Why a row whose link holds is still not rendered: its body is not one of the rows Airlock writes. */
const NOT_A_ROW = 'its body is not a row Airlock writes';

const COLUMNS = [
  'seq',
  'ts',
  'kind',
  'client',
  'mode',
  'verdict',
  'reason',
  'destination',
  'name',
  'ip',
  'port',
  'proto',
  'bytes_up',
  'bytes_down',
  'cut',
  /** 'true' when the connection named no host and its name is its port's claimsUnnamed entry's. */
  'claimed',
  'end',
  /** 'true' on a row written while the connection was still open (its final row comes later). */
  'open',
  /** A refused request's request line (escaped, at most 256 bytes). */
  'request',
  'qtype',
  /** A DNS question's class when it is not IN (CH, HS, CLASS65280…); empty for IN. */
  'qclass',
  'window_host',
  'window_until',
  /** A summary row's refusals (one client, one limit: refusal-summary.ts), and the last one's time. */
  'count',
  'last',
  /** A DNS summary row's distinct names (escaped, space-separated) and how many asked another. */
  'qnames',
  'qnames_more',
  'mac',
  /** Why the row's link in the chain fails (as `log show` marks it DAMAGED); empty when it holds. */
  'damaged',
] as const;

type Flat = Record<(typeof COLUMNS)[number], string>;

const iso = (ms: number | undefined): string => (ms === undefined ? '' : isoTime(ms));

export function flattenRow(c: ChainedLogRow): Flat {
  const r = c.row;
  const base: Flat = Object.fromEntries(COLUMNS.map((k) => [k, ''])) as Flat;
  base.seq = String(c.seq);
  base.ts = iso(r.tsMs);
  base.kind = r.kind;
  base.mac = c.mac;
  switch (r.kind) {
    case 'connection':
      return {
        ...base,
        client: r.client,
        mode: r.mode,
        verdict: r.verdict,
        reason: r.reason,
        destination: r.destination,
        name: r.name ?? '',
        ip: r.ip,
        port: String(r.port),
        proto: r.proto,
        bytes_up: String(r.bytesUp),
        bytes_down: String(r.bytesDown),
        cut: r.cut ?? '',
        claimed: r.claimed ? 'true' : '',
        end: iso(r.endMs),
        open: r.open ? 'true' : '',
        request: r.request ?? '',
        ...summaryOf(r),
      };
    case 'dns':
      return {
        ...base,
        client: r.client,
        mode: r.mode,
        verdict: r.verdict,
        reason: r.reason,
        destination: r.qname,
        name: r.qname,
        // Rows written before DNS over TCP existed, and every UDP query, carry no proto.
        proto: r.proto ?? 'udp',
        qtype: r.qtype,
        qclass: r.qclass ?? '',
        ...summaryOf(r),
        qnames: r.qnames ?? '',
        qnames_more: r.qnamesMore === undefined ? '' : String(r.qnamesMore),
      };
    case 'unlock':
      return {
        ...base,
        reason: r.window.reason,
        window_host: r.window.host,
        window_until: iso(r.window.untilMs),
        destination: r.window.host,
      };
    default:
      return base;
  }
}

function summaryOf(r: { count?: number; lastMs?: number }): Pick<Flat, 'count' | 'last'> {
  return { count: r.count === undefined ? '' : String(r.count), last: iso(r.lastMs) };
}

/** A summary row's tail for the terminal: "× 4,884 more in 1.0 s", and a DNS one's names. */
function summaryText(c: ChainedLogRow, f: Flat): string {
  const r = c.row;
  if (r.kind === 'unlock' || r.count === undefined) return '';
  const span = ((r.lastMs ?? r.tsMs) - r.tsMs) / 1000;
  const names = f.qnames
    ? ` names: ${f.qnames.split(' ').join(', ')}${f.qnames_more ? ` (+${f.qnames_more} other)` : ''}`
    : '';
  return ` × ${r.count.toLocaleString('en-US')} more in ${span.toFixed(1)} s${names}`;
}

export function renderLogCsv(rows: readonly ChainedLogRow[], header = true): string {
  return renderCheckedLogCsv(
    rows.map((r) => ({ ...r, body: '' })),
    header,
  );
}

/**
 * CSV of rows as `log show` reads them: every row, a damaged one with why in `damaged` and, when
 * its body is not a row this Airlock can flatten, only its seq and MAC besides.
 */
export function renderCheckedLogCsv(rows: readonly CheckedLogRow[], header = true): string {
  const lines = rows.map((c) => {
    const f = flattenChecked(c);
    return COLUMNS.map((k) => csvField(f[k])).join(',');
  });
  return `${[...(header ? [COLUMNS.join(',')] : []), ...lines].join('\n')}\n`;
}

function flattenChecked(c: CheckedLogRow): Flat {
  let f: Flat | undefined;
  try {
    if (c.row) f = flattenRow({ seq: c.seq, row: c.row, prevMac: c.prevMac, mac: c.mac });
  } catch {
    // A JSON object that is not a row (an unlock row with no window…): said, not thrown.
    f = undefined;
  }
  if (f) return { ...f, damaged: c.problem ?? '' };
  const base = Object.fromEntries(COLUMNS.map((k) => [k, ''])) as Flat;
  return { ...base, seq: String(c.seq), mac: c.mac, damaged: c.problem ?? NOT_A_ROW };
}

/** JSON Lines: one chained row per line (seq, row, prevMac, mac), as stored. */
export function renderLogJsonLines(rows: readonly ChainedLogRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * JSON Lines of rows as `log show` reads them: a sound row as renderLogJsonLines writes it; a
 * damaged one with `damaged` (why), and its stored `body` in place of `row` when that is not a
 * JSON object.
 */
export function renderCheckedLogJsonLines(rows: readonly CheckedLogRow[]): string {
  return rows
    .map((c) => {
      const out =
        c.problem === undefined && c.row
          ? { seq: c.seq, row: c.row, prevMac: c.prevMac, mac: c.mac }
          : {
              seq: c.seq,
              ...(c.row ? { row: c.row } : { body: c.body }),
              prevMac: c.prevMac,
              mac: c.mac,
              damaged: c.problem ?? NOT_A_ROW,
            };
      return `${JSON.stringify(out)}\n`;
    })
    .join('');
}

/**
 * One row for the terminal. A DNS row's client is as logged (an address, with its port when the
 * row has one): nothing stands in for a port it lacks.
 */
export function renderLogLine(c: ChainedLogRow): string {
  const f = flattenRow(c);
  const what =
    c.row.kind === 'connection'
      ? `${f.client} → ${f.destination}${f.port ? `:${f.port}` : ''}${f.claimed ? ' (no name sent; claimed)' : ''} ${f.verdict} (${f.reason}) up ${f.bytes_up} down ${f.bytes_down}${f.cut ? ` cut: ${f.cut}` : ''}${f.open ? ' still open (bytes so far)' : ''}${f.request ? ` request: ${f.request}` : ''}`
      : c.row.kind === 'dns'
        ? `${f.client} ${f.name} ${f.qtype}${f.qclass ? ` ${f.qclass}` : ''}${f.proto === 'tcp' ? ' over tcp' : ''} ${f.verdict} (${f.reason})`
        : unlockText(c, f);
  // An authentic row still holds what clients sent (names, query names): never raw on a terminal.
  return `${f.seq.padStart(6)} ${f.ts} ${f.kind.padEnd(10)} ${visible(what)}${summaryText(c, f)}\n`;
}

function unlockText(c: ChainedLogRow, f: Flat): string {
  const r = c.row;
  const id = r.kind === 'unlock' && r.windowId !== undefined ? ` (window ${r.windowId})` : '';
  const ended = r.kind === 'unlock' && r.ended;
  return `unlock ${f.window_host} ${ended ? 'ended at' : 'until'} ${f.window_until}${id}: ${f.reason}`;
}

/**
 * A row as `log show` prints it: as renderLogLine, or — when its link in the chain fails — marked
 * DAMAGED with why, its text made visible (control characters escaped: a forged row cannot move
 * the cursor), and its stored body when it is not a row this Airlock can render.
 */
export function renderCheckedLogLine(c: CheckedLogRow): string {
  let line: string | undefined;
  try {
    if (c.row) line = renderLogLine({ seq: c.seq, row: c.row, prevMac: c.prevMac, mac: c.mac });
  } catch {
    line = undefined;
  }
  if (c.problem === undefined && line !== undefined) return line;
  const seq = String(c.seq).padStart(6);
  const mark = `DAMAGED [${c.problem ?? NOT_A_ROW}]`;
  if (line !== undefined) return `${seq} ${mark} ${visible(line.slice(seq.length + 1, -1))}\n`;
  const body = visible(c.body);
  const clipped = body.length > MAX_DAMAGED_BODY ? `${body.slice(0, MAX_DAMAGED_BODY - 1)}…` : body;
  return `${seq} ${mark} body: ${clipped}\n`;
}

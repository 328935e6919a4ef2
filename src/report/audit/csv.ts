/**
 * The audit report as one CSV table (RFC 4180: CRLF line ends, fields quoted when they must be):
 * a row per destination, then a row per unlock window of the store read, applied or not. The
 * `kind` column tells them apart ('destination', 'unlock-window'); a destination row leaves the
 * `window_*` columns empty, a window row every other column. The columns a window adds come last,
 * so a reader of the destination columns by position reads them where they always were.
 */
import { csvField } from '../../core/csv.js';
import { isoTime } from '../../core/iso-time.js';
import { purposeLabel, windowProblemText } from './format.js';
import type { AuditReport } from './model.js';

const COLUMNS = [
  'scope',
  'name',
  'name_source',
  'ech_inner_hidden',
  'ips',
  'port',
  'protocol',
  'connections',
  'orig_bytes',
  'resp_bytes',
  'orig_ip_bytes',
  'resp_ip_bytes',
  'orig_pkts',
  'resp_pkts',
  'first_seen',
  'last_seen',
  'purpose',
  'catalog_label',
  'catalog_source',
  'verdict',
  'outcome',
  'outcome_allowed',
  'outcome_blocked',
  'outcome_cut',
  'outcome_unheard',
  'cut_after_bytes',
  'reasons',
  'proxied_connections',
  'proxies',
  'kind',
  'window_id',
  'window_host',
  'window_from',
  'window_until',
  'window_reason',
  /** 'applied', or 'not-applied'. */
  'window_replay',
  /** Why not applied: bad-mac, no-mac, unverified or chain-mismatch; empty when applied. */
  'window_problem',
  'window_detail',
] as const;

/** The destination columns, empty on a window's row. */
const DESTINATION_COLUMNS = COLUMNS.indexOf('kind');

export function renderAuditCsv(report: AuditReport): string {
  const rows = report.destinations.map((d) => [
    d.scope,
    d.name ?? '',
    d.nameSources.join('+'),
    d.echInnerHidden,
    d.ips.join(' '),
    d.port,
    d.protocol,
    d.connections,
    d.orig.bytes,
    d.resp.bytes,
    d.orig.ipBytes,
    d.resp.ipBytes,
    d.orig.pkts,
    d.resp.pkts,
    d.firstSeen,
    d.lastSeen,
    purposeLabel(d),
    d.catalog?.label ?? '',
    d.catalog?.sources.map((s) => `${s.kind}: ${s.ref}`).join(' | ') ?? '',
    d.verdict,
    d.outcome.kind,
    d.outcome.allowed,
    d.outcome.blocked,
    d.outcome.cut,
    d.outcome.unheard ?? 0,
    d.outcome.cutAfterBytes ?? '',
    d.outcome.reasons.join(' '),
    d.viaProxy?.connections ?? 0,
    d.viaProxy?.proxies.join(' ') ?? '',
    'destination',
    ...NO_WINDOW,
  ]);
  return [COLUMNS, ...rows, ...windowRows(report)].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

type Cell = string | number | boolean;

/** The window columns of a destination's row. */
const NO_WINDOW: readonly Cell[] = Array<Cell>(COLUMNS.length - DESTINATION_COLUMNS - 1).fill('');

/** The store's windows by id, applied or not (and why); none when no store was read. */
function windowRows(report: AuditReport): Cell[][] {
  const check = report.unlockWindowCheck;
  if (!check) return [];
  const rows = [
    ...(check.applied ?? []).map((w) => ({ w, cells: ['applied', '', ''] as Cell[] })),
    ...check.unauthenticated.map((w) => ({
      w,
      cells: ['not-applied', w.problem, windowProblemText(w, check)] as Cell[],
    })),
  ].sort((a, b) => a.w.id - b.w.id);
  return rows.map(({ w, cells }) => [
    ...Array<Cell>(DESTINATION_COLUMNS).fill(''),
    'unlock-window',
    w.id,
    w.host,
    isoTime(w.fromMs),
    isoTime(w.untilMs),
    w.reason,
    ...cells,
  ]);
}

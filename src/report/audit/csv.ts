/** One CSV row per destination (RFC 4180: CRLF line ends, fields quoted when they must be). */
import { csvField } from '../../core/csv.js';
import { purposeLabel } from './format.js';
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
  'cut_after_bytes',
  'reasons',
  'proxied_connections',
  'proxies',
] as const;

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
    d.outcome.cutAfterBytes ?? '',
    d.outcome.reasons.join(' '),
    d.viaProxy?.connections ?? 0,
    d.viaProxy?.proxies.join(' ') ?? '',
  ]);
  return [COLUMNS, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

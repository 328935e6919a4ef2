/**
 * A log row's canonical JSON (core/canonical-json.ts), made once on the gateway's thread: the
 * text the chain's MAC covers and the row's stored body. The gateway's own row kinds are flat,
 * with known keys: their text is built from a key list sorted once, about as fast as a plain
 * JSON.stringify (the generic canonicalJson sorts keys per row: 2.5× the cost, thousands a second).
 * Anything else — a nested row, an unknown key — takes the generic path, so the text is always
 * exactly canonicalJson(row) (property-tested).
 */
import { canonicalJson } from '../core/canonical-json.js';
import type { ConnectionLogRow, DnsLogRow, LogRow, LogText } from './types.js';

/** Every key a row of the kind may have: a missing one is a compile error (Record over keyof). */
const CONNECTION: Record<keyof ConnectionLogRow, true> = {
  kind: true,
  tsMs: true,
  client: true,
  destination: true,
  name: true,
  ip: true,
  port: true,
  proto: true,
  mode: true,
  verdict: true,
  reason: true,
  bytesUp: true,
  bytesDown: true,
  cut: true,
  claimed: true,
  endMs: true,
  open: true,
  request: true,
  count: true,
  lastMs: true,
};
const DNS: Record<keyof DnsLogRow, true> = {
  kind: true,
  tsMs: true,
  client: true,
  qname: true,
  qtype: true,
  qclass: true,
  mode: true,
  verdict: true,
  reason: true,
  proto: true,
  count: true,
  lastMs: true,
  qnames: true,
  qnamesMore: true,
};

interface FlatShape {
  keys: string[];
  /** `"key":` for each key, in the same order. */
  prefixes: string[];
}

function shape(keys: Record<string, true>): FlatShape {
  const sorted = Object.keys(keys).sort();
  return { keys: sorted, prefixes: sorted.map((k) => `${JSON.stringify(k)}:`) };
}

const SHAPES: Record<string, FlatShape | undefined> = {
  connection: shape(CONNECTION),
  dns: shape(DNS),
};

export function rowJson(row: LogRow): string {
  const s = SHAPES[row.kind];
  return (s && flatJson(row as unknown as Record<string, unknown>, s)) ?? canonicalJson(row);
}

/** The canonical text of a flat object whose keys are all in `s`; undefined for any other object. */
function flatJson(o: Record<string, unknown>, s: FlatShape): string | undefined {
  let out = '';
  let own = 0;
  for (let i = 0; i < s.keys.length; i++) {
    const k = s.keys[i]!;
    const v = o[k];
    if (v === undefined) {
      if (Object.hasOwn(o, k)) own++;
      continue;
    }
    own++;
    let text: string;
    if (typeof v === 'string') text = JSON.stringify(v);
    else if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : 'null';
    else if (typeof v === 'boolean' || v === null) text = String(v);
    else return undefined;
    out += (out.length === 0 ? '{' : ',') + s.prefixes[i] + text;
  }
  // A key outside the list (or an inherited one) would be left out: the generic path keeps it.
  if (own !== Object.keys(o).length) return undefined;
  return out.length === 0 ? '{}' : `${out}}`;
}

/** Rows as the stores chain and insert them: each one's kind, time and canonical text (throws on a row with no JSON form). */
export const logTexts = (rows: readonly LogRow[]): LogText[] =>
  rows.map((row) => ({ kind: row.kind, tsMs: row.tsMs, body: rowJson(row) }));

/**
 * A log row's canonical JSON (core/canonical-json.ts), made once on the gateway's thread: the
 * text the chain's MAC covers and the row's stored body. The gateway's own row kinds are flat,
 * with known keys: their text is JSON.stringify of a copy in the key order sorted once (the generic
 * canonicalJson sorts keys per row: 2.5× the cost, thousands a second).
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
  endMs: true,
};
const DNS: Record<keyof DnsLogRow, true> = {
  kind: true,
  tsMs: true,
  client: true,
  qname: true,
  qtype: true,
  mode: true,
  verdict: true,
  reason: true,
  proto: true,
};

/** The kind's keys, sorted once. */
function shape(keys: Record<string, true>): string[] {
  return Object.keys(keys).sort();
}

const SHAPES: Record<string, readonly string[] | undefined> = {
  connection: shape(CONNECTION),
  dns: shape(DNS),
};

/** A row as the log sinks take it: its canonical text and the two columns the store indexes. */
export function logText(row: LogRow): LogText {
  return { kind: row.kind, tsMs: row.tsMs, body: rowJson(row) };
}

export function rowJson(row: LogRow): string {
  const s = SHAPES[row.kind];
  return (s && flatJson(row as unknown as Record<string, unknown>, s)) ?? canonicalJson(row);
}

/**
 * The canonical text of a flat object whose keys are all in `keys`; undefined for any other
 * object. A copy with the keys in sorted order, through JSON.stringify: one flat string (the
 * queued texts wait up to a group commit; a string built by `+=` waits as a rope of ~30 pieces
 * the young-generation GC copies one by one) and V8's fast path for plain objects.
 */
function flatJson(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const sorted: Record<string, unknown> = {};
  let own = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = o[k];
    if (v === undefined) {
      if (Object.hasOwn(o, k)) own++;
      continue;
    }
    own++;
    // JSON.stringify writes these exactly as canonicalJson does (a non-finite number as null).
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && v !== null)
      return undefined;
    sorted[k] = v;
  }
  // A key outside the list (or an inherited one) would be left out: the generic path keeps it.
  if (own !== Object.keys(o).length) return undefined;
  return JSON.stringify(sorted);
}

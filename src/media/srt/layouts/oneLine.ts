/**
 * Phantom 4 Pro / P4 RTK / Mavic Mini 1: one comma-separated line per cue,
 *   F/5.6, SS 400, ISO 100, EV 0, GPS (lon, lat, n), HOME (lon, lat, alt m), D 698.70m, H 85.80m,
 *   H.S 0.00m/s, V.S 0.00m/s, F.PRY (p°, r°, y°), G.PRY (p°, r°, y°)
 * Commas inside parentheses belong to the tuple, so fields are split at depth 0.
 */

import type { Line } from '../../../core/lines.js';
import type { Cue } from '../cues.js';
import { type Frame, isHomeKey, newFrame, setPositionTuple } from '../frame.js';
import { dateIn, itemAt, spanOf, tuplesIn } from '../tokens.js';

/** H (height), H.S / V.S (speeds): flight state. D (distance to home) is the operator's place. */
const ATTITUDE = new Set(['H', 'H.S', 'V.S']);
/** The aircraft's and the gimbal's pitch, roll and yaw: the only tuples that are attitude. */
const ATTITUDE_TUPLES = new Set(['F.PRY', 'G.PRY']);
const FIELD = /^([A-Za-z][A-Za-z.]*)\s*\/?\s*(.*)$/s;

export function parseOneLine(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'one-line');
  for (const line of cue.text) {
    const date = dateIn(line);
    if (date) f.time = date;
    const tuples = tuplesIn(line);
    for (const { start, end } of fieldsAt(line.text)) {
      const raw = line.text.slice(start, end);
      const lead = raw.length - raw.trimStart().length;
      const field = raw.trim();
      if (field === '') continue;
      const at = start + lead;
      const tuple = tuples.find((t) => t.start >= at && t.start < end);
      if (tuple) {
        const k = tuple.tuple.key;
        if (k === 'GPS' || k === 'RTK') setPositionTuple(f, 'gps', tuple.tuple);
        else if (isHomeKey(k)) setPositionTuple(f, 'home', tuple.tuple);
        else if (ATTITUDE_TUPLES.has(k)) f.attitudeTuples.push(tuple.tuple);
        // An allowlist: RC (…), PILOT (…), SN (…), OWNER (…) are no flight state.
        else f.otherTuples.push(tuple.tuple);
        continue;
      }
      if (date && field.includes(date.text)) continue;
      addField(f, line, field, at);
    }
  }
  return f;
}

function addField(f: Frame, line: Line, field: string, at: number): void {
  const m = FIELD.exec(field);
  if (!m) {
    f.other.push(itemAt(line, field, at, field));
    return;
  }
  const key = m[1] as string;
  const value = (m[2] as string).trim();
  const item = itemAt(line, key, at + field.length - value.length, value);
  item.token = spanOf(line, at, at + field.length);
  if (key === 'D') {
    // A second D in one cue (damage) is other text: dropped unless kept by name, never flight state.
    if (f.homeDistance) f.other.push(item);
    else f.homeDistance = item;
  } else (ATTITUDE.has(key) ? f.attitude : f.other).push(item);
}

/** Character spans of the comma-separated fields of a line, commas inside (...) excluded. */
function fieldsAt(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push({ start: from, end: i });
      from = i + 1;
    }
  }
  out.push({ start: from, end: text.length });
  return out;
}

/**
 * The flight-log CSV rewriter: the reader's findings, a Decision each, and the rows written
 * back with only what the policy lets through.
 *
 * - A column stays only when at least one of its cells is kept or replaced; every other column
 *   goes, header and cells (home/RC/app positions, serials, times without a date, attitude,
 *   other columns such as a row Id unless the keep list names them). Row identity is not
 *   special-cased: a row's line number already orders it, and the keep list can name an Id.
 * - Drone positions replaced (coarsened): latitude and longitude with 7 decimals, altitude in
 *   the column's own unit (feet stay feet) with the decimals the cell had, or as many more as
 *   it takes to read back as the grid's value (inUnit).
 * - In a surviving latitude/longitude/altitude column, a cell no finding asked about (0,0 "no
 *   fix", a latitude whose longitude is unreadable) is emptied: fail closed.
 * - When no latitude/longitude column is left (location dropped), the first latitude and
 *   longitude headers stay over empty cells, so the output is still a flight-log CSV that
 *   scrub's verification can read back (a note says so).
 * - Cells beyond the header's width are dropped; quoting of kept cells is copied as it is;
 *   a replaced cell that was quoted is written quoted. BOM, blank lines, line endings: as they were.
 */
import { bound } from '../../core/limits.js';
import type { Line } from '../../core/lines.js';
import type { ByteSource } from '../../core/source.js';
import type { Finding } from '../../findings/model.js';
import { formatCoarseDegrees } from '../../scrub/coarsen.js';
import type { Decide, RewriteResult, Rewriter } from '../../scrub/types.js';
import { sameStyle } from '../srt/rewrite-frame.js';
import { PatchWriter } from '../srt/splice.js';
import { Collector } from '../types.js';
import { analyseFlightLogCsv, type Column, cellRange, cellsOf, readCsvStart } from './csv.js';
import type { Cell } from './csvRow.js';

/** The whole file is held in memory to write the output. */
export const maxCsvRewriteBytes = 1024 ** 3;

export const flightLogCsvRewriter: Rewriter = {
  id: 'flightlog-csv',
  rewrite(src, decide, findings) {
    return rewriteFlightLogCsv(src, decide, findings);
  },
};

const isPositionRole = (c: Column): boolean =>
  c.role.kind === 'lat' || c.role.kind === 'lon' || c.role.kind === 'alt';

/** What happens to one cell: none asked (0), keep, drop, a text, an altitude in metres. */
const NONE = 0;
const KEEP = 1;
const DROP = 2;
/** Replaced by a text (Fates.text). */
const TEXT = 3;
/** An altitude replaced by a value in metres (Fates.metres), written in its column's unit and style. */
const METRES = 4;

/**
 * Cell fates by the byte offset of the cell: one byte per input byte, and a text or an
 * altitude only for the cells replaced. A long log has a fate for nearly every cell: a map of
 * objects per cell, and the parsed rows to resolve each altitude, cost ~40 times the file.
 */
class Fates {
  readonly code: Uint8Array;
  readonly text = new Map<number, string>();
  readonly metres = new Map<number, number>();
  constructor(size: number) {
    // A cell may start at the very end (an empty last cell).
    this.code = new Uint8Array(size + 1);
  }
  set(offset: number, fate: typeof KEEP | typeof DROP): void {
    this.code[offset] = fate;
  }
  setText(offset: number, text: string): void {
    this.code[offset] = TEXT;
    this.text.set(offset, text);
  }
  setMetres(offset: number, metres: number): void {
    this.code[offset] = METRES;
    this.metres.set(offset, metres);
  }
}

/** Cell fates from every finding's decision. */
function fatesOf(findings: readonly Finding[], decide: Decide, size: number): Fates {
  const fates = new Fates(size);
  for (const f of findings) {
    const d = decide(f);
    if (d.action === 'keep' || d.action === 'drop') {
      const fate = d.action === 'keep' ? KEEP : DROP;
      for (const r of f.ranges) fates.set(r.offset, fate);
      continue;
    }
    const v = d.value;
    if (f.value.kind === 'position' && v.kind === 'position') {
      // The reader lists a position's cells as latitude, longitude, then altitude.
      const [lat, lon, alt] = f.ranges;
      if (lat) fates.setText(lat.offset, formatCoarseDegrees(v.position.lat));
      if (lon) fates.setText(lon.offset, formatCoarseDegrees(v.position.lon));
      if (alt) {
        if (v.position.alt === undefined) fates.set(alt.offset, DROP);
        else fates.setMetres(alt.offset, v.position.alt);
      }
      continue;
    }
    const text =
      v.kind === 'time' || v.kind === 'text' ? v.text : v.kind === 'number' ? String(v.value) : undefined;
    for (const r of f.ranges) {
      if (text === undefined) fates.set(r.offset, DROP);
      else fates.setText(r.offset, text);
    }
  }
  return fates;
}

/** The data lines with their cells, one at a time: nothing parsed is held across lines. */
function* rowsOf(src: ByteSource): Generator<{ line: Line; cells: Cell[] }> {
  for (const line of readCsvStart(src).lines) {
    if (line.text.trim() === '') continue;
    yield { line, cells: cellsOf(line) };
  }
}

/**
 * `findings`: the reader's findings for `src`, when the caller has them (scrub's analysis);
 * otherwise the reader's own pass makes them, and throws its errors for damaged input.
 */
export function rewriteFlightLogCsv(
  src: ByteSource,
  decide: Decide,
  findings?: readonly Finding[],
): RewriteResult {
  bound(src.size, maxCsvRewriteBytes, 'CSV size in bytes for a rewrite', 0);
  let known = findings;
  if (!known) {
    const found = new Collector();
    analyseFlightLogCsv(src, found);
    known = found.findings;
  }
  const input = src.read(0, src.size);
  const { headerLine, header, columns } = readCsvStart(src);
  const fates = fatesOf(known, decide, src.size);
  const notes: string[] = [];

  // A column lives when any of its cells is kept or replaced: one pass over the rows for that,
  // another to write them, rather than every row held between the two.
  const alive = new Set<number>();
  for (const { line, cells } of rowsOf(src)) {
    const n = Math.min(cells.length, columns.length);
    for (let i = 0; i < n; i++) {
      const code = fates.code[cellRange(line, cells[i] as Cell).offset];
      if (code !== NONE && code !== DROP) alive.add(i);
    }
  }
  const hasLat = columns.some((c) => alive.has(c.index) && c.role.kind === 'lat');
  const hasLon = columns.some((c) => alive.has(c.index) && c.role.kind === 'lon');
  if (!hasLat || !hasLon) {
    const lat = columns.find((c) => c.role.kind === 'lat');
    const lon = columns.find((c) => c.role.kind === 'lon');
    if (!hasLat && lat) alive.add(lat.index);
    if (!hasLon && lon) alive.add(lon.index);
    notes.push(
      'flight-log CSV: latitude/longitude headers kept over empty cells so the file still reads as a flight log',
    );
  }
  const kept = columns.filter((c) => alive.has(c.index));

  const out = new PatchWriter(input);
  out.replace(headerLine.offset, lineEnd(input, headerLine.offset) - headerLine.offset);
  let first = true;
  for (const c of kept) {
    const cell = header[c.index];
    if (!cell) continue;
    if (!first) out.bytes(COMMA);
    first = false;
    out.bytes(rawCell(input, headerLine, cell));
  }
  for (const { line, cells } of rowsOf(src)) {
    out.replace(line.offset, lineEnd(input, line.offset) - line.offset);
    for (let k = 0; k < kept.length; k++) {
      const col = kept[k] as Column;
      const cell = cells[col.index];
      if (!cell) break;
      if (k > 0) out.bytes(COMMA);
      const offset = cellRange(line, cell).offset;
      const code = fates.code[offset];
      if (code === TEXT) out.bytes(quoted(rawCell(input, line, cell), fates.text.get(offset) as string));
      else if (code === METRES) {
        const toMetres = col.role.kind === 'alt' ? col.role.toMetres : 1;
        const metres = fates.metres.get(offset) as number;
        out.bytes(quoted(rawCell(input, line, cell), inUnit(cell.text, metres, toMetres)));
      } else if (code === DROP || (code === NONE && isPositionRole(col) && cell.text !== '')) {
        // Emptied.
      } else out.bytes(rawCell(input, line, cell));
    }
  }
  return { bytes: out.finish(), notes };
}

const COMMA = Buffer.from(',');

function rawCell(input: Uint8Array, line: Line, cell: Cell): Uint8Array {
  const r = cellRange(line, cell);
  return input.subarray(r.offset, r.offset + r.length);
}

/** The replacement, quoted when the cell was quoted or the text needs it (RFC 4180). */
function quoted(raw: Uint8Array, text: string): Uint8Array {
  const wasQuoted = Buffer.from(raw).toString('latin1').trimStart().startsWith('"');
  const out = wasQuoted || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  return Buffer.from(out, 'utf8');
}

/** Where the content of the line starting at `start` ends (its CR or LF, or the end of input). */
function lineEnd(input: Uint8Array, start: number): number {
  let i = start;
  while (i < input.length && input[i] !== 0x0a && input[i] !== 0x0d) i++;
  return i;
}

/** What a read-back may miss the written metres by (the verifier allows 1e-6). */
const READ_BACK_METRES = 1e-7;

/**
 * `metres` in the column's unit, in the cell's style (sign, decimals, what follows the number),
 * with more decimals when the cell's own would not read back as `metres`: 400 m in a feet column
 * is 1312.335958 ft, since 1312.3 ft is 399.99 m, which is off the 100 m grid and fails
 * verification.
 */
export function inUnit(old: string, metres: number, toMetres: number): string {
  const plain = sameStyle(old, metres / toMetres);
  if (toMetres === 1) return plain;
  const m = /^\s*([+-]?)\d*(?:\.(\d*))?/.exec(old) as RegExpExecArray;
  const value = metres / toMetres;
  let decimals = m[2]?.length ?? 0;
  let text = value.toFixed(decimals);
  while (Math.abs(Number(text) * toMetres - metres) > READ_BACK_METRES && decimals < 12)
    text = value.toFixed(++decimals);
  return (m[1] === '+' && value >= 0 ? '+' : '') + text + old.slice(m[0].length);
}

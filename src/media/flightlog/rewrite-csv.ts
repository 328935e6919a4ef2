/**
 * The flight-log CSV rewriter: the reader's findings, a Decision each, and the rows written
 * back with only what the policy lets through.
 *
 * - A column stays only when at least one of its cells is kept or replaced; every other column
 *   goes, header and cells (home/RC/app positions, serials, times without a date, attitude,
 *   other columns such as a row Id unless the keep list names them). Row identity is not
 *   special-cased: a row's line number already orders it, and the keep list can name an Id.
 * - Drone positions replaced (coarsened): latitude and longitude with 7 decimals, altitude in
 *   the column's own unit (feet stay feet) with the decimals the cell had.
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
import { type Patch, splice } from '../srt/splice.js';
import { Collector } from '../types.js';
import { analyseFlightLogCsv, type Column, cellRange, readCsvStart } from './csv.js';
import { type Cell, splitCsvLine } from './csvRow.js';

/** The whole file is held in memory to write the output. */
export const maxCsvRewriteBytes = 1024 ** 3;

/** What happens to one cell, keyed by its byte offset. */
type Fate = { kind: 'keep' } | { kind: 'drop' } | { kind: 'text'; text: string };

export const flightLogCsvRewriter: Rewriter = {
  id: 'flightlog-csv',
  rewrite(src, decide) {
    return rewriteFlightLogCsv(src, decide);
  },
};

const isPositionRole = (c: Column): boolean =>
  c.role.kind === 'lat' || c.role.kind === 'lon' || c.role.kind === 'alt';

/** What the rewriter knows of each data cell, by byte offset: its column and its text. */
type CellIndex = Map<number, { column: Column; text: string }>;

/** Cell fates from every finding's decision. */
function fatesOf(findings: readonly Finding[], decide: Decide, index: CellIndex): Map<number, Fate> {
  const fates = new Map<number, Fate>();
  for (const f of findings) {
    const d = decide(f);
    if (d.action === 'keep' || d.action === 'drop') {
      for (const r of f.ranges) fates.set(r.offset, { kind: d.action });
      continue;
    }
    const v = d.value;
    if (f.value.kind === 'position' && v.kind === 'position') {
      // The reader lists a position's cells as latitude, longitude, then altitude.
      const [lat, lon, alt] = f.ranges;
      if (lat) fates.set(lat.offset, { kind: 'text', text: formatCoarseDegrees(v.position.lat) });
      if (lon) fates.set(lon.offset, { kind: 'text', text: formatCoarseDegrees(v.position.lon) });
      if (alt) {
        const cell = index.get(alt.offset);
        const toMetres = cell?.column.role.kind === 'alt' ? cell.column.role.toMetres : 1;
        fates.set(
          alt.offset,
          v.position.alt === undefined
            ? { kind: 'drop' }
            : { kind: 'text', text: sameStyle(cell?.text ?? '0', v.position.alt / toMetres) },
        );
      }
      continue;
    }
    const text =
      v.kind === 'time' || v.kind === 'text' ? v.text : v.kind === 'number' ? String(v.value) : undefined;
    for (const r of f.ranges)
      fates.set(r.offset, text === undefined ? { kind: 'drop' } : { kind: 'text', text });
  }
  return fates;
}

export function rewriteFlightLogCsv(src: ByteSource, decide: Decide): RewriteResult {
  bound(src.size, maxCsvRewriteBytes, 'CSV size in bytes for a rewrite', 0);
  // The reader's own pass: the same findings inspect reported, and its errors for damaged input.
  const found = new Collector();
  analyseFlightLogCsv(src, found);
  const input = src.read(0, src.size);
  const { headerLine, header, columns, lines } = readCsvStart(src);

  const rows: { line: Line; cells: Cell[] }[] = [];
  const index: CellIndex = new Map();
  for (const line of lines) {
    if (line.text.trim() === '') continue;
    const cells = splitCsvLine(line.text, line.offset);
    rows.push({ line, cells });
    cells.forEach((c, i) => {
      const col = columns[i];
      if (!col) return;
      index.set(cellRange(line, c).offset, { column: col, text: c.text });
    });
  }
  const fates = fatesOf(found.findings, decide, index);
  const notes: string[] = [];

  const alive = new Set<number>();
  for (const [offset, fate] of fates) {
    const col = index.get(offset)?.column;
    if (col && fate.kind !== 'drop') alive.add(col.index);
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

  const patches: Patch[] = [];
  const write = (line: Line, parts: Uint8Array[]): void => {
    const end = lineEnd(input, line.offset);
    const joined: Uint8Array[] = [];
    parts.forEach((p, i) => {
      if (i > 0) joined.push(COMMA);
      joined.push(p);
    });
    patches.push({ offset: line.offset, length: end - line.offset, bytes: Buffer.concat(joined) });
  };

  write(
    headerLine,
    kept.flatMap((c) => {
      const cell = header[c.index];
      return cell ? [rawCell(input, headerLine, cell)] : [];
    }),
  );
  for (const { line, cells } of rows) {
    const parts: Uint8Array[] = [];
    for (const col of kept) {
      const cell = cells[col.index];
      if (!cell) break;
      const raw = rawCell(input, line, cell);
      const fate = fates.get(cellRange(line, cell).offset);
      if (fate?.kind === 'text') parts.push(quoted(raw, fate.text));
      else if (fate?.kind === 'drop' || (!fate && isPositionRole(col) && cell.text !== '')) parts.push(EMPTY);
      else parts.push(raw);
    }
    write(line, parts);
  }
  return { bytes: splice(input, patches), notes };
}

const COMMA = Buffer.from(',');
const EMPTY = new Uint8Array(0);

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

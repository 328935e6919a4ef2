/**
 * DJI flight-log CSV exports (DJI/Phantom Help, AirData, the logs ExifTool geotags from):
 * per row, the drone position, home/RC/app positions (the operator), times and flight state;
 * serials once per distinct value; every other column once, with its cells, so nothing is silent.
 */
import { AirlockError } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import { byteAt, byteLength, type Line, readLines } from '../../core/lines.js';
import type { ByteSource } from '../../core/source.js';
import type { Category, Position, Range, Value } from '../../findings/model.js';
import type { Analyser, Collector } from '../types.js';
import { type Role, roleOf } from './columns.js';
import { type Cell, splitCsvLine } from './csvRow.js';

const LAT = new Set(['lat', 'latitude']);
const LON = new Set(['lon', 'lng', 'longitude']);
const isWordCode = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/**
 * A flight-log header: on its first line, a word "lat" or "latitude", then a comma, then a word
 * "lon", "lng" or "longitude" (ASCII case ignored; a word is a whole run of [A-Za-z0-9_], as \b
 * delimits it; a BOM is no word character). The regular expression this was,
 * /^\uFEFF?[^\n]*\blat(?:itude)?\b[^\n]*,[^\n]*\b(?:lon|lng|longitude)\b/i, backtracked
 * worse than quadratically on a header of many "lat," columns (6 KB: 9 s, 12 KB: 46 s); this
 * reads each character once.
 */
export function isFlightLogHeader(text: string): boolean {
  const nl = text.indexOf('\n');
  const n = nl < 0 ? text.length : nl;
  let lat = false;
  let comma = false;
  for (let k = 0; k < n; ) {
    const c = text.charCodeAt(k);
    if (!isWordCode(c)) {
      if (c === 0x2c && lat) comma = true;
      k++;
      continue;
    }
    const start = k;
    while (k < n && isWordCode(text.charCodeAt(k))) k++;
    if (k - start > 9) continue;
    const word = text.slice(start, k).toLowerCase();
    if (comma && LON.has(word)) return true;
    if (LAT.has(word)) lat = true;
  }
  return false;
}

export const flightLogCsvAnalyser: Analyser = {
  id: 'flightlog-csv',
  detect(head, name) {
    const first =
      Buffer.from(head)
        .toString('latin1')
        .split(/\r?\n|\r/, 1)[0] ?? '';
    return (
      (/\.(csv|txt)$/i.test(name) || first.includes(',')) &&
      isFlightLogHeader(first) &&
      !first.includes('-->')
    );
  },
  analyse(src, out) {
    analyseFlightLogCsv(src, out);
  },
  appendsOnly: true,
};

export interface Column {
  name: string;
  index: number;
  role: Role;
}

interface Group {
  key: string;
  operator: boolean;
  lat?: Column;
  lon?: Column;
  alt?: Column;
}

/** Accumulates every cell of a column reported once (serials by value, "other" columns whole). */
interface Tally {
  ranges: Range[];
  bytes: number;
}

/** The header of a flight-log CSV, and the lines after it: the start shared by the reader and the rewriter. */
export interface CsvStart {
  bom: number;
  headerLine: Line;
  header: Cell[];
  columns: Column[];
  /** The data lines, lazily. */
  lines: Generator<Line>;
}

export function readCsvStart(src: ByteSource): CsvStart {
  if (src.size === 0) throw new AirlockError('AIRLOCK_ERR_EMPTY', 'the CSV file is empty', 0);
  const bom = src.size >= 3 && src.read(0, 3).every((b, i) => b === [0xef, 0xbb, 0xbf][i]) ? 3 : 0;
  const lines = readLines(src, bom);
  const headerLine = lines.next().value as Line | undefined;
  if (!headerLine || !isFlightLogHeader(headerLine.text))
    throw new AirlockError(
      'AIRLOCK_ERR_MALFORMED',
      'no flight-log CSV header (latitude and longitude columns)',
      bom,
    );
  const header = splitCsvLine(headerLine.text, headerLine.offset);
  const columns: Column[] = header.map((c, index) => ({ name: c.text, index, role: roleOf(c.text) }));
  return { bom, headerLine, header, columns, lines };
}

/** The bytes of a cell in the file. */
export const cellRange = (line: Line, c: Cell): Range => ({
  offset: byteAt(line, c.start),
  length: byteLength(line, c.start, c.length),
});

export function analyseFlightLogCsv(src: ByteSource, out: Collector): void {
  const { columns, lines } = readCsvStart(src);
  const groups = groupsOf(columns);
  const path = ['CSV'];
  const serials = new Map<string, Tally & { column: string; value: string }>();
  const others = new Map<number, Tally>();
  const numbers = new SharedNumbers();
  let rows = 0;
  let withFix = 0;
  let extraCells: number | undefined;

  for (const line of lines) {
    if (line.text.trim() === '') continue;
    const frame = bound(++rows, LIMITS.maxRecords, 'CSV rows', line.offset);
    const cells = splitCsvLine(line.text, line.offset);
    if (cells.length > columns.length) extraCells ??= line.offset;
    const range = (c: Cell): Range => cellRange(line, c);
    const num = (col: Column | undefined): { n: number; cell: Cell } | undefined => {
      const cell = col && cells[col.index];
      if (!cell || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cell.text)) return undefined;
      return { n: Number(cell.text), cell };
    };

    for (const g of groups) {
      const lat = num(g.lat);
      const lon = num(g.lon);
      if (!lat || !lon || (lat.n === 0 && lon.n === 0)) continue;
      if (!g.operator) withFix++;
      const alt = num(g.alt);
      // Ranges made at their final length: a push would leave room for 16 more in every finding.
      const withAlt = alt && g.alt?.role.kind === 'alt' ? alt.n * g.alt.role.toMetres : undefined;
      const position: Position =
        withAlt === undefined ? { lat: lat.n, lon: lon.n } : { lat: lat.n, lon: lon.n, alt: withAlt };
      const ranges =
        alt && withAlt !== undefined
          ? [range(lat.cell), range(lon.cell), range(alt.cell)]
          : [range(lat.cell), range(lon.cell)];
      const tag = out.name(
        [g.lat, g.lon, alt ? g.alt : undefined].flatMap((c) => (c ? [c.name] : [])).join('+'),
      );
      const category: Category = g.operator ? 'location.operator' : 'location.drone';
      out.add({ category, tag, path, ranges, value: { kind: 'position', position }, frame });
    }

    for (const col of columns) {
      const cell = cells[col.index];
      if (!cell || cell.text === '') continue;
      const r = range(cell);
      switch (col.role.kind) {
        case 'time':
          out.add({
            category: 'time',
            tag: col.name,
            path,
            ranges: [r],
            value: { kind: 'time', text: cell.text },
            frame,
          });
          break;
        case 'attitude':
        case 'distance': {
          const n = num(col);
          const value = n ? numbers.get(n.n) : { kind: 'text' as const, text: cell.text };
          const category = col.role.kind === 'distance' ? 'location.operator' : 'attitude';
          out.add({ category, tag: col.name, path, ranges: [r], value, frame });
          break;
        }
        case 'serial': {
          const key = `${col.index}\u0000${cell.text}`;
          const t = serials.get(key) ?? { column: col.name, value: cell.text, ranges: [], bytes: 0 };
          t.ranges.push(r);
          serials.set(key, t);
          break;
        }
        case 'other': {
          const t = others.get(col.index) ?? { ranges: [], bytes: 0 };
          t.ranges.push(r);
          t.bytes += r.length;
          others.set(col.index, t);
          break;
        }
        default:
          // lat/lon/alt cells are reported inside the positions above.
          break;
      }
    }
  }

  for (const s of serials.values()) {
    out.add({
      category: 'identity.device',
      tag: s.column,
      path,
      ranges: s.ranges,
      value: { kind: 'text', text: s.value },
    });
  }
  for (const [index, t] of others) {
    const col = columns[index] as Column;
    out.add({
      category: 'other',
      tag: col.name,
      path,
      ranges: t.ranges,
      value: { kind: 'block', size: t.bytes, note: `column of ${t.ranges.length} cells` },
    });
  }
  if (extraCells !== undefined)
    out.warn('csv-extra-cells', 'rows with more cells than the header names', extraCells);
  out.facts.rows = rows;
  out.facts.rowsWithFix = withFix;
  out.facts.columns = columns.length;
}

/**
 * One value object per distinct number: a log's flight-state columns repeat a few hundred
 * values (a speed to one decimal, a satellite count) over every row. Values are never edited.
 * Bounded, as Collector.name is.
 */
class SharedNumbers {
  private readonly seen = new Map<number, Value>();
  get(n: number): Value {
    // A map takes -0 for 0: "-0.0" keeps its own value.
    if (Object.is(n, -0)) return { kind: 'number', value: n };
    const had = this.seen.get(n);
    if (had) return had;
    const v: Value = { kind: 'number', value: n };
    if (this.seen.size < 65536) this.seen.set(n, v);
    return v;
  }
}

/** Latitude/longitude/altitude columns that belong together (same group: '', OSD, HOME, RC…). */
function groupsOf(columns: Column[]): Group[] {
  const groups = new Map<string, Group>();
  for (const c of columns) {
    const r = c.role;
    if (r.kind !== 'lat' && r.kind !== 'lon' && r.kind !== 'alt') continue;
    const g = groups.get(r.group) ?? { key: r.group, operator: r.operator };
    if (r.kind === 'lat') g.lat ??= c;
    else if (r.kind === 'lon') g.lon ??= c;
    else g.alt ??= c;
    groups.set(r.group, g);
  }
  return [...groups.values()].filter((g) => g.lat && g.lon);
}

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

/** One position: a latitude and a longitude column of the same group, and its altitude if any. */
interface Group {
  key: string;
  operator: boolean;
  lat: Column;
  lon: Column;
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
  const header = cellsOf(headerLine);
  const columns: Column[] = header.map((c, index) => ({ name: c.text, index, role: roleOf(c.text) }));
  return { bom, headerLine, header, columns, lines };
}

/**
 * The cells of one line. A quoted cell that does not end on its line is refused: a quoted field
 * may hold a line break (RFC 4180), but this reader goes line by line, and would read the rest of
 * that field as rows of their own (a message's text as a drone fix). DJI's exports never write
 * one; a file that has one is an error, withheld by scrub, rather than misread.
 */
export function cellsOf(line: Line): Cell[] {
  const cells = splitCsvLine(line.text, line.offset);
  const last = cells[cells.length - 1];
  if (last?.open) {
    const start = line.text.indexOf('"', last.start);
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      `a quoted CSV cell runs past the end of line ${line.number} (a line break inside a quoted field): not read`,
      byteAt(line, start < 0 ? last.start : start),
    );
  }
  return cells;
}

/** The bytes of a cell in the file. */
export const cellRange = (line: Line, c: Cell): Range => ({
  offset: byteAt(line, c.start),
  length: byteLength(line, c.start, c.length),
});

export function analyseFlightLogCsv(src: ByteSource, out: Collector): void {
  const { columns, lines, headerLine } = readCsvStart(src);
  const { groups, categories, ambiguous } = groupsOf(columns);
  const path = ['CSV'];
  for (const a of ambiguous)
    out.warn(
      'csv-ambiguous-position',
      `the header names ${a} more than once: which is the drone's is unknown, so every one is read as the operator's`,
      headerLine.offset,
    );
  /** The latitude, longitude and altitude columns, with the last row a position read each (lone cells). */
  const coordinates = columns.filter((c) => categories.has(c.index));
  const covered = new Int32Array(columns.length);
  const tallies = new Map<string, Tally & { column: string; value: string; category: Category }>();
  const others = new Map<number, Tally>();
  const numbers = new SharedNumbers();
  let rows = 0;
  let withFix = 0;
  let extraCells: number | undefined;

  for (const line of lines) {
    if (line.text.trim() === '') continue;
    const frame = bound(++rows, LIMITS.maxRecords, 'CSV rows', line.offset);
    const cells = cellsOf(line);
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
      covered[g.lat.index] = frame;
      covered[g.lon.index] = frame;
      if (alt && g.alt && withAlt !== undefined) covered[g.alt.index] = frame;
    }

    // A coordinate cell no position holds (a comma decimal, text, a latitude whose longitude is
    // unreadable, a second altitude) is reported as it is, under its column's category: the
    // rewriter empties such cells unless the policy keeps them, and inspect must say so. A cell
    // with no digit but 0 ("0", "n/a", "0.0": no fix) places nothing.
    for (const col of coordinates) {
      if (covered[col.index] === frame) continue;
      const cell = cells[col.index];
      if (!cell || !/[1-9]/.test(cell.text)) continue;
      out.add({
        category: categories.get(col.index) as Category,
        tag: col.name,
        path,
        ranges: [range(cell)],
        value: { kind: 'text', text: cell.text },
        frame,
      });
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
        case 'tally': {
          const key = `${col.index}\u0000${cell.text}`;
          const t = tallies.get(key) ?? {
            column: col.name,
            value: cell.text,
            category: col.role.category,
            ranges: [],
            bytes: 0,
          };
          t.ranges.push(r);
          tallies.set(key, t);
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
          // lat/lon/alt cells are reported inside the positions above, or alone.
          break;
      }
    }
  }

  for (const s of tallies.values()) {
    out.add({
      category: s.category,
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

/**
 * Latitude/longitude/altitude columns that belong together (same group: '', OSD, HOME, RC…), the
 * category of every such column, and the groups whose header repeats. A group named twice
 * ("latitude,longitude,…,latitude,longitude") makes a position of each pair in order, and all of
 * them the operator's when the group is the drone's: one of them is likely the home point, and
 * which one the header does not say. A latitude without a longitude is still a coordinate column:
 * its cells are reported alone.
 */
function groupsOf(columns: Column[]): {
  groups: Group[];
  categories: Map<number, Category>;
  ambiguous: string[];
} {
  const byKey = new Map<string, { operator: boolean; lat: Column[]; lon: Column[]; alt: Column[] }>();
  for (const c of columns) {
    const r = c.role;
    if (r.kind !== 'lat' && r.kind !== 'lon' && r.kind !== 'alt') continue;
    const g = byKey.get(r.group) ?? { operator: r.operator, lat: [], lon: [], alt: [] };
    g.operator ||= r.operator;
    g[r.kind].push(c);
    byKey.set(r.group, g);
  }
  const groups: Group[] = [];
  const categories = new Map<number, Category>();
  const ambiguous: string[] = [];
  for (const [key, g] of byKey) {
    const repeated = g.lat.length > 1 || g.lon.length > 1;
    if (repeated && !g.operator)
      ambiguous.push(`${[g.lat[0], g.lon[0]].flatMap((c) => (c ? [`"${c.name}"`] : [])).join('/')}`);
    const operator = g.operator || repeated;
    for (let i = 0; i < Math.min(g.lat.length, g.lon.length); i++) {
      const alt = g.alt[i];
      groups.push({
        key,
        operator,
        lat: g.lat[i] as Column,
        lon: g.lon[i] as Column,
        ...(alt ? { alt } : {}),
      });
    }
    for (const c of [...g.lat, ...g.lon, ...g.alt])
      categories.set(c.index, operator ? 'location.operator' : 'location.drone');
  }
  return { groups, categories, ambiguous };
}

/**
 * What the oracles say a file carries: positions and device identities, read from ExifTool's
 * JSON (`-n -j -a -u -G1`), from DJI_SRT_Parser for SRT, and from the CSV's own columns for a
 * flight-log export. Nothing here uses Airlock's code.
 */
import type { Finding } from '../../src/findings/model.js';

export interface ExpectedPosition {
  source: string;
  lat: number;
  lon: number;
}
export interface ExpectedSerial {
  source: string;
  value: string | number;
}

const bare = (k: string): string => (k.includes(':') ? k.slice(k.indexOf(':') + 1) : k);
const group = (k: string): string => (k.includes(':') ? k.slice(0, k.indexOf(':')) : '');
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Signed positions: Composite:GPSLatitude/GPSLongitude (ExifTool applies the Ref tags), and each
 * XMP group's GPSLatitude with its GPSLongitude (or DJI's misspelt GPSLongtitude).
 */
export function exiftoolPositions(rec: Record<string, unknown>): ExpectedPosition[] {
  const out: ExpectedPosition[] = [];
  const pairs: [string, string, string[]][] = [
    ['Composite', 'Composite:GPSLatitude', ['Composite:GPSLongitude']],
  ];
  for (const k of Object.keys(rec)) {
    if (group(k).startsWith('XMP-') && bare(k) === 'GPSLatitude') {
      const g = group(k);
      pairs.push([g, k, [`${g}:GPSLongitude`, `${g}:GPSLongtitude`]]);
    }
  }
  for (const [source, latKey, lonKeys] of pairs) {
    const lat = num(rec[latKey]);
    const lon = lonKeys.map((k) => num(rec[k])).find((v) => v !== undefined);
    if (lat !== undefined && lon !== undefined) out.push({ source, lat, lon });
  }
  return out;
}

/** A device identity tag as the brief names them: *Serial* (not *SerialNumberFormat*), SensorID, CaptureUUID, ImageUniqueID. */
export const isSerialTag = (name: string): boolean =>
  (/Serial/i.test(name) && !/SerialNumberFormat/i.test(name)) ||
  ['SensorID', 'CaptureUUID', 'ImageUniqueID'].includes(name);

export function exiftoolSerials(rec: Record<string, unknown>): ExpectedSerial[] {
  return Object.entries(rec)
    .filter(
      ([k, v]) =>
        isSerialTag(bare(k)) && (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '')),
    )
    .map(([k, v]) => ({ source: k, value: v as string | number }));
}

/**
 * Same serial? Strings are compared trimmed (TIFF ASCII values are NUL/space padded). With -n
 * ExifTool prints a numeric-looking value as a JSON number whether the file stores it as ASCII
 * ("470023842") or as an integer (Canon's int32u SerialNumber), so a number matches Airlock's
 * number or Airlock's text of the same number; leading zeros survive only in strings, which
 * ExifTool keeps quoted ("012345678"), so those are compared exactly.
 */
export function sameSerial(f: Finding, want: string | number): boolean {
  const v = f.value;
  const got =
    v.kind === 'text' ? v.text.replace(/\0+$/, '').trim() : v.kind === 'number' ? String(v.value) : undefined;
  if (got === undefined) return false;
  if (typeof want === 'number') return got === String(want) || (got !== '' && Number(got) === want);
  return got === want.trim();
}

export const TOLERANCE_DEG = 1e-7;

export function samePosition(f: Finding, lat: number, lon: number): boolean {
  if (f.value.kind !== 'position' || !f.category.startsWith('location.')) return false;
  const p = f.value.position;
  return Math.abs(p.lat - lat) <= TOLERANCE_DEG && Math.abs(p.lon - lon) <= TOLERANCE_DEG;
}

/** DJI_SRT_Parser's raw packets: latitude/longitude fields, or GPS/HOME arrays written (lon, lat[, alt]). */
export function srtPositions(packets: Record<string, unknown>[]): {
  drone: ExpectedPosition[];
  home: ExpectedPosition[];
} {
  const drone: ExpectedPosition[] = [];
  const home: ExpectedPosition[] = [];
  packets.forEach((p, i) => {
    const src = `packet ${i + 1}`;
    const lat = num(p.latitude);
    const lon = num(p.longitude);
    if (lat !== undefined && lon !== undefined) drone.push({ source: src, lat, lon });
    const gps = p.GPS;
    if (Array.isArray(gps) && num(gps[0]) !== undefined && num(gps[1]) !== undefined)
      drone.push({ source: src, lat: num(gps[1])!, lon: num(gps[0])! });
    const h = p.HOME;
    if (Array.isArray(h) && num(h[0]) !== undefined && num(h[1]) !== undefined)
      home.push({ source: src, lat: num(h[1])!, lon: num(h[0])! });
  });
  // (0, 0) is how DJI writes "no fix yet": not a position anyone is at.
  const real = (q: ExpectedPosition): boolean => !(q.lat === 0 && q.lon === 0);
  return { drone: drone.filter(real), home: home.filter(real) };
}

/** The Latitude/Longitude columns of a flight-log CSV export, read naively (it has no quoting). */
export function csvPositions(text: string): ExpectedPosition[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = (lines[0] ?? '').split(',').map((s) => s.trim());
  const li = head.findIndex((h) => /^latitude/i.test(h));
  const oi = head.findIndex((h) => /^longitude/i.test(h));
  const out: ExpectedPosition[] = [];
  lines.slice(1).forEach((l, i) => {
    const cells = l.split(',');
    const lat = num(cells[li]);
    const lon = num(cells[oi]);
    if (lat !== undefined && lon !== undefined) out.push({ source: `row ${i + 1}`, lat, lon });
  });
  return out;
}

/** Distinct positions (the same fix repeated over many frames is one thing to find). */
export function distinct(ps: ExpectedPosition[]): ExpectedPosition[] {
  const seen = new Map<string, ExpectedPosition>();
  for (const p of ps) seen.set(`${p.lat},${p.lon}`, seen.get(`${p.lat},${p.lon}`) ?? p);
  return [...seen.values()];
}

/** Comparing Airlock's XMP findings with what ExifTool reads from the same file. */
import type { Finding } from '../../src/findings/model.js';
import type { ExifToolRecord } from '../helpers/exiftool.js';

const norm = (s: string): string => s.toLowerCase();

/** ExifTool's XMP entries 'XMP-<prefix>:<Name>' → [prefix, Name, value]. */
export function xmpEntries(rec: ExifToolRecord): [string, string, unknown][] {
  return Object.entries(rec)
    .filter(([k]) => k.startsWith('XMP-') && !k.startsWith('XMP-x:') && !k.startsWith('XMP-rdf:'))
    .map(([k, v]) => {
      const [g, name] = k.split(':') as [string, string];
      return [g.slice(4), name, v];
    });
}

/** The finding that carries `prefix:Name` (ExifTool capitalises names: compare case-insensitively). */
export function findXmp(findings: Finding[], prefix: string, name: string): Finding | undefined {
  const want = norm(`${prefix}:${name}`);
  return findings.find((f) => norm(f.tag) === want);
}

/** Latitude/longitude tags that Airlock folds into one position finding. */
const POSITION_PARTS: Record<string, { lat: string; axis: 'lat' | 'lon' }> = {
  'drone-dji:gpslatitude': { lat: 'drone-dji:GpsLatitude', axis: 'lat' },
  'drone-dji:gpslongitude': { lat: 'drone-dji:GpsLatitude', axis: 'lon' },
  'drone-dji:gpslongtitude': { lat: 'drone-dji:GpsLatitude', axis: 'lon' },
  'drone-dji:lrftargetlat': { lat: 'drone-dji:LRFTargetLat', axis: 'lat' },
  'drone-dji:lrftargetlon': { lat: 'drone-dji:LRFTargetLat', axis: 'lon' },
  'exif:gpslatitude': { lat: 'exif:GPSLatitude', axis: 'lat' },
  'exif:gpslongitude': { lat: 'exif:GPSLatitude', axis: 'lon' },
};

/**
 * Checks one ExifTool XMP value against Airlock's findings; returns a description of the
 * mismatch, or undefined when they agree.
 */
export function compareXmp(
  findings: Finding[],
  prefix: string,
  name: string,
  value: unknown,
): string | undefined {
  const key = norm(`${prefix}:${name}`);
  const part = POSITION_PARTS[key];
  if (part) {
    const pos = findings.find((f) => f.value.kind === 'position' && norm(f.tag) === norm(part.lat));
    if (pos?.value.kind !== 'position') return `${key}: no position finding`;
    const got = pos.value.position[part.axis];
    return Math.abs(got - Number(value)) < 1e-7 ? undefined : `${key}: ${got} != ${value}`;
  }
  const f = findXmp(findings, prefix, name);
  if (!f) return `${key}: no finding`;
  const want = Array.isArray(value) ? value.map(String).join(', ') : String(value);
  const v = f.value;
  if (v.kind === 'number')
    return Math.abs(v.value - Number(value)) < 1e-9 ? undefined : `${key}: ${v.value} != ${want}`;
  if (v.kind === 'text' || v.kind === 'time') {
    if (v.text === want) return undefined;
    // ExifTool -n still prints numbers and booleans its own way: compare those as numbers.
    if (typeof value === 'number' && Number(v.text) === value) return undefined;
    if (typeof value === 'boolean' && v.text.toLowerCase() === String(value)) return undefined;
    return `${key}: '${v.text}' != '${want}'`;
  }
  return `${key}: unexpected ${v.kind}`;
}

/** Byte counts ExifTool prints for binary tags: '(Binary data 2314 bytes, …)'. */
export const binaryLength = (v: unknown): number | undefined => {
  const m = /^\(Binary data (\d+) bytes/.exec(String(v));
  return m ? Number(m[1]) : undefined;
};

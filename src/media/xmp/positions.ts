/**
 * Positions scattered over several XMP properties become ONE position finding each, whose ranges
 * cover every property it came from: DJI's drone position (with the misspelt GpsLongtitude),
 * DJI's laser-range-finder target, and exif:GPS* in the XMP form ("41,24.5N").
 */
import type { Category, Finding, Position } from '../../findings/model.js';
import type { XmpProperty } from './rdf.js';

interface PositionSpec {
  category: Category;
  lat: string;
  lon: string[];
  alt?: string;
  altRef?: string;
  parse: (s: string) => number | undefined;
}

/** Decimal degrees as DJI writes them ('+22.5397', '-113.94'). */
export const parseDecimal = (s: string): number | undefined => {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
};

/** XMP spec GPSCoordinate: "DDD,MM,SSk" or "DDD,MM.mmk", k in NSEW; signed decimals tolerated. */
export const parseXmpCoordinate = (s: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$/i.exec(s);
  if (!m) return parseDecimal(s);
  const deg = Number(m[1]) + Number(m[2]) / 60 + (m[3] ? Number(m[3]) / 3600 : 0);
  return /[SW]/i.test(m[4] as string) ? -deg : deg;
};

/** XMP rationals ('1234/10') or decimals. */
export const parseRational = (s: string): number | undefined => {
  const m = /^\s*([+-]?\d+)\/(\d+)\s*$/.exec(s);
  if (m) return Number(m[2]) === 0 ? undefined : Number(m[1]) / Number(m[2]);
  return parseDecimal(s);
};

const SPECS: PositionSpec[] = [
  {
    category: 'location.drone',
    lat: 'drone-dji:GpsLatitude',
    lon: ['drone-dji:GpsLongitude', 'drone-dji:GpsLongtitude'],
    alt: 'drone-dji:AbsoluteAltitude',
    parse: parseDecimal,
  },
  {
    category: 'location.target',
    lat: 'drone-dji:LRFTargetLat',
    lon: ['drone-dji:LRFTargetLon'],
    alt: 'drone-dji:LRFTargetAbsAlt',
    parse: parseDecimal,
  },
  {
    category: 'location.drone',
    lat: 'exif:GPSLatitude',
    lon: ['exif:GPSLongitude'],
    alt: 'exif:GPSAltitude',
    altRef: 'exif:GPSAltitudeRef',
    parse: parseXmpCoordinate,
  },
  {
    category: 'location.target',
    lat: 'exif:GPSDestLatitude',
    lon: ['exif:GPSDestLongitude'],
    parse: parseXmpCoordinate,
  },
];

/**
 * Builds the position findings and returns the tags they consumed (latitude and longitude;
 * altitudes stay findings of their own as well).
 */
export function combinePositions(
  props: Map<string, XmpProperty>,
  path: string[],
): { findings: Finding[]; consumed: Set<string> } {
  const findings: Finding[] = [];
  const consumed = new Set<string>();
  const one = (tag: string | undefined, parse: (s: string) => number | undefined): number | undefined => {
    const p = tag === undefined ? undefined : props.get(tag);
    return p && p.values.length === 1 ? parse(p.values[0] as string) : undefined;
  };
  for (const spec of SPECS) {
    const lat = one(spec.lat, spec.parse);
    const lonTags = spec.lon.filter((t) => props.has(t));
    const lonTag = lonTags.find((t) => one(t, spec.parse) !== undefined);
    const lon = one(lonTag, spec.parse);
    if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
    const position: Position = { lat, lon };
    const used = [spec.lat, ...lonTags];
    let alt = one(spec.alt, parseRational);
    if (alt !== undefined && spec.alt) {
      if (spec.altRef && one(spec.altRef, parseDecimal) === 1) alt = -alt;
      position.alt = alt;
      used.push(spec.alt);
      if (spec.altRef && props.has(spec.altRef)) used.push(spec.altRef);
    }
    findings.push({
      category: spec.category,
      tag: spec.lat,
      path,
      ranges: used.flatMap((t) => props.get(t)?.ranges ?? []),
      value: { kind: 'position', position },
    });
    consumed.add(spec.lat);
    for (const t of lonTags) consumed.add(t);
  }
  return { findings, consumed };
}

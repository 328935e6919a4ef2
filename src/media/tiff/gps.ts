/**
 * The GPS IFD: latitude/longitude/altitude with their references become ONE position finding
 * (signed degrees, as ExifTool's Composite tags); every other GPS tag is its own finding.
 */
import type { Category, Finding, Range } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { reportEntry } from './entry.js';
import { decodeAscii, decodeNumbers } from './format.js';
import { entryBytes, type Ifd, type IfdEntry, type TiffCtx } from './ifd.js';
import { GPS_TAGS } from './tags.js';

const LAT_REF = 0x01;
const LAT = 0x02;
const LON_REF = 0x03;
const LON = 0x04;
const ALT_REF = 0x05;
const ALT = 0x06;
const DEST_LAT_REF = 0x13;
const DEST_LAT = 0x14;
const DEST_LON_REF = 0x15;
const DEST_LON = 0x16;

export function reportGpsIfd(ctx: TiffCtx, ifd: Ifd, path: string[], out: Collector): void {
  const byTag = new Map<number, IfdEntry>();
  for (const e of ifd.entries) if (!byTag.has(e.tag)) byTag.set(e.tag, e);
  const consumed = new Set<IfdEntry>();

  const drone = position(ctx, byTag, [LAT_REF, LAT, LON_REF, LON], path);
  if (drone) {
    const altE = byTag.get(ALT);
    const alt = altE ? altitude(ctx, altE, byTag.get(ALT_REF), path) : undefined;
    if (alt !== undefined) {
      drone.position.alt = alt;
      drone.ranges.push(...rangesOf([altE, byTag.get(ALT_REF)]));
    }
    out.add(finding('location.drone', 'GPSPosition', path, drone.ranges, drone.position));
    for (const t of [LAT_REF, LAT, LON_REF, LON]) consumed.add(byTag.get(t) as IfdEntry);
  }
  const target = position(ctx, byTag, [DEST_LAT_REF, DEST_LAT, DEST_LON_REF, DEST_LON], path);
  if (target) {
    out.add(finding('location.target', 'GPSDestPosition', path, target.ranges, target.position));
    for (const t of [DEST_LAT_REF, DEST_LAT, DEST_LON_REF, DEST_LON]) consumed.add(byTag.get(t) as IfdEntry);
  }
  // Everything not folded into a position is reported as read, even empty/zero values.
  for (const e of ifd.entries) {
    if (consumed.has(e)) continue;
    const f = reportEntry(ctx, e, GPS_TAGS.get(e.tag), path, out);
    if (e.tag === ALT && f.value.kind === 'number' && byTag.get(ALT_REF)) {
      const below = refByte(ctx, byTag.get(ALT_REF) as IfdEntry, path) === 1;
      if (below) f.value = { kind: 'number', value: -f.value.value, unit: 'm' };
      else f.value = { ...f.value, unit: 'm' };
    }
    if (e.tag === 0x07 && f.value.kind === 'text') f.value = { kind: 'time', text: timeStamp(f.value.text) };
  }
}

interface Decoded {
  position: { lat: number; lon: number; alt?: number };
  ranges: Range[];
}

/** Signed degrees from [latRef, lat, lonRef, lon] entries, or undefined when any part is missing or unreadable. */
function position(
  ctx: TiffCtx,
  byTag: Map<number, IfdEntry>,
  tags: number[],
  path: string[],
): Decoded | undefined {
  const [latRefE, latE, lonRefE, lonE] = tags.map((t) => byTag.get(t));
  if (!latE || !lonE || !latRefE || !lonRefE) return undefined;
  const lat = degrees(ctx, latE, path);
  const lon = degrees(ctx, lonE, path);
  if (lat === undefined || lon === undefined) return undefined;
  const latRef = refText(ctx, latRefE, path);
  const lonRef = refText(ctx, lonRefE, path);
  return {
    position: { lat: latRef === 'S' ? -lat : lat, lon: lonRef === 'W' ? -lon : lon },
    ranges: rangesOf([latRefE, latE, lonRefE, lonE]),
  };
}

/** Degrees + minutes/60 + seconds/3600 (the three rationals of a GPS coordinate). */
function degrees(ctx: TiffCtx, e: IfdEntry, path: string[]): number | undefined {
  if (e.type !== 5 && e.type !== 10 && e.type !== 11 && e.type !== 12) return undefined;
  const n = decodeNumbers(e.type, entryBytes(ctx, e, `${path.at(-1)} coordinate`), ctx.e.le);
  if (n.length === 0 || n.some((x) => !Number.isFinite(x))) return undefined;
  return (n[0] ?? 0) + (n[1] ?? 0) / 60 + (n[2] ?? 0) / 3600;
}

function altitude(ctx: TiffCtx, e: IfdEntry, refE: IfdEntry | undefined, path: string[]): number | undefined {
  if (e.type !== 5 && e.type !== 10) return undefined;
  const [a] = decodeNumbers(e.type, entryBytes(ctx, e, `${path.at(-1)} GPSAltitude`), ctx.e.le);
  if (a === undefined || !Number.isFinite(a)) return undefined;
  return refE && refByte(ctx, refE, path) === 1 ? -a : a;
}

const refText = (ctx: TiffCtx, e: IfdEntry, path: string[]): string =>
  decodeAscii(entryBytes(ctx, e, `${path.at(-1)} reference`))
    .trim()
    .toUpperCase();

const refByte = (ctx: TiffCtx, e: IfdEntry, path: string[]): number | undefined =>
  entryBytes(ctx, e, `${path.at(-1)} GPSAltitudeRef`)[0];

/** "h m s" numbers as ExifTool prints GPSTimeStamp with -n: "17:17:58.65". */
function timeStamp(text: string): string {
  const parts = text.split(' ').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) return text;
  const [h, m, s] = parts as [number, number, number];
  const pad = (x: number): string => (x < 10 ? `0${x}` : String(x));
  return `${pad(h)}:${pad(m)}:${pad(s)}`;
}

const rangesOf = (es: (IfdEntry | undefined)[]): Range[] =>
  es
    .filter((e): e is IfdEntry => e !== undefined)
    .map((e) => ({ offset: e.valueOffset, length: e.valueLength }));

const finding = (
  category: Category,
  tag: string,
  path: string[],
  ranges: Range[],
  position: Decoded['position'],
): Finding => ({ category, tag, path, ranges, value: { kind: 'position', position } });

/**
 * The text a replaced XMP value is written as, in the carrier's own notation: DJI's signed
 * decimals, the XMP GPSCoordinate "DD,MM.mmmmmmmk", rationals for GPSAltitude. Coarsened degrees
 * are exact to 1e-7 (COARSE_DECIMALS), so every carrier of a file reads back the same number.
 */
import type { Value } from '../../findings/model.js';
import { COARSE_DECIMALS, formatCoarseDegrees } from '../../scrub/coarsen.js';

const LAT = new Set(['drone-dji:GpsLatitude', 'drone-dji:LRFTargetLat']);
const LON = new Set(['drone-dji:GpsLongitude', 'drone-dji:GpsLongtitude', 'drone-dji:LRFTargetLon']);
const ALT = new Set(['drone-dji:AbsoluteAltitude', 'drone-dji:LRFTargetAbsAlt']);
const XMP_LAT = new Set(['exif:GPSLatitude', 'exif:GPSDestLatitude']);
const XMP_LON = new Set(['exif:GPSLongitude', 'exif:GPSDestLongitude']);

/** '+12.50' → { plus: true, decimals: 2 }: the look of the original number. */
function style(original: string): { plus: boolean; decimals: number } {
  const t = original.trim();
  const dot = t.indexOf('.');
  const digits = dot < 0 ? 0 : (/^\d*/.exec(t.slice(dot + 1))?.[0].length ?? 0);
  return { plus: t.startsWith('+'), decimals: digits };
}

const signed = (n: number, plus: boolean, decimals: number): string => {
  const s = n.toFixed(decimals);
  return plus && n >= 0 ? `+${s}` : s;
};

/**
 * XMP GPSCoordinate "DD,MM.mmmmmmmk" from degrees, computed in integer units of 1e-7 degree so
 * that DD + MM.mmmmmmm/60 reads back the 7-decimal value (to well under 1e-7).
 */
export function xmpCoordinate(deg: number, pos: string, neg: string): string {
  const scale = 10 ** COARSE_DECIMALS;
  const units = Math.round(Math.abs(deg) * scale);
  const whole = Math.floor(units / scale);
  const minuteUnits = (units - whole * scale) * 60; // minutes × 1e7, an integer
  const minutes = Math.floor(minuteUnits / scale);
  const frac = String(minuteUnits - minutes * scale).padStart(COARSE_DECIMALS, '0');
  return `${whole},${String(minutes).padStart(2, '0')}.${frac}${deg < 0 ? neg : pos}`;
}

/**
 * The new text for property `tag` (whose text was `original`) under a replaced `value`, or
 * undefined when this carrier cannot hold it (the property is then removed).
 */
export function replacementText(tag: string, original: string, value: Value): string | undefined {
  if (value.kind === 'position') {
    const p = value.position;
    const s = style(original);
    if (LAT.has(tag))
      return s.plus && p.lat >= 0 ? `+${formatCoarseDegrees(p.lat)}` : formatCoarseDegrees(p.lat);
    if (LON.has(tag))
      return s.plus && p.lon >= 0 ? `+${formatCoarseDegrees(p.lon)}` : formatCoarseDegrees(p.lon);
    if (XMP_LAT.has(tag)) return xmpCoordinate(p.lat, 'N', 'S');
    if (XMP_LON.has(tag)) return xmpCoordinate(p.lon, 'E', 'W');
    if (p.alt === undefined) return undefined;
    if (ALT.has(tag)) return signed(p.alt, s.plus, s.decimals);
    if (tag === 'exif:GPSAltitude') return `${Math.round(Math.abs(p.alt))}/1`;
    if (tag === 'exif:GPSAltitudeRef') return p.alt < 0 ? '1' : '0';
    return undefined;
  }
  if (value.kind === 'number') {
    if (/^\s*[+-]?\d+\/\d+\s*$/.test(original)) return `${value.value}/1`;
    const s = style(original);
    return signed(value.value, s.plus, s.decimals);
  }
  if (value.kind === 'text' || value.kind === 'time') return value.text;
  return undefined;
}

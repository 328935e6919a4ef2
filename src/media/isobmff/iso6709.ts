/**
 * ISO 6709 point strings, as QuickTime '©xyz' and the Keys 'location.ISO6709' carry them:
 * "+51.5074-000.1278+015.000/", or in degrees and minutes "+5130.44-00007.67/", or with
 * seconds "+513026.6-0000740.1/". Latitude has 2 integer digits of degrees, longitude 3.
 */
import type { Position } from '../../findings/model.js';

const POINT =
  /^\s*([+-]\d{2,6}(?:\.\d*)?)([+-]\d{3,7}(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?(?:CRS[A-Za-z0-9_]*)?\/?\s*$/;

/** The position a string holds, or undefined when it is not an ISO 6709 point. */
export function parseIso6709(text: string): Position | undefined {
  const m = POINT.exec(text.replace(/\0+$/, ''));
  if (!m) return undefined;
  const lat = angle(m[1] as string, 2);
  const lon = angle(m[2] as string, 3);
  if (lat === undefined || lon === undefined) return undefined;
  const p: Position = { lat, lon };
  if (m[3] !== undefined) p.alt = Number(m[3]);
  return p;
}

/** Signed degrees from ±D…[.f], ±D…M M[.f] or ±D…MMSS[.f], `degreeDigits` digits of whole degrees. */
function angle(s: string, degreeDigits: number): number | undefined {
  const sign = s[0] === '-' ? -1 : 1;
  const body = s.slice(1);
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot);
  let value: number;
  if (whole.length === degreeDigits) value = Number(whole + frac);
  else if (whole.length === degreeDigits + 2)
    value = Number(whole.slice(0, degreeDigits)) + Number(whole.slice(degreeDigits) + frac) / 60;
  else if (whole.length === degreeDigits + 4)
    value =
      Number(whole.slice(0, degreeDigits)) +
      Number(whole.slice(degreeDigits, degreeDigits + 2)) / 60 +
      Number(whole.slice(degreeDigits + 2) + frac) / 3600;
  else return undefined;
  return Number.isFinite(value) ? sign * value : undefined;
}

/** "+DD.DDDDDDD+DDD.DDDDDDD[+AAA.AAA]/": a position as ©xyz and location.ISO6709 hold it, 7 decimals like every carrier. */
export function formatIso6709(p: Position): string {
  const part = (v: number, digits: number): string => {
    const [whole, frac] = Math.abs(v).toFixed(7).split('.');
    return `${v < 0 ? '-' : '+'}${(whole as string).padStart(digits, '0')}.${frac}`;
  };
  const a =
    p.alt === undefined ? '' : `${p.alt < 0 ? '-' : '+'}${Math.abs(p.alt).toFixed(3).padStart(7, '0')}`;
  return `${part(p.lat, 2)}${part(p.lon, 3)}${a}/`;
}

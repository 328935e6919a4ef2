/**
 * The one coarsening grid (issue 3): every carrier of a file (EXIF, XMP, SRT, CSV) writes the
 * same coarsened value, so copies never disagree.
 *
 * - latitude step = metres / 111,320 degrees; the latitude becomes its cell's centre;
 * - longitude step = metres / (111,320 × cos(snapped latitude)); the longitude becomes its cell's centre;
 * - altitude rounded to the nearest 100 m (halves upward);
 * - both degrees are then rounded to 7 decimals (COARSE_DECIMALS): the precision every writer
 *   round-trips exactly (EXIF degrees as n/10^7, text printed with toFixed(7)).
 *
 * Stable: a coarsened point lies 5e-8° at most from its cell's centre, far inside the cell, so
 * coarsening it again gives it back.
 */
import type { Position } from '../findings/model.js';

export const METRES_PER_DEGREE = 111_320;
/** Decimals every carrier writes a coarsened degree with. */
export const COARSE_DECIMALS = 7;
/** Altitudes are rounded to this many metres. */
export const ALTITUDE_STEP_METRES = 100;

const SCALE = 10 ** COARSE_DECIMALS;
const round7 = (x: number): number => {
  const r = Math.round(x * SCALE) / SCALE;
  return r === 0 ? 0 : r; // no '-0.0000000' in a text carrier
};

/** The centre of the cell of width `step` holding `x`, kept within ±`limit`. */
function cellCentre(x: number, step: number, limit: number): number {
  let k = Math.floor(x / step);
  // A point on the upper edge (lat 90, lon 180) would get a cell centred beyond it.
  if ((k + 0.5) * step > limit) k -= 1;
  if ((k + 0.5) * step < -limit) k += 1;
  return (k + 0.5) * step;
}

/** An altitude rounded to 100 m. */
export function coarsenAltitude(alt: number): number {
  const r = Math.round(alt / ALTITUDE_STEP_METRES) * ALTITUDE_STEP_METRES;
  return r === 0 ? 0 : r;
}

export function coarsenPosition(p: Position, metres: number): Position {
  if (!(metres > 0) || !Number.isFinite(metres)) throw new RangeError(`coarsen: grid of ${metres} m`);
  const latStep = metres / METRES_PER_DEGREE;
  const lat = cellCentre(p.lat, latStep, 90);
  const lonStep = metres / (METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
  // Within a cell of the pole the whole circle of longitude is one cell.
  const lon = lonStep >= 360 || !Number.isFinite(lonStep) ? 0 : cellCentre(p.lon, lonStep, 180);
  const out: Position = { lat: round7(lat), lon: round7(lon) };
  if (p.alt !== undefined) out.alt = coarsenAltitude(p.alt);
  return out;
}

/** A coarsened degree as text carriers print it (same digits as the EXIF rational n/10^7). */
export const formatCoarseDegrees = (deg: number): string => deg.toFixed(COARSE_DECIMALS);

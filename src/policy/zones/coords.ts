/**
 * Checks GeoJSON coordinate arrays from an untrusted zone file and turns them into rings.
 * Counts vertices against one limit so a huge file fails with a clear error, not an OOM.
 */
import { bound } from '../../core/limits.js';
import type { Ring } from '../types.js';
import { ZoneFileError } from './errors.js';

/** Vertices read from one zone file. */
export const MAX_ZONE_VERTICES = 5_000_000;

export class VertexBudget {
  private used = 0;
  take(n: number): void {
    this.used += n;
    bound(this.used, MAX_ZONE_VERTICES, 'zone file vertices');
  }
}

export function lonLatOf(v: unknown, where: string): [number, number] {
  if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') {
    throw new ZoneFileError(where, 'expected a position [lon, lat]');
  }
  const [lon, lat] = v as [number, number];
  if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) {
    throw new ZoneFileError(where, `position [${lon}, ${lat}] is not lon -180..180, lat -90..90`);
  }
  return [lon, lat];
}

export function ringOf(v: unknown, where: string, budget: VertexBudget): Ring {
  if (!Array.isArray(v) || v.length < 3)
    throw new ZoneFileError(where, 'expected a ring of 3 positions or more');
  budget.take(v.length);
  return v.map((p, i) => lonLatOf(p, `${where}[${i}]`));
}

export function polygonOf(v: unknown, where: string, budget: VertexBudget): Ring[] {
  if (!Array.isArray(v) || v.length < 1) throw new ZoneFileError(where, 'expected polygon rings');
  return v.map((r, i) => ringOf(r, `${where}[${i}]`, budget));
}

export function multiPolygonOf(v: unknown, where: string, budget: VertexBudget): Ring[][] {
  if (!Array.isArray(v) || v.length < 1) throw new ZoneFileError(where, 'expected a list of polygons');
  return v.map((p, i) => polygonOf(p, `${where}[${i}]`, budget));
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

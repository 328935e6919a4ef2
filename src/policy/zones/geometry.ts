/**
 * Is a position inside a zone shape. Polygons are tested by ray casting on plain lon/lat:
 * right for zones of city scale, wrong near the poles and across the antimeridian (no
 * protected site of ours lies there). Circles use the haversine distance on a sphere.
 */
import type { Position } from '../../findings/model.js';
import type { Ring, Shape } from '../types.js';

/** IUGG mean Earth radius, metres. */
const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number): number => (deg * Math.PI) / 180;

export function haversineMetres(a: Position, b: Position): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Even-odd ray cast towards +lon; the ring may be open or closed. */
export function inRing(ring: Ring, lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function inShape(shape: Shape, p: Position): boolean {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon)) return false;
  switch (shape.type) {
    case 'circle':
      return haversineMetres(shape.center, p) <= shape.radius;
    case 'polygon': {
      const [outline, ...holes] = shape.rings;
      return (
        outline !== undefined && inRing(outline, p.lon, p.lat) && !holes.some((h) => inRing(h, p.lon, p.lat))
      );
    }
  }
}

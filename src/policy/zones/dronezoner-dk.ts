/**
 * Denmark's drone-zone GeoJSON (Trafikstyrelsen, dronezoner.dk): polygons, plus Points whose
 * `Bufferzone` ("5 km", "150 m", "150") gives the radius. Points without one mark a place
 * whose area, if any, is a polygon of its own: they are skipped unless the import gives a
 * pointRadius. Inactive zones (Aktiv: NEJ) are kept: more protection, never less.
 */
import { type ImportedZone, zonesFromGeoJson } from './geojson.js';

export function bufferMetres(v: unknown): number | undefined {
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*(km|m)?\s*$/i.exec(v);
  if (!m?.[1]) return undefined;
  const n = Number(m[1].replace(',', '.'));
  return n > 0 ? (m[2]?.toLowerCase() === 'km' ? n * 1000 : n) : undefined;
}

export const zonesFromDronezonerDk = (doc: unknown, label: string, pointRadius?: number): ImportedZone[] =>
  zonesFromGeoJson(doc, {
    label,
    ...(pointRadius !== undefined ? { pointRadius } : {}),
    radiusOf: (p) => bufferMetres(p.Bufferzone),
    skipPointsWithoutRadius: true,
  });

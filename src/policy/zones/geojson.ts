/**
 * GeoJSON zones (RFC 7946): a FeatureCollection, a Feature, or a bare Polygon / MultiPolygon.
 * Also reads ED-318 documents (a FeatureCollection whose properties carry identifier and name)
 * and, with a radius, Point features. Each feature is one zone.
 */
import type { Shape } from '../types.js';
import { isRecord, lonLatOf, multiPolygonOf, polygonOf, VertexBudget } from './coords.js';
import { ZoneFileError } from './errors.js';

export interface ImportedZone {
  name: string;
  shapes: Shape[];
}

export interface GeoJsonOptions {
  /** Used in names of features that carry none. */
  label: string;
  /** Radius (metres) given to Point features; without one a Point is an error. */
  pointRadius?: number;
  /** A per-feature radius for Points (a dataset's own buffer property); undefined = none given. */
  radiusOf?: (props: Record<string, unknown>) => number | undefined;
  /** Whether a Point without any radius is skipped (a label point) instead of an error. */
  skipPointsWithoutRadius?: boolean;
}

/** RFC 7946 §3.1.8 discourages nesting at all; a few levels is generous. */
const MAX_COLLECTION_DEPTH = 4;

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/** ED-269/ED-318 style 'identifier name', else a common name property, else label #id. */
export function featureName(props: Record<string, unknown>, label: string, index: number): string {
  const id = text(props.identifier);
  const name = text(props.name);
  if (id && name) return `${id} ${name}`;
  const own = id ?? name ?? text(props.title) ?? text(props.NAME) ?? text(props.Name);
  const n = text(props.OBJECTID) ?? text(props.id) ?? String(index + 1);
  return own ? own : `${label} #${n}`;
}

function shapesOf(
  geom: unknown,
  where: string,
  props: Record<string, unknown>,
  opts: GeoJsonOptions,
  budget: VertexBudget,
  depth = 0,
): Shape[] | undefined {
  if (depth > MAX_COLLECTION_DEPTH) throw new ZoneFileError(where, 'GeometryCollections nested too deep');
  if (!isRecord(geom)) throw new ZoneFileError(where, 'expected a geometry object');
  const coordinates = geom.coordinates;
  switch (geom.type) {
    case 'Polygon':
      return [{ type: 'polygon', rings: polygonOf(coordinates, `${where}.coordinates`, budget) }];
    case 'MultiPolygon':
      return multiPolygonOf(coordinates, `${where}.coordinates`, budget).map((rings) => ({
        type: 'polygon',
        rings,
      }));
    case 'Point': {
      const [lon, lat] = lonLatOf(coordinates, `${where}.coordinates`);
      const radius = opts.radiusOf?.(props) ?? opts.pointRadius;
      if (radius === undefined) {
        if (opts.skipPointsWithoutRadius) return undefined;
        throw new ZoneFileError(where, 'a Point has no area: give the import a pointRadius (metres)');
      }
      return [{ type: 'circle', center: { lat, lon }, radius }];
    }
    case 'GeometryCollection': {
      const parts = geom.geometries;
      if (!Array.isArray(parts)) throw new ZoneFileError(`${where}.geometries`, 'expected a list');
      return parts.flatMap(
        (g, i) => shapesOf(g, `${where}.geometries[${i}]`, props, opts, budget, depth + 1) ?? [],
      );
    }
    default:
      throw new ZoneFileError(`${where}.type`, `geometry type ${JSON.stringify(geom.type)} is not an area`);
  }
}

export function zonesFromGeoJson(doc: unknown, opts: GeoJsonOptions): ImportedZone[] {
  const budget = new VertexBudget();
  if (!isRecord(doc)) throw new ZoneFileError('', 'expected a JSON object');
  const features: unknown[] =
    doc.type === 'FeatureCollection'
      ? Array.isArray(doc.features)
        ? doc.features
        : []
      : doc.type === 'Feature'
        ? [doc]
        : [{ type: 'Feature', properties: {}, geometry: doc }];
  if (doc.type === 'FeatureCollection' && !Array.isArray(doc.features)) {
    throw new ZoneFileError('features', 'expected a list of features');
  }
  const prefix = doc.type === 'FeatureCollection' ? (i: number) => `features[${i}]` : () => '';
  const zones: ImportedZone[] = [];
  features.forEach((f, i) => {
    const where = prefix(i);
    if (!isRecord(f)) throw new ZoneFileError(where, 'expected a Feature object');
    if (f.geometry === null) return; // RFC 7946 §3.2: an unlocated feature, nothing to test against
    const props = isRecord(f.properties) ? f.properties : {};
    const shapes = shapesOf(f.geometry, where ? `${where}.geometry` : 'geometry', props, opts, budget);
    if (shapes && shapes.length > 0) zones.push({ name: featureName(props, opts.label, i), shapes });
  });
  return zones;
}

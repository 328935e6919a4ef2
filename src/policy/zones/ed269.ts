/**
 * ED-269 (EUROCAE UAS geographical zones) documents: features[] each with an identifier, a
 * name and geometry[] volumes whose horizontalProjection is a Polygon or a Circle
 * ({center: [lon, lat], radius}, in the volume's uomDimensions, metres unless 'FT').
 * Vertical limits are not used: a photo's position is judged on the map only.
 */
import type { Shape } from '../types.js';
import { isRecord, lonLatOf, polygonOf, VertexBudget } from './coords.js';
import { ZoneFileError } from './errors.js';
import { featureName, type ImportedZone } from './geojson.js';

const FOOT_M = 0.3048;

function volumeShape(v: unknown, where: string, budget: VertexBudget): Shape {
  if (!isRecord(v)) throw new ZoneFileError(where, 'expected a volume object');
  const hp = v.horizontalProjection;
  const at = `${where}.horizontalProjection`;
  if (!isRecord(hp)) throw new ZoneFileError(at, 'expected a horizontalProjection object');
  if (hp.type === 'Polygon')
    return { type: 'polygon', rings: polygonOf(hp.coordinates, `${at}.coordinates`, budget) };
  if (hp.type === 'Circle') {
    const [lon, lat] = lonLatOf(hp.center, `${at}.center`);
    const r = hp.radius;
    if (typeof r !== 'number' || !(r > 0) || !Number.isFinite(r)) {
      throw new ZoneFileError(`${at}.radius`, 'expected a positive radius');
    }
    const unit = typeof v.uomDimensions === 'string' ? v.uomDimensions.toUpperCase() : 'M';
    if (unit !== 'M' && unit !== 'FT')
      throw new ZoneFileError(`${where}.uomDimensions`, `unknown unit ${unit}`);
    return { type: 'circle', center: { lat, lon }, radius: unit === 'FT' ? r * FOOT_M : r };
  }
  throw new ZoneFileError(`${at}.type`, `expected Polygon or Circle, found ${JSON.stringify(hp.type)}`);
}

/** Whether a parsed document has ED-269's shape (volumes listed under each feature's geometry). */
export const looksLikeEd269 = (doc: unknown): boolean =>
  isRecord(doc) &&
  Array.isArray(doc.features) &&
  doc.features.length > 0 &&
  doc.features.every((f) => isRecord(f) && Array.isArray(f.geometry));

export function zonesFromEd269(doc: unknown, label: string): ImportedZone[] {
  const budget = new VertexBudget();
  if (!isRecord(doc) || !Array.isArray(doc.features))
    throw new ZoneFileError('features', 'expected a list of features');
  return doc.features.map((f, i) => {
    const where = `features[${i}]`;
    if (!isRecord(f)) throw new ZoneFileError(where, 'expected a feature object');
    if (!Array.isArray(f.geometry) || f.geometry.length === 0) {
      throw new ZoneFileError(`${where}.geometry`, 'expected a list of volumes');
    }
    const shapes = f.geometry.map((v, j) => volumeShape(v, `${where}.geometry[${j}]`, budget));
    return { name: featureName(f, label, i), shapes };
  });
}

/**
 * Reads one zone file named by the policy: bounded size, UTF-8 with or without the BOM that
 * live ED-269 feeds carry, then the format's reader. Errors are ZoneFileError (what and where
 * in the zone file) or AirlockError (I/O, limits); the loader adds the policy's line:column.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { bound, LIMITS } from '../../core/limits.js';
import { zonesFromDronezonerDk } from './dronezoner-dk.js';
import { looksLikeEd269, zonesFromEd269 } from './ed269.js';
import { ZoneFileError } from './errors.js';
import { type ImportedZone, zonesFromGeoJson } from './geojson.js';

export type ZoneFormat = 'auto' | 'geojson' | 'ed269' | 'dronezoner-dk';

/** Parses zone-file text; exported apart from the file read so tests can feed hostile bytes. */
export function parseZoneText(
  text: string,
  label: string,
  format: ZoneFormat = 'auto',
  pointRadius?: number,
): ImportedZone[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ZoneFileError('', `not JSON: ${(e as Error).message}`);
  }
  const chosen = format === 'auto' ? (looksLikeEd269(doc) ? 'ed269' : 'geojson') : format;
  switch (chosen) {
    case 'ed269':
      return zonesFromEd269(doc, label);
    case 'dronezoner-dk':
      return zonesFromDronezonerDk(doc, label, pointRadius);
    case 'geojson':
      return zonesFromGeoJson(doc, { label, ...(pointRadius !== undefined ? { pointRadius } : {}) });
  }
}

export function readZoneFile(
  path: string,
  format: ZoneFormat = 'auto',
  pointRadius?: number,
): ImportedZone[] {
  bound(statSync(path).size, LIMITS.maxBlockBytes, 'zone file bytes');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).syscall) throw e;
    throw new ZoneFileError('', 'not UTF-8 text');
  }
  return parseZoneText(text, basename(path), format, pointRadius);
}

export { ZoneFileError };

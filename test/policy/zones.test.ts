import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haversineMetres, parsePolicy, zoneHits } from '../../src/policy/index.js';
import { parseZoneText } from '../../src/policy/zones/import.js';
import { CORPUS, corpusDir, corpusFile } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const GEOZONES = corpusDir('geozones').filter((f) => f.endsWith('.json'));
const DJI_JPEG = corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg');

/** The photo's position as ExifTool reads it (the oracle), signed degrees. */
function exiftoolPosition(file: string): { lat: number; lon: number } {
  const [rec] = exiftoolJson([file], ['-GPSLatitude', '-GPSLongitude']);
  const lat = rec?.['GPS:GPSLatitude'];
  const lon = rec?.['GPS:GPSLongitude'];
  if (typeof lat !== 'number' || typeof lon !== 'number') throw new Error('exiftool gave no position');
  return { lat, lon };
}

/** The zone file as plain JSON (BOM stripped here, independently of the code under test). */
const rawJson = (file: string): { features: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));

const importPolicy = (file: string, extra = '') =>
  parsePolicy(`zones:\n  - import: ${basename(file)}\n${extra}`, 'airlock.yaml', {
    baseDir: `${CORPUS}/geozones`,
  });

describe('corpus geozone files import', () => {
  it('finds the files the corpus README describes', () => {
    expect(GEOZONES.map((f) => basename(f))).toEqual(
      expect.arrayContaining(['ed269-ch.json', 'ed269-fi.json', 'ed318-ie.json']),
    );
  });

  for (const file of GEOZONES) {
    const name = basename(file);
    it(`${name}: one zone per feature with an area, named as the file names it`, () => {
      const dk = name.startsWith('dronezoner-dk');
      const p = importPolicy(file, dk ? '    format: dronezoner-dk\n' : '');
      const features = rawJson(file).features;
      if (name.startsWith('ed269') || name.startsWith('ed318')) {
        // ED-269 features carry identifier+name at top level, ED-318 in properties.
        const expected = features.map((f) => {
          const props = (name.startsWith('ed269') ? f : f.properties) as Record<string, string>;
          return `${props.identifier} ${props.name}`;
        });
        expect(p.zones.map((z) => z.name)).toEqual(expected);
      } else if (dk) {
        // Points with no Bufferzone mark a place, not an area.
        const withArea = features.filter(
          (f) =>
            (f.geometry as { type: string }).type !== 'Point' ||
            (f.properties as { Bufferzone: unknown }).Bufferzone,
        );
        expect(p.zones).toHaveLength(withArea.length);
      } else {
        expect(p.zones).toHaveLength(features.length);
      }
      for (const z of p.zones) {
        expect(z.source).toBe(name);
        expect(z.shapes.length).toBeGreaterThan(0);
      }
    });
  }

  it('ed269-fi.json starts with a UTF-8 BOM and still imports', () => {
    const bytes = readFileSync(corpusFile('geozones', 'ed269-fi.json'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(importPolicy(corpusFile('geozones', 'ed269-fi.json')).zones).toHaveLength(2);
  });

  it('ED-269: flags a point inside Helsinki-Vantaa, naming the zone, and not one outside', () => {
    const p = importPolicy(corpusFile('geozones', 'ed269-fi.json'));
    expect(zoneHits([{ role: 'drone', position: { lat: 60.32, lon: 24.95 } }], p)).toEqual([
      { zone: 'FI-R-EFHK Helsinki-Vantaa lentoasema', role: 'drone', action: 'withhold' },
    ]);
    expect(zoneHits([{ role: 'drone', position: { lat: 60.32, lon: 25.01 } }], p)).toEqual([]);
  });

  it('ED-269 multi-volume zone: either volume counts, the gap between them does not', () => {
    const p = importPolicy(corpusFile('geozones', 'ed269-ch.json'));
    const at = (lon: number) =>
      zoneHits([{ role: 'target', position: { lat: 47.05, lon } }], p).map((h) => h.zone);
    expect(at(8.3)).toEqual(['CH-MV-2VOL LU - Multi-volume zone, shared limits']);
    expect(at(8.36)).toEqual(['CH-MV-2VOL LU - Multi-volume zone, shared limits']);
    expect(at(8.335)).toEqual([]);
  });

  it('ED-318 MultiPolygon with a hole: inside the ring flags, inside the hole does not', () => {
    const p = importPolicy(corpusFile('geozones', 'ed318-ie.json'));
    expect(zoneHits([{ role: 'drone', position: { lat: 51.61, lon: -8.49 } }], p).map((h) => h.zone)).toEqual(
      ['U901 Example Control Zone - Red Zone'],
    );
    expect(zoneHits([{ role: 'drone', position: { lat: 51.645, lon: -8.45 } }], p)).toEqual([]);
  });

  it('Danish Bufferzone "5 km" becomes a 5000 m circle around the point', () => {
    const p = importPolicy(corpusFile('geozones', 'dronezoner-dk.json'), '    format: dronezoner-dk\n');
    const circles = p.zones.flatMap((z) => z.shapes).filter((s) => s.type === 'circle');
    expect(circles.map((c) => c.radius).sort((a, b) => a - b)).toEqual([150, 2000, 3000, 5000]);
  });

  it('no corpus photo lies inside any corpus zone (as the corpus states)', () => {
    const dk = importPolicy(corpusFile('geozones', 'dronezoner-dk.json'), '    format: dronezoner-dk\n');
    const others = GEOZONES.filter((f) => !basename(f).startsWith('dronezoner')).map((f) => importPolicy(f));
    const pos = exiftoolPosition(DJI_JPEG);
    for (const p of [dk, ...others]) expect(zoneHits([{ role: 'drone', position: pos }], p)).toEqual([]);
  });
});

describe('zones built around a known position (ExifTool reads it from a DJI photo)', () => {
  const pos = exiftoolPosition(DJI_JPEG);
  // 100 m north of the photo, in degrees of latitude on the mean sphere.
  const metresToLat = (m: number) => (m / 6_371_008.8) * (180 / Math.PI);

  it('haversine: one degree of latitude is R·π/180 metres', () => {
    expect(haversineMetres({ lat: 10, lon: 20 }, { lat: 11, lon: 20 })).toBeCloseTo(
      (6_371_008.8 * Math.PI) / 180,
      3,
    );
  });

  it('circle: inside at 99 m, outside at 101 m', () => {
    const p = parsePolicy(
      `zones:\n  - name: Site\n    circle: {lat: ${pos.lat}, lon: ${pos.lon}, radius: 100}\n`,
      'a.yaml',
    );
    const at = (m: number) =>
      zoneHits([{ role: 'drone', position: { lat: pos.lat + metresToLat(m), lon: pos.lon } }], p);
    expect(at(99)).toEqual([{ zone: 'Site', role: 'drone', action: 'withhold' }]);
    expect(at(101)).toEqual([]);
  });

  it('polygon with a hole, and drop-location as the action', () => {
    const { lat, lon } = pos;
    const d = 0.001;
    const ring = (r: number) =>
      `[[${lon - r}, ${lat - r}], [${lon + r}, ${lat - r}], [${lon + r}, ${lat + r}], [${lon - r}, ${lat + r}], [${lon - r}, ${lat - r}]]`;
    const outer = parsePolicy(
      `zones:\n  - name: Box\n    action: drop-location\n    polygon: [${ring(d)}]\n`,
      'a.yaml',
    );
    expect(zoneHits([{ role: 'target', position: pos }], outer)).toEqual([
      { zone: 'Box', role: 'target', action: 'drop-location' },
    ]);
    expect(zoneHits([{ role: 'target', position: { lat, lon: lon + d * 1.01 } }], outer)).toEqual([]);
    const holed = parsePolicy(
      `zones:\n  - name: Ring\n    polygon: [${ring(d)}, ${ring(d / 2)}]\n`,
      'a.yaml',
    );
    expect(zoneHits([{ role: 'drone', position: pos }], holed)).toEqual([]);
    expect(zoneHits([{ role: 'drone', position: { lat, lon: lon + d * 0.75 } }], holed)).toHaveLength(1);
  });

  it('operator positions count only where a zone names the operator role', () => {
    const circle = `circle: {lat: ${pos.lat}, lon: ${pos.lon}, radius: 50}`;
    const dflt = parsePolicy(`zones:\n  - name: A\n    ${circle}\n`, 'a.yaml');
    expect(zoneHits([{ role: 'operator', position: pos }], dflt)).toEqual([]);
    const withOp = parsePolicy(`zones:\n  - name: A\n    roles: [operator]\n    ${circle}\n`, 'a.yaml');
    expect(zoneHits([{ role: 'operator', position: pos }], withOp)).toEqual([
      { zone: 'A', role: 'operator', action: 'withhold' },
    ]);
    expect(zoneHits([{ role: 'drone', position: pos }], withOp)).toEqual([]);
  });

  it('many frames inside one zone are one hit; NaN positions are never inside', () => {
    const p = parsePolicy(
      `zones:\n  - name: A\n    circle: {lat: ${pos.lat}, lon: ${pos.lon}, radius: 50}\n`,
      'a.yaml',
    );
    const frames = Array.from({ length: 1000 }, () => ({ role: 'drone' as const, position: pos }));
    expect(zoneHits(frames, p)).toHaveLength(1);
    expect(zoneHits([{ role: 'drone', position: { lat: Number.NaN, lon: pos.lon } }], p)).toEqual([]);
  });

  it('ED-269 Circle volumes: radius in metres, or feet when uomDimensions is FT', () => {
    const doc = (uom: string) =>
      JSON.stringify({
        features: [
          {
            identifier: 'T1',
            name: 'Test circle',
            geometry: [
              {
                uomDimensions: uom,
                horizontalProjection: { type: 'Circle', center: [pos.lon, pos.lat], radius: 1000 },
              },
            ],
          },
        ],
      });
    const [m] = parseZoneText(`\uFEFF${doc('M')}`, 'x.json');
    const [ft] = parseZoneText(doc('FT'), 'x.json');
    expect(m?.name).toBe('T1 Test circle');
    expect(m?.shapes).toEqual([{ type: 'circle', center: pos, radius: 1000 }]);
    expect(ft?.shapes[0]).toMatchObject({ radius: 304.8 });
  });
});

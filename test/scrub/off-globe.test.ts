/**
 * A position off the globe (a damaged or hostile latitude of 91, or an EXIF rational of 4e9) has
 * no cell on the coarsening grid. Scrub wrote it anyway, as a value no carrier holds (EXIF's
 * unsigned rationals wrapped), so verification failed and the file was withheld with a report of
 * every frame. Now such a position is dropped under 'coarsen', and the file is cleaned.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/model.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';

const drone = (lat: number, lon: number): Finding => ({
  category: 'location.drone',
  tag: 'GPSPosition',
  path: ['IFD0'],
  ranges: [{ offset: 10, length: 4 }],
  value: { kind: 'position', position: { lat, lon } },
});

describe('coarsen, default policy', () => {
  const decide = decideFor(defaultPolicy());
  it('drops a position off the globe and coarsens one on its edge', () => {
    for (const [lat, lon] of [
      [91, 10],
      [-90.5, 10],
      [45, 180.01],
      [4294967295, 4294967295],
      [Number.NaN, 0],
    ] as const)
      expect(decide(drone(lat, lon)), `${lat} ${lon}`).toEqual({ action: 'drop' });
    for (const [lat, lon] of [
      [90, 180],
      [-90, -180],
    ] as const)
      expect(decide(drone(lat, lon)).action).toBe('replace');
  });
});

describe('scrub of an SRT with one frame at latitude 91', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-off-globe-'));
  beforeAll(() => ensureBuilt());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is cleaned, not withheld: that position is gone, the other four coarsened', () => {
    const original = readFileSync(corpusFile('srt/embedder-air3S.SRT'), 'latin1');
    expect(original.match(/\[latitude: 34\.270373\]/g)).toHaveLength(5);
    const input = join(dir, 'air3s-lat91.SRT');
    writeFileSync(input, original.replace('[latitude: 34.270373]', '[latitude: 91.0]'), 'latin1');
    const r = airlock(['scrub', input, '--out', join(dir, 'out'), '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^clean\s/);
    const copy = join(dir, 'out', 'air3s-lat91.SRT');
    const out = readFileSync(copy, 'latin1');
    expect(out).not.toContain('91.0');
    expect(out.match(/latitude: /g)).toHaveLength(4);
    // What inspect finds in the copy: the four positions on the grid, none exact, none off the globe.
    const found = JSON.stringify(JSON.parse(airlock(['inspect', '--json', copy]).stdout));
    const lats = (found.match(/"lat":-?[\d.e+]+/g) ?? []).map((p) => Number(p.slice(6)));
    expect(lats.length).toBeGreaterThan(0);
    expect(new Set(lats)).toEqual(new Set([coarsenPosition({ lat: 34.270373, lon: 0 }, 1000).lat]));
  });
});

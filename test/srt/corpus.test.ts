/**
 * Every corpus SRT against an independent reader: the dji_srt_parser npm package's raw
 * per-cue values (smoothing off), with 0,0 read as "no fix". Where it cannot parse a file,
 * values copied by hand from the file are the oracle.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/model.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { positions, runSrtFile } from './helpers.js';

const require = createRequire(import.meta.url);
type Raw = Record<string, unknown>;
const DJISRTParser = require('dji_srt_parser') as (
  data: string,
  name: string,
) => {
  setSmoothing(n: number): unknown;
  rawMetadata(): Raw[];
} | null;

/** What the oracle says for one cue: drone and home lat/lon, undefined when absent or 0,0. */
function oracleCue(raw: Raw): { drone?: [number, number]; home?: [number, number] } {
  const r: { drone?: [number, number]; home?: [number, number] } = {};
  const gps = raw.GPS as number[] | undefined;
  const lat = (raw.latitude ?? raw.LATITUDE) as number | undefined;
  const lon = (raw.longitude ?? raw.longtitude ?? raw.LONGITUDE) as number | undefined;
  if (gps && typeof gps[0] === 'number' && typeof gps[1] === 'number') r.drone = [gps[1], gps[0]];
  else if (typeof lat === 'number' && typeof lon === 'number') r.drone = [lat, lon];
  if (r.drone && r.drone[0] === 0 && r.drone[1] === 0) delete r.drone;
  const home = raw.HOME as number[] | undefined;
  if (home && typeof home[0] === 'number' && typeof home[1] === 'number') r.home = [home[1], home[0]];
  return r;
}

function oracle(path: string): Raw[] | undefined {
  const silence = console.error;
  console.error = () => {};
  try {
    const p = DJISRTParser(readFileSync(path, 'utf8'), basename(path));
    if (!p) return undefined;
    p.setSmoothing(0);
    return p.rawMetadata();
  } catch {
    return undefined;
  } finally {
    console.error = silence;
  }
}

const latLon = (f: Finding | undefined): [number, number] | undefined =>
  f && f.value.kind === 'position' ? [f.value.position.lat, f.value.position.lon] : undefined;

const files = corpusDir('srt');
const parsedByOracle = files.filter((f) => (oracle(f)?.length ?? 0) > 0);

describe('SRT corpus against dji_srt_parser', () => {
  it('the oracle parses the samples it is expected to (all but the mixed and empty files)', () => {
    expect(parsedByOracle.map((f) => basename(f)).sort()).toEqual(
      files
        .map((f) => basename(f))
        .filter((n) => n !== 'srtparser-mix_p4rtk_mavic2pro.srt' && n !== 'srtparser-broken_empty.SRT')
        .sort(),
    );
  });

  it.each(parsedByOracle.map((f) => [basename(f), f]))('%s: every cue position matches', (_name, path) => {
    const raw = oracle(path) as Raw[];
    const { out } = runSrtFile(path);
    expect(out.facts.frames).toBe(raw.length);
    // Node 20 has no Map.groupBy.
    const byFrame = (c: Finding['category']) => {
      const m = new Map<number, Finding[]>();
      for (const f of positions(out.findings, c)) m.set(f.frame ?? 0, [...(m.get(f.frame ?? 0) ?? []), f]);
      return m;
    };
    const drones = byFrame('location.drone');
    const homes = byFrame('location.operator');
    let fixes = 0;
    raw.forEach((cue, i) => {
      const want = oracleCue(cue);
      const frame = i + 1;
      const drone = drones.get(frame) ?? [];
      const home = homes.get(frame) ?? [];
      expect(drone.length, `cue ${frame} drone`).toBe(want.drone ? 1 : 0);
      if (want.drone) {
        fixes++;
        expect(latLon(drone[0])).toEqual(want.drone);
      }
      expect(home.length, `cue ${frame} home`).toBe(want.home ? 1 : 0);
      if (want.home) expect(latLon(home[0])).toEqual(want.home);
    });
    expect(out.facts.framesWithFix).toBe(fixes);
  });

  it.each(files.map((f) => [basename(f), f]))(
    '%s: every position range holds its numbers in the file',
    (_n, path) => {
      const bytes = readFileSync(path);
      const { out } = runSrtFile(path);
      for (const f of out.findings) {
        if (f.value.kind !== 'position') continue;
        const texts = f.ranges.map((r) =>
          Number(
            bytes
              .subarray(r.offset, r.offset + r.length)
              .toString('utf8')
              .replace(/m$/, ''),
          ),
        );
        expect(texts).toContain(f.value.position.lat);
        expect(texts).toContain(f.value.position.lon);
      }
    },
  );
});

describe('SRT corpus: files the oracle cannot read, checked by hand', () => {
  it('mixed P4 RTK + Mavic 2 Pro file reads both layouts', () => {
    const { out, error } = runSrtFile(corpusFile('srt', 'srtparser-mix_p4rtk_mavic2pro.srt'));
    expect(error).toBeUndefined();
    expect(out.facts.layout).toBe('one-line+bracketed');
    expect(out.facts.frames).toBe(12);
    const drone = positions(out.findings, 'location.drone');
    expect(drone).toHaveLength(12);
    // Line 3 (cue 1): GPS (-59.409424, -34.650200, 16), HOME (-59.407880, -34.650736, 7.60m)
    expect(drone[0]?.value).toEqual({ kind: 'position', position: { lat: -34.6502, lon: -59.409424 } });
    const home = positions(out.findings, 'location.operator');
    expect(home).toHaveLength(6);
    expect(home[0]?.value).toEqual({
      kind: 'position',
      position: { lat: -34.650736, lon: -59.40788, alt: 7.6 },
    });
    // Line 23 (cue 6): GPS (-59.409536, -34.650178, 16)
    expect(latLon(drone[5])).toEqual([-34.650178, -59.409536]);
    // Line 29 (cue 7): [latitude : -34.651180] [longtitude : -59.409483] [altitude: 120.060997]
    expect(drone[6]?.value).toEqual({
      kind: 'position',
      position: { lat: -34.65118, lon: -59.409483, alt: 120.060997 },
    });
    expect(drone[6]?.tag).toBe('latitude+longtitude');
    // Line 59 (cue 12): [altitude: 120.140999]
    expect(drone[11]?.value).toEqual({
      kind: 'position',
      position: { lat: -34.65118, lon: -59.409483, alt: 120.140999 },
    });
  });

  it('empty file is a clear AIRLOCK_ERR_EMPTY naming the file and offset', () => {
    const { out, error } = runSrtFile(corpusFile('srt', 'srtparser-broken_empty.SRT'));
    expect(error?.code).toBe('AIRLOCK_ERR_EMPTY');
    expect(error?.describe()).toBe(
      'srtparser-broken_empty.SRT: offset 0: the SRT file is empty (AIRLOCK_ERR_EMPTY)',
    );
    expect(out.findings).toHaveLength(0);
  });

  it('incomplete file keeps every cue read, then fails as truncated at its end', () => {
    const path = corpusFile('srt', 'srtparser-broken_incomplete.SRT');
    const { out, error } = runSrtFile(path);
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(error?.offset).toBe(readFileSync(path).length);
    expect(error?.describe()).toMatch(
      /^srtparser-broken_incomplete\.SRT: offset 3064: SRT cue 20 \(line 115/,
    );
    // 19 complete cues with GPS; cue 20 (line 117) holds only HOME(-58.4563,-34.7386) 2017.07.03 10:15:22
    expect(positions(out.findings, 'location.drone')).toHaveLength(19);
    const lastHome = positions(out.findings, 'location.operator').at(-1);
    expect(lastHome?.frame).toBe(20);
    expect(latLon(lastHome)).toEqual([-34.7386, -58.4563]);
    expect(out.findings.find((f) => f.frame === 20 && f.category === 'time')?.value).toEqual({
      kind: 'time',
      text: '2017.07.03 10:15:22',
    });
  });

  it('Neo 2 clip without fix in frames 1–3 reports positions only for frames 4–6', () => {
    const { out } = runSrtFile(corpusFile('srt', 'embedder-neo2-nogps.SRT'));
    expect(positions(out.findings, 'location.drone').map((f) => f.frame)).toEqual([4, 5, 6]);
    expect(out.warnings.map((w) => w.name)).toContain('srt-no-fix');
  });
});

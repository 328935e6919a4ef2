/**
 * Copies that must read back as what they are, through the whole scrub (rewrite, then Airlock's
 * own re-inspection, which withholds a copy it cannot verify). Both cases once failed that
 * verification on ordinary files, so the user got no copy at all: an AirData log with its
 * altitude in feet (every one DJI users export), and SRTs whose first frames had no GPS fix
 * under the mapping profile. Judged by plain readings of the copies, not by Airlock's readers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../cli/built.js';
import { gridCentre, srtCues } from './e2e-oracles.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-readback-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scrub(name: string, text: string, policy?: string): { copy: string; status: string } {
  const input = join(dir, name);
  writeFileSync(input, text);
  const out = join(dir, `${name}-out`);
  const args = ['scrub', '--no-progress', input, '--out', out];
  if (policy) {
    writeFileSync(join(dir, `${name}.yaml`), policy);
    args.push('--policy', join(dir, `${name}.yaml`));
  }
  airlock(args);
  const m = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8'));
  return { copy: join(out, name), status: m.files[0].status };
}

describe('a coarsened altitude in a feet column', () => {
  it('is written with the decimals that make it the 100 m step again, and the copy is clean', () => {
    const rows = [1234.5, 1236.5, 3.2].map(
      (ft, i) => `${i * 100},2020-12-02 07:50:3${i},-44.6900${i}395,170.4245${i}545,${ft}`,
    );
    const { copy, status } = scrub(
      'airdata.csv',
      `time(millisecond),datetime(utc),latitude,longitude,altitude_above_seaLevel(feet)\n${rows.join('\n')}\n`,
    );
    expect(status).toBe('clean');
    const [head, ...out] = readFileSync(copy, 'utf8').trim().split('\n');
    const at = head?.split(',').indexOf('altitude_above_seaLevel(feet)') ?? -1;
    expect(at).toBeGreaterThan(0);
    for (const line of out) {
      const metres = Number(line.split(',')[at]) * 0.3048;
      expect(Math.abs(metres - Math.round(metres / 100) * 100), line).toBeLessThan(1e-6);
    }
  });
});

describe('SRT frames without a fix, under the mapping profile', () => {
  const MAPPING = 'version: 1\nprofile: mapping\n';
  const cue = (n: number, body: string) =>
    `${n}\r\n00:00:0${n - 1},000 --> 00:00:0${n},000\r\n${body}\r\n\r\n`;

  it('HOME/GPS layout: a no-fix GPS(0,0) goes, its BAROMETER height stays, fixes kept exactly', () => {
    const gps = ['149.0251,-20.2533,16', '0.0000,0.0000,0', '149.0252,-20.2534,16'];
    const text = gps
      .map((g, i) =>
        cue(
          i + 1,
          `HOME(149.0251,-20.2532) 2017.08.05 14:11:5${i}\r\nGPS(${g}) BAROMETER:1.${i}\r\nISO:100 Shutter:60 EV: Fnum:2.2`,
        ),
      )
      .join('');
    const { copy, status } = scrub('p4.SRT', text, MAPPING);
    expect(status).toBe('clean');
    const before = srtCues(text, 'p4.SRT');
    const after = srtCues(readFileSync(copy, 'utf8'), 'p4.SRT');
    expect(after.map((c) => c.drone)).toEqual(before.map((c) => c.drone));
    expect(after.every((c) => c.home === undefined)).toBe(true);
    expect(readFileSync(copy, 'utf8')).toContain('BAROMETER:1.1');
  });

  it('one-line layout: a cue left with only heights and attitude reads back as the same layout', () => {
    const gps = ['-58.851745, -34.237922, 15', '0.000000, 0.000000, 0', '-58.851740, -34.237911, 15'];
    const text = gps
      .map((g, i) =>
        cue(
          i + 1,
          `F/5.6, SS 400, ISO 100, EV 0, GPS (${g}), HOME (-58.847509, -34.232707, -57.98m), D 69${i}.70m, H 85.80m, H.S 0.00m/s, V.S 0.00m/s, F.PRY (2.7°, -7.0°, 110.1°), G.PRY (-24.4°, 0.0°, 110.4°)`,
        ),
      )
      .join('');
    const { copy, status } = scrub('mavic.SRT', text, MAPPING);
    expect(status).toBe('clean');
    const before = srtCues(text, 'mavic.SRT');
    const after = srtCues(readFileSync(copy, 'utf8'), 'mavic.SRT');
    expect(after.map((c) => c.drone)).toEqual(before.map((c) => c.drone));
    // The default policy still coarsens the fixes of the same file.
    const coarse = scrub('mavic2.SRT', text);
    expect(coarse.status).toBe('clean');
    const grid = srtCues(readFileSync(coarse.copy, 'utf8'), 'mavic2.SRT').map((c) => c.drone);
    expect(grid[0]?.lat).toBeCloseTo(
      gridCentre(before[0]?.drone as { lat: number; lon: number }, 1000).lat,
      7,
    );
  });
});

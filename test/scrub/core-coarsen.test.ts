/**
 * The coarsening grid against figures worked out by hand (and checked with a separate Python
 * calculation): cell index k = floor(lat / step), centre = (k + 0.5) × step, step = m / 111,320;
 * the longitude step widened by 1 / cos(snapped latitude).
 */
import { describe, expect, it } from 'vitest';
import { coarsenAltitude, coarsenPosition, formatCoarseDegrees } from '../../src/scrub/coarsen.js';

const STEP_1KM = 1000 / 111_320; // 0.00898311174991017…°

describe('coarsenPosition', () => {
  it('snaps a point near the equator to the centre of the first cell, longitude step barely widened', () => {
    // k = 0 for both; centre = 0.5 × step; cos(0.0045°) ≈ 1 − 3e-9.
    expect(coarsenPosition({ lat: 0.001, lon: 0.001 }, 1000)).toEqual({ lat: 0.0044916, lon: 0.0044916 });
  });

  it('widens the longitude cell by 1/cos(snapped latitude) at 60°N', () => {
    // lat: k = floor(60.5 / step) = 6734, centre = 6734.5 × step = 60.49676608°;
    // lon step = step / cos(60.49676608°) = 0.0182408325°, k = 564, centre = 564.5 × that = 10.29694995°.
    const p = coarsenPosition({ lat: 60.5, lon: 10.3 }, 1000);
    expect(p).toEqual({ lat: 60.4967661, lon: 10.2969499 });
    expect(6734.5 * STEP_1KM).toBeCloseTo(60.4967661, 7);
  });

  it('uses floor (not truncation) in the southern hemisphere', () => {
    // −33.8688 / step = −3770.3… → k = −3771, centre −3770.5 × step = −33.87082285°.
    expect(coarsenPosition({ lat: -33.8688, lon: 151.2093 }, 1000)).toEqual({
      lat: -33.8708229,
      lon: 151.214062,
    });
  });

  it('uses floor in the western hemisphere (south-west and north-west)', () => {
    expect(coarsenPosition({ lat: -22.9068, lon: -43.1729 }, 1000)).toEqual({
      lat: -22.9024434,
      lon: -43.176372,
    });
    expect(coarsenPosition({ lat: 40.7128, lon: -74.006 }, 1000)).toEqual({
      lat: 40.715954,
      lon: -74.0086276,
    });
  });

  it('scales the cells with the grid size (5 km at 60°N)', () => {
    expect(coarsenPosition({ lat: 60.5, lon: 10.3 }, 5000)).toEqual({ lat: 60.4787999, lon: 10.254786 });
  });

  it('moves a point by at most half a cell diagonal', () => {
    const p = { lat: 51.47789, lon: -0.00147 };
    const c = coarsenPosition(p, 1000);
    expect(Math.abs(c.lat - p.lat)).toBeLessThanOrEqual(STEP_1KM / 2 + 1e-7);
    expect(Math.abs(c.lon - p.lon) * Math.cos((c.lat * Math.PI) / 180)).toBeLessThanOrEqual(
      STEP_1KM / 2 + 1e-7,
    );
  });

  it('is stable: coarsening a coarsened point returns it unchanged', () => {
    const points = [
      { lat: 0.001, lon: 0.001, alt: 123.4 },
      { lat: 60.5, lon: 10.3 },
      { lat: -33.8688, lon: 151.2093, alt: -51 },
      { lat: -22.9068, lon: -43.1729 },
      { lat: 89.9999, lon: 179.9999 },
      { lat: 90, lon: 180 },
      { lat: -90, lon: -180 },
    ];
    for (const metres of [10, 100, 1000, 5000, 25_000]) {
      for (const p of points) {
        const once = coarsenPosition(p, metres);
        expect(coarsenPosition(once, metres)).toEqual(once);
        expect(Math.abs(once.lat)).toBeLessThanOrEqual(90);
        expect(Math.abs(once.lon)).toBeLessThanOrEqual(180);
      }
    }
  });

  it('gives every point of one cell the same value', () => {
    const a = coarsenPosition({ lat: 60.4930001, lon: 10.2880001 }, 1000);
    const b = coarsenPosition({ lat: 60.5007, lon: 10.305 }, 1000);
    expect(a).toEqual(b);
  });

  it('rejects a grid that is not a positive size', () => {
    expect(() => coarsenPosition({ lat: 1, lon: 1 }, 0)).toThrow(RangeError);
    expect(() => coarsenPosition({ lat: 1, lon: 1 }, Number.NaN)).toThrow(RangeError);
  });
});

describe('coarsenAltitude', () => {
  it('rounds to the nearest 100 m, halves upward, never -0', () => {
    expect(coarsenAltitude(149.9)).toBe(100);
    expect(coarsenAltitude(150)).toBe(200);
    expect(coarsenAltitude(-51)).toBe(-100);
    expect(Object.is(coarsenAltitude(-49), 0)).toBe(true);
    expect(coarsenPosition({ lat: 1, lon: 1, alt: 1234.5 }, 1000).alt).toBe(1200);
  });
});

describe('formatCoarseDegrees', () => {
  it('prints 7 decimals, the digits of the EXIF n/10^7 rational', () => {
    expect(formatCoarseDegrees(-33.8708229)).toBe('-33.8708229');
    expect(formatCoarseDegrees(10.254786)).toBe('10.2547860');
    expect(Math.round(-33.8708229 * 1e7)).toBe(-338708229);
  });
});

/** The scan plan (where the detector looks) and the merge of what its tiles saw: pure, property-checked. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Detection, iou, mergeDetections, scanPlan } from '../../src/faces/scan.js';

describe('scanPlan', () => {
  it('a picture no larger than a tile is looked at once, unscaled', () => {
    expect(scanPlan(512, 384)).toEqual({
      scale: 1,
      width: 512,
      height: 384,
      tiles: [{ x: 0, y: 0, width: 512, height: 384 }],
    });
  });

  it('a 4000×3000 still: scaled to 1536 on its longer side, whole, then 4×3 overlapping tiles', () => {
    const p = scanPlan(4000, 3000);
    expect(p.scale).toBeCloseTo(1536 / 4000, 12);
    expect([p.width, p.height]).toEqual([1536, 1152]);
    expect(p.tiles[0]).toEqual({ x: 0, y: 0, width: 1536, height: 1152 });
    expect(p.tiles.length).toBe(1 + 4 * 3);
  });

  it('tiles cover every pixel, stay inside, are at most a tile wide, and neighbours overlap enough for a face on a seam', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12_000 }), fc.integer({ min: 1, max: 12_000 }), (w, h) => {
        const p = scanPlan(w, h);
        expect(Math.max(p.width, p.height)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxSide);
        const tiles = p.tiles.length > 1 ? p.tiles.slice(1) : p.tiles;
        for (const t of tiles) {
          expect(t.x).toBeGreaterThanOrEqual(0);
          expect(t.y).toBeGreaterThanOrEqual(0);
          expect(t.x + t.width).toBeLessThanOrEqual(p.width);
          expect(t.y + t.height).toBeLessThanOrEqual(p.height);
          if (p.tiles.length > 1)
            expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(DEFAULT_LIMITS.tile);
        }
        // Along each axis the windows' starts: consecutive windows overlap by at least `overlap`
        // (or the axis fits in one), and the last ends at the edge.
        const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
        const ys = [...new Set(tiles.map((t) => t.y))].sort((a, b) => a - b);
        for (const [starts, length] of [
          [xs, p.width],
          [ys, p.height],
        ] as const) {
          expect(starts[0]).toBe(0);
          const size = Math.min(DEFAULT_LIMITS.tile, length);
          expect((starts.at(-1) ?? 0) + size).toBe(length);
          for (let i = 1; i < starts.length; i++)
            expect((starts[i - 1] ?? 0) + size - (starts[i] ?? 0)).toBeGreaterThanOrEqual(
              DEFAULT_LIMITS.overlap - 1,
            );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a picture with no pixels', () => {
    expect(() => scanPlan(0, 100)).toThrow(/no picture/);
    expect(() => scanPlan(Number.NaN, 100)).toThrow(/no picture/);
  });
});

describe('mergeDetections', () => {
  const d = (x: number, y: number, width: number, height: number, score: number): Detection => ({
    x,
    y,
    width,
    height,
    score,
  });

  it('one face seen by two tiles and the whole picture is one detection, with the best score', () => {
    const merged = mergeDetections([
      d(100, 100, 40, 50, 0.7),
      d(102, 99, 41, 52, 0.9),
      d(98, 101, 39, 48, 0.8),
    ]);
    expect(merged).toEqual([d(102, 99, 41, 52, 0.9)]);
  });

  it('a face cut by a tile edge merges into the whole face', () => {
    expect(mergeDetections([d(100, 100, 40, 50, 0.9), d(100, 100, 22, 50, 0.95)])).toHaveLength(1);
  });

  it('a small face inside a large false detection stays its own', () => {
    expect(mergeDetections([d(0, 0, 400, 400, 0.93), d(150, 150, 30, 40, 0.8)])).toHaveLength(2);
  });

  it('faces side by side stay apart', () => {
    expect(
      mergeDetections([d(0, 0, 40, 40, 0.9), d(45, 0, 40, 40, 0.9), d(0, 45, 40, 40, 0.9)]),
    ).toHaveLength(3);
  });

  it('iou', () => {
    expect(iou(d(0, 0, 10, 10, 1), d(0, 0, 10, 10, 1))).toBe(1);
    expect(iou(d(0, 0, 10, 10, 1), d(10, 0, 10, 10, 1))).toBe(0);
    expect(iou(d(0, 0, 10, 10, 1), d(5, 0, 10, 10, 1))).toBeCloseTo(50 / 150, 12);
  });
});

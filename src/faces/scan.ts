/**
 * Where the detector looks: a pure plan of square tiles over a picture, and the merge of what the
 * tiles saw. The detector (SSD MobileNet v1) sees its input at 512×512, so a whole 4000×3000 still
 * shrinks a 60-pixel face to 8 pixels, too small to find. The picture is therefore looked at
 * whole (for faces that fill it) and in overlapping tiles at a finer scale (for people on the
 * ground seen from the air).
 */

/** A rectangle in pixels of the picture as stored (before any orientation tag is applied). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection extends Box {
  /** The detector's confidence, 0..1. */
  score: number;
}

export interface ScanPlan {
  /** The picture is decoded scaled by this factor (≤ 1) before tiles are cut from it. */
  scale: number;
  /** Width and height of the scaled picture. */
  width: number;
  height: number;
  /** Tiles in scaled pixels; the first is the whole picture. */
  tiles: Box[];
}

/** Tunable bounds of a scan; the defaults are what inspect and scrub use. */
export interface ScanLimits {
  /** The scaled picture's longer side at most (a face must be ≈ 20 px at this scale to be found). */
  maxSide: number;
  /** Tile side, in scaled pixels: the detector's own input size, so a tile is seen unscaled. */
  tile: number;
  /** Overlap between neighbouring tiles, so a face on a seam is whole in one of them. */
  overlap: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxSide: 1536, tile: 512, overlap: 96 };

export function scanPlan(width: number, height: number, limits: ScanLimits = DEFAULT_LIMITS): ScanPlan {
  if (!(width > 0 && height > 0)) throw new RangeError(`no picture to scan: ${width}×${height}`);
  const scale = Math.min(1, limits.maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const tiles: Box[] = [{ x: 0, y: 0, width: w, height: h }];
  // A picture no larger than a tile is already seen at full scale by the whole-picture pass.
  if (w > limits.tile || h > limits.tile) {
    for (const y of starts(h, limits.tile, limits.overlap))
      for (const x of starts(w, limits.tile, limits.overlap))
        tiles.push({ x, y, width: Math.min(limits.tile, w - x), height: Math.min(limits.tile, h - y) });
  }
  return { scale, width: w, height: h, tiles };
}

/** Evenly spread starts of `tile`-long windows covering 0..length, neighbours overlapping by ≥ `overlap`. */
function starts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - overlap) / (tile - overlap));
  const step = (length - tile) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * step));
}

/** The area two boxes share. */
function intersection(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return ix * iy;
}

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Whether one box is a piece of the other: a face cut by a tile's edge lies mostly inside the
 * whole face's box. Only between boxes of like size, so a large box (a false detection over
 * half the picture) never swallows a small face inside it.
 */
function partOf(a: Box, b: Box): boolean {
  const areaA = a.width * a.height;
  const areaB = b.width * b.height;
  const smaller = Math.min(areaA, areaB);
  return smaller > 0 && smaller / Math.max(areaA, areaB) >= 0.25 && intersection(a, b) / smaller > 0.7;
}

/**
 * One detection per face: the same face seen by several tiles (and by the whole-picture pass)
 * is kept once, with its best score. Greedy non-maximum suppression, best score first.
 */
export function mergeDetections(found: readonly Detection[], threshold = 0.3): Detection[] {
  const sorted = [...found].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) if (!kept.some((k) => iou(k, d) > threshold || partOf(k, d))) kept.push(d);
  return kept;
}

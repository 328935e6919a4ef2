/**
 * Faces masked in a JPEG without re-encoding the rest: every 8×8 block that touches a face (with
 * a margin) becomes one flat colour, the face's own mean, in the coefficient domain; every other
 * block keeps its coefficients, so it decodes to exactly the pixels it did. A flat patch, not a
 * blur: a blur can be undone in part, a flat patch keeps nothing of the face.
 */
import { AirlockError } from '../core/errors.js';
import {
  type Component,
  decodePicture,
  encodePicture,
  type Picture,
} from '../media/jpeg/scan/coefficients.js';
import type { Box } from './scan.js';

/** Added around a face's box on every side, as a share of its larger side: hair, ears, chin. */
export const MARGIN = 0.25;

export interface Masked {
  bytes: Uint8Array;
  /** Blocks made flat, all components. */
  blocks: number;
  /** The rectangles masked, in pixels: what a reader sees flat (on the MCU grid, margin included). */
  regions: Box[];
}

/**
 * Why faces in a file of this format and these bytes cannot be masked, or undefined when they
 * can: only JPEGs whose picture the coefficient codec reads (Huffman-coded: baseline, extended
 * sequential or progressive; a progressive one is written back baseline, the same pixels).
 */
export function maskProblem(format: string | null, bytes: () => Uint8Array): string | undefined {
  const unfit = formatProblem(format);
  if (unfit !== undefined) return unfit;
  try {
    decodePicture(bytes());
    return undefined;
  } catch (err) {
    return err instanceof AirlockError ? err.describe(false) : String(err);
  }
}

/** Why faces in a file of this format cannot be masked at all, or undefined for a JPEG. */
export const formatProblem = (format: string | null): string | undefined =>
  format === 'jpeg' ? undefined : `faces are masked in JPEG files only, not ${format ?? 'this format'}`;

/** `bytes` with every face in `faces` masked; throws an AirlockError for a JPEG it cannot edit. */
export function maskJpeg(bytes: Uint8Array, faces: readonly Box[], name: string): Masked {
  let pic: Picture;
  try {
    pic = decodePicture(bytes);
  } catch (err) {
    if (err instanceof AirlockError) err.file ??= name;
    throw err;
  }
  let blocks = 0;
  const regions: Box[] = [];
  // Every component is made flat over one rectangle on the MCU grid (16×16 px for 4:2:0), so
  // the patch is one colour and no pixel outside it changes.
  const gx = 8 * pic.hmax;
  const gy = 8 * pic.vmax;
  for (const f of faces) {
    const m = Math.round(MARGIN * Math.max(f.width, f.height));
    const x0 = Math.floor(clamp(f.x - m, pic.width) / gx) * gx;
    const y0 = Math.floor(clamp(f.y - m, pic.height) / gy) * gy;
    const x1 = Math.min(pic.width, Math.ceil(clamp(f.x + f.width + m, pic.width) / gx) * gx);
    const y1 = Math.min(pic.height, Math.ceil(clamp(f.y + f.height + m, pic.height) / gy) * gy);
    if (x1 <= x0 || y1 <= y0) continue;
    for (const c of pic.components) {
      const r = blockRange(c, pic, x0, y0, x1, y1);
      flatten(c, r);
      blocks += (r.bx1 - r.bx0) * (r.by1 - r.by0);
    }
    regions.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return { bytes: encodePicture(pic), blocks, regions };
}

const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)));

interface BlockRange {
  bx0: number;
  by0: number;
  bx1: number;
  by1: number;
}

/** The component's blocks that hold any of the pixels x0..x1 × y0..y1. */
function blockRange(c: Component, pic: Picture, x0: number, y0: number, x1: number, y1: number): BlockRange {
  const cx = (x: number): number => (x * c.h) / pic.hmax;
  const cy = (y: number): number => (y * c.v) / pic.vmax;
  return {
    bx0: Math.floor(cx(x0) / 8),
    by0: Math.floor(cy(y0) / 8),
    bx1: Math.min(c.usedWide, Math.ceil(cx(x1) / 8)),
    by1: Math.min(c.usedHigh, Math.ceil(cy(y1) / 8)),
  };
}

/** Every block of the range: its DC the range's mean, its AC none (one flat colour). */
function flatten(c: Component, r: BlockRange): void {
  const k = c.coefficients;
  let sum = 0;
  let n = 0;
  for (let by = r.by0; by < r.by1; by++)
    for (let bx = r.bx0; bx < r.bx1; bx++) {
      sum += k[(by * c.blocksWide + bx) * 64] as number;
      n++;
    }
  if (n === 0) return;
  const mean = Math.round(sum / n);
  for (let by = r.by0; by < r.by1; by++)
    for (let bx = r.bx0; bx < r.bx1; bx++) {
      const o = (by * c.blocksWide + bx) * 64;
      k.fill(0, o, o + 64);
      k[o] = mean;
    }
}

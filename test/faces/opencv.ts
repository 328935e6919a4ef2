/**
 * The face tests' independent side: OpenCV (Debian's python3-opencv, opencv-data) through
 * opencv-oracle.py, and scikit-image's sample photographs that scripts/setup-test-deps.sh
 * unpacks from Debian's python3-skimage package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/corpus.js';

export const PICTURES = '/var/cache/airlock-test-data/skimage';
const SCRIPT = join(ROOT, 'test/faces/opencv-oracle.py');

/** A sample photograph; a missing one fails the test with how to get it (never a skip). */
export function picture(name: string): string {
  const p = join(PICTURES, name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/setup-test-deps.sh as root`);
  return p;
}

export type Box = [x: number, y: number, width: number, height: number];

function opencv(args: string[]): string {
  return execFileSync('/usr/bin/python3', [SCRIPT, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

/** Faces OpenCV's Haar cascade finds, per path. */
export const haarFaces = (paths: string[]): Record<string, Box[]> =>
  JSON.parse(opencv(['detect', ...paths])) as Record<string, Box[]>;

/** `input` re-encoded as a JPEG by OpenCV. */
export function toJpeg(input: string, out: string): string {
  opencv(['jpeg', input, out]);
  return out;
}

/** A `w`×`h` JPEG of `background` tiled, with the portrait's face pasted as `size`-pixel squares at each spot. */
export function scene(
  out: string,
  w: number,
  h: number,
  background: string,
  portrait: string,
  spots: { x: number; y: number; size: number }[],
): string {
  opencv([
    'scene',
    out,
    String(w),
    String(h),
    background,
    portrait,
    ...spots.map((s) => `${s.x},${s.y},${s.size}`),
  ]);
  return out;
}

/** Intersection over union of two boxes. */
export function overlap(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const union = a[2] * a[3] + b[2] * b[3] - ix * iy;
  return union > 0 ? (ix * iy) / union : 0;
}

/**
 * Looking for faces in one file: decode its picture, run the detector over the scan's tiles, and
 * give the faces back in the picture's own pixels. Never throws: a picture that cannot be looked
 * at is an answer too (scrub withholds it when the policy asks for faces to be looked for).
 */
import { AirlockError, asAirlockError } from '../core/errors.js';
import { decodeForScan } from './decode.js';
import { detectFaces } from './detector.js';
import type { Detection, ScanLimits } from './scan.js';

/** Formats whose picture is decoded and looked at. */
const PICTURES = new Set(['jpeg', 'tiff']);
/**
 * Formats that hold pictures Airlock cannot look into yet: video frames, HEIF, and a DNG's raw
 * data (libvips would read only its small preview, where a face far off goes unseen).
 */
const UNSEEN = new Set(['isobmff', 'mp4', 'mov', 'heic', 'heif', 'avif', 'dng']);

export type FaceLook =
  /** Looked at: the faces found (none is an answer), in pixels of the picture as stored. */
  | { kind: 'looked'; width: number; height: number; faces: Detection[] }
  /** A format with pictures in it that Airlock cannot look into yet. */
  | { kind: 'cannot'; detail: string }
  /** The picture could not be decoded. */
  | { kind: 'failed'; error: AirlockError }
  /** Nothing to look at (a sidecar, a log, a text file). */
  | { kind: 'none' };

/** Whether a file of this format could hold a face (so the policy's faces rule reaches it). */
export const holdsPictures = (format: string | null): boolean =>
  format !== null && (PICTURES.has(format) || UNSEEN.has(format));

export async function lookForFaces(
  input: string | Uint8Array,
  name: string,
  format: string | null,
  limits?: ScanLimits,
): Promise<FaceLook> {
  if (format === null || !holdsPictures(format)) return { kind: 'none' };
  if (UNSEEN.has(format))
    return { kind: 'cannot', detail: `faces are not looked for in ${format} files yet` };
  try {
    const d = await decodeForScan(input, name, limits);
    const back = 1 / d.plan.scale;
    const faces = (await detectFaces(d.raster, d.plan)).map((f) => ({
      x: Math.round(f.x * back),
      y: Math.round(f.y * back),
      width: Math.round(f.width * back),
      height: Math.round(f.height * back),
      score: Math.round(f.score * 1000) / 1000,
    }));
    return { kind: 'looked', width: d.width, height: d.height, faces };
  } catch (err) {
    const e = err instanceof AirlockError ? err : asAirlockError(err, name);
    e.file ??= name;
    return { kind: 'failed', error: e };
  }
}

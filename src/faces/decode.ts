/**
 * A picture decoded for the detector: 8-bit RGB at the scan's scale, by sharp (libvips, shipped
 * prebuilt in the package). Decoding a JPEG or TIFF well and safely is what libvips
 * does; the scale is applied while decoding (JPEG shrink-on-load), so a 20 MP still never exists
 * in memory at full size here.
 */
import { createRequire } from 'node:module';
import type SharpType from 'sharp';
import { AirlockError } from '../core/errors.js';
import { type ScanLimits, type ScanPlan, scanPlan } from './scan.js';

/** Pictures above this many pixels are refused (a decompression bomb declares 60,000²). */
export const MAX_PIXELS = 200_000_000;

export interface Raster {
  width: number;
  height: number;
  /** width × height × 3 bytes, row by row. */
  rgb: Uint8Array;
}

export interface Decoded {
  /** The picture's own size as stored (before any orientation tag is applied). */
  width: number;
  height: number;
  plan: ScanPlan;
  raster: Raster;
}

let sharpFn: typeof SharpType | undefined;
function sharp(): typeof SharpType {
  // Loaded on first use: most commands never decode a picture.
  sharpFn ??= createRequire(import.meta.url)('sharp') as typeof SharpType;
  return sharpFn;
}

/**
 * Load sharp in this (the main) thread before worker threads that use it start: its shared
 * libraries then stay loaded when a worker exits (glibc would unload them under a worker still
 * running them: sharp's own documentation, lovell/sharp#2263).
 */
export function preloadSharp(): void {
  sharp();
}

/** Decode `input` (a path or the file's bytes) for a scan; `name` names it in errors. */
export async function decodeForScan(
  input: string | Uint8Array,
  name: string,
  limits?: ScanLimits,
): Promise<Decoded> {
  const open = () =>
    sharp()(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.length), {
      limitInputPixels: MAX_PIXELS,
      // libvips' strictest: a picture with any decoding warning (a truncated scan, corrupt data)
      // is not looked at, so it cannot pass as faceless (scrub withholds it instead).
      failOn: 'warning',
      sequentialRead: true,
    });
  try {
    const meta = await open().metadata();
    if (!meta.width || !meta.height)
      throw new AirlockError('AIRLOCK_ERR_MALFORMED', 'the picture declares no size', undefined, name);
    const plan = scanPlan(meta.width, meta.height, limits);
    const { data, info } = await open()
      .resize(plan.width, plan.height, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== plan.width || info.height !== plan.height)
      throw new AirlockError(
        'AIRLOCK_ERR_UNSUPPORTED',
        `decoded as ${info.width}×${info.height}×${info.channels}, not the ${plan.width}×${plan.height} RGB asked for`,
        undefined,
        name,
      );
    return {
      width: meta.width,
      height: meta.height,
      plan,
      raster: {
        width: info.width,
        height: info.height,
        rgb: new Uint8Array(data.buffer, data.byteOffset, data.length),
      },
    };
  } catch (err) {
    if (err instanceof AirlockError) throw err;
    // libvips says what it could not decode; the file is named here.
    const text =
      String((err as Error)?.message ?? err)
        .split('\n')[0]
        ?.trim() || 'unknown error';
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      `the picture could not be decoded: ${text}`,
      undefined,
      name,
    );
  }
}

/** The TIFF/DNG file analyser: a TIFF structure spanning the whole file. */
import { AirlockError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import type { Analyser, Collector } from '../types.js';
import { isTiffHeader, readTiffStructure } from './exif.js';

const isBigTiff = (h: Uint8Array): boolean =>
  h.length >= 4 &&
  ((h[0] === 0x49 && h[1] === 0x49 && h[2] === 0x2b && h[3] === 0) ||
    (h[0] === 0x4d && h[1] === 0x4d && h[2] === 0 && h[3] === 0x2b));

export const tiffAnalyser: Analyser = {
  id: 'tiff',
  detect: (head) => isTiffHeader(head) || isBigTiff(head),
  analyse(src: ByteSource, out: Collector): void {
    const head = src.read(0, Math.min(8, src.size));
    if (isBigTiff(head)) throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'BigTIFF is not supported', 0);
    try {
      readTiffStructure(src, 0, src.size, [], out, { kind: 'tiff-file' });
    } finally {
      if (out.facts.DNGVersion !== undefined) out.format = 'dng';
    }
  },
};

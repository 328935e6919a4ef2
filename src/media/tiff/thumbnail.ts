/**
 * Embedded pictures (IFD1 thumbnails, reduced-resolution DNG previews, maker-note previews):
 * one block finding each, with the picture's size when it is a JPEG we can measure.
 */
import type { Finding, Range } from '../../findings/model.js';
import type { Collector } from '../types.js';
import type { TiffCtx } from './ifd.js';

/** Width and height from a JPEG's first SOFn marker, scanning at most the given bytes. */
export function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1] as number;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && p + 9 <= b.length) {
      return {
        height: ((b[p + 5] as number) << 8) | (b[p + 6] as number),
        width: ((b[p + 7] as number) << 8) | (b[p + 8] as number),
      };
    }
    if (marker === 0xda || len < 2) return undefined;
    p += 2 + len;
  }
  return undefined;
}

/**
 * Reports a JPEG stored at absolute [offset, offset+length). Data past the structure's end is a
 * recoverable oddity (many writers get the length wrong): the finding keeps the declared range.
 */
export function reportEmbeddedJpeg(
  ctx: TiffCtx,
  tag: string,
  offset: number,
  length: number,
  path: string[],
  out: Collector,
): Finding {
  const inside = offset >= ctx.start && length > 0 && offset + length <= ctx.end;
  if (!inside)
    out.warn(
      'tiff-embedded-image-out-of-range',
      `${tag} at ${offset} (+${length}) leaves the TIFF data`,
      offset,
    );
  const head = inside ? ctx.src.read(offset, Math.min(length, 64 * 1024)) : new Uint8Array(0);
  const size = jpegSize(head);
  const isJpeg = head[0] === 0xff && head[1] === 0xd8;
  const f: Finding = {
    category: 'imagery.embedded',
    tag,
    path,
    ranges: [{ offset, length }],
    value: { kind: 'block', size: length, ...(isJpeg ? { mime: 'image/jpeg' } : {}), ...(size ?? {}) },
  };
  out.add(f);
  return f;
}

/** Merges contiguous strips/tiles so a preview is a handful of ranges, not thousands. */
export function mergeRanges(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else merged.push({ ...r });
  }
  return merged;
}

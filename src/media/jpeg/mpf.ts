/**
 * APP2 "MPF\0": the CIPA Multi-Picture Format index. Its MP Entry list names every image in the
 * file; images after the first are previews or other views appended after the primary EOI.
 * Entry offsets are relative to the MPF TIFF header (just after "MPF\0").
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { Collector } from '../types.js';

export const MP_ENTRY_TAG = 0xb002;
const MAX_MP_IMAGES = 1024;

/** One 16-byte MP Entry: attributes, size, offset (relative to the MPF header), two dependents. */
export interface MpEntry {
  attributes: number;
  size: number;
  offset: number;
  dependent1: number;
  dependent2: number;
}

export const mpEntry = {
  len: 16,
  get(v: DataView, o: number, le: boolean): MpEntry {
    return {
      attributes: v.getUint32(o, le),
      size: v.getUint32(o + 4, le),
      offset: v.getUint32(o + 8, le),
      dependent1: v.getUint16(o + 12, le),
      dependent2: v.getUint16(o + 14, le),
    };
  },
  put(v: DataView, o: number, e: MpEntry, le: boolean): void {
    v.setUint32(o, e.attributes, le);
    v.setUint32(o + 4, e.size, le);
    v.setUint32(o + 8, e.offset, le);
    v.setUint16(o + 12, e.dependent1, le);
    v.setUint16(o + 14, e.dependent2, le);
  },
};

/** Parses the MP index. `data` is the payload after "MPF\0"; `base` its absolute file offset. */
export function readMpEntries(data: Uint8Array, base: number): MpEntry[] {
  return mpEntryList(data, base).entries;
}

/** The MP Entry list with where it sits in `data` and its byte order (a rewriter patches it in place). */
export function mpEntryList(data: Uint8Array, base: number): { le: boolean; at: number; entries: MpEntry[] } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 8) throw truncated('MPF header', base);
  const order = String.fromCharCode(data[0] as number, data[1] as number);
  if (order !== 'II' && order !== 'MM') throw malformed('MPF: bad byte order mark', base);
  const le = order === 'II';
  if (v.getUint16(2, le) !== 42) throw malformed('MPF: bad TIFF magic', base + 2);
  const ifd = v.getUint32(4, le);
  if (ifd + 2 > data.length) throw truncated('MPF IFD', base + ifd);
  const count = bound(v.getUint16(ifd, le), 256, 'MPF IFD entries', base + ifd);
  if (ifd + 2 + count * 12 > data.length) throw truncated('MPF IFD', base + ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (v.getUint16(e, le) !== MP_ENTRY_TAG) continue;
    const bytes = v.getUint32(e + 4, le);
    const n = bound(Math.floor(bytes / mpEntry.len), MAX_MP_IMAGES, 'MPF image count', base + e);
    const at = v.getUint32(e + 8, le);
    if (at + n * mpEntry.len > data.length) throw truncated('MPF MP Entry list', base + at);
    return { le, at, entries: Array.from({ length: n }, (_, k) => mpEntry.get(v, at + k * mpEntry.len, le)) };
  }
  return { le, at: 0, entries: [] };
}

/** Reports each image after the first as an embedded picture; returns their absolute ranges and numbers (MPImageN). */
export function reportMpf(
  data: Uint8Array,
  base: number,
  fileSize: number,
  path: string[],
  out: Collector,
): { offset: number; length: number; n: number }[] {
  const images: { offset: number; length: number; n: number }[] = [];
  readMpEntries(data, base).forEach((e, k) => {
    if (k === 0 || e.offset === 0) return; // the primary image itself
    const offset = base + e.offset;
    if (offset + e.size > fileSize) {
      out.warn('mpf-image-out-of-range', `MPImage${k + 1} (${e.size} bytes) ends past the file end`, offset);
      return;
    }
    images.push({ offset, length: e.size, n: k + 1 });
    out.add({
      category: 'imagery.embedded',
      tag: `MPImage${k + 1}`,
      path,
      ranges: [{ offset, length: e.size }],
      value: {
        kind: 'block',
        size: e.size,
        mime: 'image/jpeg',
        note: `MP type 0x${(e.attributes & 0xffffff).toString(16)}`,
      },
    });
  });
  return images;
}

/**
 * What every maker-note reader shares: its input, and a walk over a vendor IFD with that
 * vendor's tag table (maker notes reuse the TIFF IFD layout with their own base rules).
 */
import { bound, LIMITS } from '../../../core/limits.js';
import type { Collector } from '../../types.js';
import { reportEntry } from '../entry.js';
import { decodeNumbers, endian } from '../format.js';
import { entryBytes, type IfdEntry, readIfd, type TiffCtx } from '../ifd.js';
import type { TagInfo } from '../tags.js';
import { reportEmbeddedJpeg } from '../thumbnail.js';

export interface Camera {
  make: string;
  model: string;
}

export interface NoteInput {
  /** The parent TIFF structure (its base is the default base of maker-note offsets). */
  ctx: TiffCtx;
  /** Absolute offset and length of the maker-note bytes. */
  offset: number;
  length: number;
  /** Up to the first 32 bytes, for header checks. */
  head: Uint8Array;
  camera: Camera;
  /** Path of the maker note itself, e.g. [..., 'ExifIFD', 'MakerNote(Canon)']. */
  path: string[];
  out: Collector;
}

export interface MakerNoteVendor {
  /** The name in the path segment 'MakerNote(<name>)'. */
  readonly name: string;
  matches(head: Uint8Array, camera: Camera): boolean;
  read(input: NoteInput): void;
}

export interface VendorTable {
  tags: ReadonlyMap<number, TagInfo>;
  /** Tags that point at (or hold) a sub-IFD, with its path segment and table. */
  subIfds?: ReadonlyMap<number, { seg: string; table: VendorTable }>;
  /** A JPEG given by start/length tags (Nikon PreviewIFD). */
  preview?: { start: number; length: number; name: string };
}

export const startsWith = (b: Uint8Array, s: string, at = 0): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/**
 * ExifTool's "ByteOrder => Unknown": keep the parent order unless the entry count only makes
 * sense the other way round.
 */
export function guessLittleEndian(ctx: TiffCtx, at: number): boolean {
  if (at + 2 > ctx.end) return ctx.e.le;
  const b = ctx.src.read(at, 2);
  const same = endian(ctx.e.le).u16(b, 0);
  const swapped = endian(!ctx.e.le).u16(b, 0);
  return same > 0 && same <= 512 ? ctx.e.le : swapped > 0 && swapped <= 512 ? !ctx.e.le : ctx.e.le;
}

/** Walks one vendor IFD at absolute `at`: every entry a finding named from `table`. */
export function readVendorIfd(
  ctx: TiffCtx,
  at: number,
  table: VendorTable,
  path: string[],
  out: Collector,
  depth = 0,
): void {
  bound(depth, LIMITS.maxIfdDepth, 'maker-note IFD nesting depth', at);
  const ifd = readIfd(ctx, at, path.at(-1) ?? 'MakerNote');
  const subs: { at: number; seg: string; table: VendorTable }[] = [];
  const byTag = new Map<number, IfdEntry>();
  for (const e of ifd.entries) {
    byTag.set(e.tag, e);
    const sub = table.subIfds?.get(e.tag);
    if (sub) {
      // Either a pointer (IFD/LONG) relative to the base, or the IFD stored as the value itself.
      const inline = e.type === 7 || (e.type === 1 && e.count > 4);
      const p = inline
        ? e.valueOffset
        : ctx.base + (decodeNumbers(e.type, entryBytes(ctx, e, sub.seg), ctx.e.le)[0] ?? 0);
      subs.push({ at: p, seg: sub.seg, table: sub.table });
      continue;
    }
    if (table.preview && (e.tag === table.preview.start || e.tag === table.preview.length)) continue;
    const info = table.tags.get(e.tag);
    const f = reportEntry(ctx, e, info, path, out);
    // An unnamed binary vendor record may hold anything (Sony's are enciphered): opaque, not 'other'.
    if (!info && f.value.kind === 'block') f.category = 'opaque';
  }
  const pv = table.preview;
  const start = pv && byTag.get(pv.start);
  const len = pv && byTag.get(pv.length);
  if (pv && start && len) {
    const [s] = decodeNumbers(start.type, entryBytes(ctx, start, pv.name), ctx.e.le);
    const [l] = decodeNumbers(len.type, entryBytes(ctx, len, pv.name), ctx.e.le);
    if (s !== undefined && l !== undefined && l > 0)
      reportEmbeddedJpeg(ctx, pv.name, ctx.base + s, l, path, out);
  }
  for (const s of subs) readVendorIfd(ctx, s.at, s.table, [...path, s.seg], out, depth + 1);
}

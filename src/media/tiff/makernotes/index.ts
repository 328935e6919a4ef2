/**
 * Maker notes (EXIF 0x927c, and DNG's copy in DNGPrivateData): find the vendor by header and
 * Make, let its reader decode what it can. A note no reader claims, or one that fails half-way,
 * is one 'opaque' finding with its size: an identity risk, never silent.
 */
import { AirlockError } from '../../../core/errors.js';
import type { Collector } from '../../types.js';
import { endian } from '../format.js';
import { entryBytes, entryInBounds, type IfdEntry, rebased, type TiffCtx } from '../ifd.js';
import { apple } from './apple.js';
import { canon } from './canon.js';
import { djiDebug, djiIfd } from './dji.js';
import { flir } from './flir.js';
import { nikon } from './nikon.js';
import type { Camera, MakerNoteVendor } from './note.js';
import { olympus } from './olympus.js';
import { panasonic } from './panasonic.js';
import { sony } from './sony.js';

export type { Camera } from './note.js';

/** Header-identified vendors first (a header is firmer than a Make string). */
const VENDORS: readonly MakerNoteVendor[] = [
  djiDebug,
  apple,
  olympus,
  panasonic,
  nikon,
  sony,
  canon,
  djiIfd,
  flir,
];

/** Vendors whose notes we name but do not decode (ExifTool cannot either, or they are private formats). */
const NAMED_ONLY: readonly [RegExp, string][] = [
  [/^GoPro/i, 'GoPro'],
  [/^Google/i, 'Google'],
  [/^samsung/i, 'Samsung'],
  [/^(Hasselblad|DJI)/i, 'DJI'],
  [/^FUJIFILM/i, 'FujiFilm'],
  [/^(PENTAX|RICOH|Asahi)/i, 'Pentax'],
];

const HEAD_BYTES = 32;

export function readMakerNote(
  ctx: TiffCtx,
  e: IfdEntry,
  camera: Camera,
  parentPath: string[],
  out: Collector,
): void {
  readNoteAt(ctx, e.valueOffset, e.valueLength, camera, parentPath, out);
}

function readNoteAt(
  ctx: TiffCtx,
  offset: number,
  length: number,
  camera: Camera,
  parentPath: string[],
  out: Collector,
): void {
  if (offset < ctx.start || offset + length > ctx.end) {
    out.warn('makernote-out-of-range', `MakerNote at ${offset} (+${length}) leaves the TIFF data`, offset);
    opaque('MakerNote', offset, length, parentPath, out);
    return;
  }
  const head = ctx.src.read(offset, Math.min(HEAD_BYTES, length));
  const vendor = VENDORS.find((v) => v.matches(head, camera));
  if (!vendor) {
    const named = NAMED_ONLY.find(([re]) => re.test(camera.make))?.[1];
    opaque(named ? `MakerNote(${named})` : 'MakerNote', offset, length, parentPath, out);
    return;
  }
  const path = [...parentPath, `MakerNote(${vendor.name})`];
  const before = out.findings.length;
  try {
    vendor.read({ ctx, offset, length, head, camera, path, out });
  } catch (err) {
    // Vendor notes break in the wild (bad offsets after editing): keep what was read, say so, and
    // report the whole note as opaque so nothing it holds goes unnoticed.
    if (!(err instanceof AirlockError)) throw err;
    out.warn('makernote-unreadable', `${vendor.name} maker note: ${err.message}`, err.offset ?? offset);
    opaque(path.at(-1) as string, offset, length, parentPath, out);
    return;
  }
  if (out.findings.length === before) opaque(path.at(-1) as string, offset, length, parentPath, out);
}

function opaque(seg: string, offset: number, length: number, parentPath: string[], out: Collector): void {
  out.add({
    category: 'opaque',
    tag: 'MakerNote',
    path: [...parentPath, seg],
    ranges: [{ offset, length }],
    value: { kind: 'block', size: length },
  });
}

/**
 * DNGPrivateData: "Adobe\0" then "MakN" records carry the original maker note with its byte
 * order and original offset, so offsets inside it still resolve ("MakN", size, order, offset, note).
 */
export function readDngPrivateData(
  ctx: TiffCtx,
  e: IfdEntry,
  camera: Camera,
  parentPath: string[],
  out: Collector,
): void {
  const path = [...parentPath, 'DNGPrivateData'];
  const b = entryInBounds(ctx, e) ? entryBytes(ctx, e, 'DNGPrivateData') : undefined;
  const isMakN =
    b !== undefined && b.length >= 20 && ascii(b, 0, 6) === 'Adobe\0' && ascii(b, 6, 10) === 'MakN';
  if (!isMakN) {
    opaque('DNGPrivateData', e.valueOffset, e.valueLength, parentPath, out);
    return;
  }
  const be = endian(false);
  const size = be.u32(b, 10);
  const le = b[14] === 0x49;
  const originalOffset = be.u32(b, 16);
  const noteOffset = e.valueOffset + 20;
  const noteLength = Math.min(size - 6, e.valueLength - 20);
  if (noteLength <= 0) {
    opaque('DNGPrivateData', e.valueOffset, e.valueLength, parentPath, out);
    return;
  }
  // The note's offsets count from the original file's TIFF header, where the note sat at originalOffset.
  const noteCtx = rebased(ctx, noteOffset - originalOffset, le);
  readNoteAt(noteCtx, noteOffset, noteLength, camera, path, out);
}

const ascii = (b: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...b.subarray(from, to));

/**
 * Finds the end-of-central-directory record and, for zip64, its locator and zip64 record: where
 * the central directory lies and how many entries it lists. The record is the one whose comment
 * runs exactly to the end of the file, searched from the end backwards as Android's ZipUtils
 * does, so bytes after a "comment" or a fake record inside a comment cannot move it.
 */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { Warning } from '../../findings/model.js';
import { hasSignature, u16, u32, u64 } from '../le-bytes.js';
import { ZIP_LIMITS } from './limits.js';

const EOCD_SIG = 0x06054b50;
const EOCD_BYTES = 22;
const LOCATOR_SIG = 0x07064b50;
const LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;

export interface EndRecord {
  eocdOffset: number;
  /** Offset of the zip64 end record, when the archive has one. */
  zip64Offset?: number;
  cdOffset: number;
  cdSize: number;
  entryCount: number;
  /** Where the directory must end by: the zip64 record, else the end record. */
  cdLimit: number;
}

/**
 * The end record whose comment length reaches exactly the end of the file (ZipUtils' rule, which
 * APK signature verification uses). Failing that, the last record in the file whose comment fits
 * before the end, as libziparchive takes it, the bytes after its comment warned: Android installs
 * such a file when its signature scheme does not cover the end. A comment running past the end
 * is refused by both.
 */
function locate(b: Uint8Array, warnings: Warning[]): number {
  if (b.length < EOCD_BYTES) throw malformed('not a ZIP archive: too short for an end record', 0);
  const last = b.length - EOCD_BYTES;
  const maxComment = Math.min(last, ZIP_LIMITS.maxCommentBytes);
  let nearest: number | undefined;
  for (let comment = 0; comment <= maxComment; comment++) {
    const at = last - comment;
    if (!hasSignature(b, at, EOCD_SIG)) continue;
    if (u16(b, at + 20, 'end record comment length') === comment) return at;
    nearest ??= at;
  }
  if (nearest === undefined) throw malformed('not a ZIP archive: no end-of-central-directory record', last);
  const comment = u16(b, nearest + 20, 'end record comment length');
  const after = last - nearest - comment;
  if (after < 0) {
    throw malformed(`ZIP end record's comment (${comment} bytes) runs past the end of the file`, nearest);
  }
  warnings.push({
    name: 'zip-trailing-bytes',
    offset: nearest + EOCD_BYTES + comment,
    detail: `${after} bytes after the end record's comment`,
  });
  return nearest;
}

export function readEndRecord(b: Uint8Array, warnings: Warning[]): EndRecord {
  const eocd = locate(b, warnings);
  const disk = u16(b, eocd + 4, 'end record disk number');
  const cdDisk = u16(b, eocd + 6, 'end record directory disk');
  const onDisk = u16(b, eocd + 8, 'end record entries on this disk');
  let entryCount = u16(b, eocd + 10, 'end record entry count');
  let cdSize = u32(b, eocd + 12, 'end record directory size');
  let cdOffset = u32(b, eocd + 16, 'end record directory offset');
  if (disk !== 0 || cdDisk !== 0 || onDisk !== entryCount) {
    warnings.push({
      name: 'zip-multi-disk',
      offset: eocd,
      detail: `end record names disk ${disk}, directory disk ${cdDisk}, ${onDisk} of ${entryCount} entries on this disk; read as one disk`,
    });
  }

  let zip64Offset: number | undefined;
  const locator = eocd - LOCATOR_BYTES;
  if (hasSignature(b, locator, LOCATOR_SIG)) {
    const at = u64(b, locator + 8, 'zip64 locator record offset');
    if (!(at + ZIP64_EOCD_BYTES <= locator) || !hasSignature(b, at, ZIP64_EOCD_SIG)) {
      throw malformed('zip64 locator does not point at a zip64 end record before it', locator);
    }
    zip64Offset = at;
    // Only the fields the classic record could not hold are taken from the zip64 one.
    if (entryCount === 0xffff) entryCount = u64(b, at + 32, 'zip64 entry count');
    if (cdSize === 0xffffffff) cdSize = u64(b, at + 40, 'zip64 directory size');
    if (cdOffset === 0xffffffff) cdOffset = u64(b, at + 48, 'zip64 directory offset');
  }
  const cdLimit = zip64Offset ?? eocd;
  bound(entryCount, ZIP_LIMITS.maxEntries, 'ZIP entry count', eocd);
  if (!(cdOffset + cdSize <= cdLimit)) {
    throw malformed(
      `ZIP central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${cdLimit}`,
      eocd,
    );
  }
  if (cdOffset + cdSize < cdLimit) {
    warnings.push({
      name: 'zip-cd-gap',
      offset: cdOffset + cdSize,
      detail: `${cdLimit - cdOffset - cdSize} bytes between the central directory and its end record`,
    });
  }
  return { eocdOffset: eocd, zip64Offset, cdOffset, cdSize, entryCount, cdLimit };
}

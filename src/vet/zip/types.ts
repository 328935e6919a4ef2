/**
 * An APK as Android's installer sees it: the entries its central directory lists, where the
 * directory and its end record lie (the APK Signing Block sits just before the directory), and
 * the oddities a hostile archive uses (bytes before the first entry, names twice, local headers
 * that disagree with the directory).
 */
import type { Warning } from '../../findings/model.js';

export interface ZipEntry {
  /** The name as the central directory gives it (UTF-8; control characters kept as they are). */
  name: string;
  /** 0 stored, 8 deflated; anything else cannot be read (entryBytes refuses it). */
  method: number;
  /** General-purpose flags (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name). */
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the entry's central directory record (for errors and warnings). */
  centralOffset: number;
  /** Offset of its local file header. */
  localHeaderOffset: number;
  /**
   * Offset of its data: after the local header, its name and its extra field. -1 when there is no
   * local header at localHeaderOffset (a zip-local-mismatch warning says so; entryBytes refuses it).
   */
  dataOffset: number;
}

export interface ZipArchive {
  /** In central-directory order; a name listed twice is listed twice. */
  entries: ZipEntry[];
  /** The central directory's offset and size as the end record gives them (zip64 resolved). */
  cdOffset: number;
  cdSize: number;
  /** Offset of the end-of-central-directory record. */
  eocdOffset: number;
  /** Bytes before the lowest local header (Janus: a DEX file in front of the archive). */
  prefixBytes: number;
  /**
   * Oddities that do not stop reading: zip-prefix, zip-duplicate-name, zip-local-mismatch,
   * zip-entry-name, zip-encrypted, zip-method, zip-overlap, zip-cd-gap, zip-trailing-bytes,
   * zip-multi-disk (and zip-warnings-capped past ZIP_LIMITS.maxWarnings).
   */
  warnings: Warning[];
}

/**
 * Reads the central directory: one record per entry, each bounded by the directory's own size,
 * with zip64 sizes and offsets taken from the entry's zip64 extra field where the record says so.
 * The data offset is filled in later, from the local header.
 */
import { malformed, truncated } from '../../core/errors.js';
import { u16, u32, u64 } from '../le-bytes.js';
import type { EndRecord } from './end-record.js';
import type { ZipEntry } from './types.js';

const CENTRAL_SIG = 0x02014b50;
const CENTRAL_BYTES = 46;
const ZIP64_EXTRA_ID = 0x0001;

/** A central record and where its raw name lies (the local header's name is compared byte for byte). */
export interface CentralRecord {
  entry: ZipEntry;
  nameOffset: number;
  nameLength: number;
}

/** Android decodes every name as UTF-8; a leading BOM is kept, as it is part of the name. */
const names = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Fills the saturated fields from a zip64 extra field (their order is fixed by the spec). */
function applyZip64(b: Uint8Array, e: ZipEntry, extra: number, extraEnd: number): void {
  const wants = [e.uncompressedSize, e.compressedSize, e.localHeaderOffset].map((v) => v === 0xffffffff);
  if (!wants.includes(true)) return;
  let p = extra;
  while (p + 4 <= extraEnd) {
    const id = u16(b, p, 'extra field id');
    const size = u16(b, p + 2, 'extra field size');
    const body = p + 4;
    if (body + size > extraEnd) break;
    if (id === ZIP64_EXTRA_ID) {
      let q = body;
      const take = (what: string): number => {
        if (q + 8 > body + size) throw truncated(`zip64 extra field ${what}`, q);
        const v = u64(b, q, `zip64 ${what}`);
        q += 8;
        return v;
      };
      if (wants[0]) e.uncompressedSize = take('uncompressed size');
      if (wants[1]) e.compressedSize = take('compressed size');
      if (wants[2]) e.localHeaderOffset = take('local header offset');
      return;
    }
    p = body + size;
  }
}

export function readCentralDirectory(b: Uint8Array, end: EndRecord): CentralRecord[] {
  const cdEnd = end.cdOffset + end.cdSize;
  // Each record takes at least 46 bytes: a count the directory cannot hold is refused up front.
  if (end.entryCount * CENTRAL_BYTES > end.cdSize) {
    throw malformed(
      `ZIP end record counts ${end.entryCount} entries; a ${end.cdSize}-byte central directory cannot hold them`,
      end.eocdOffset,
    );
  }
  const out: CentralRecord[] = [];
  let p = end.cdOffset;
  for (let i = 0; i < end.entryCount; i++) {
    if (p + CENTRAL_BYTES > cdEnd) throw truncated(`ZIP central directory record ${i + 1}`, p);
    if (u32(b, p, 'central record signature') !== CENTRAL_SIG) {
      throw malformed(`ZIP central directory record ${i + 1} has no central-record signature`, p);
    }
    const nameLength = u16(b, p + 28, 'central record name length');
    const extraLength = u16(b, p + 30, 'central record extra length');
    const commentLength = u16(b, p + 32, 'central record comment length');
    const next = p + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > cdEnd) throw truncated(`ZIP central directory record ${i + 1}`, p);
    const nameOffset = p + CENTRAL_BYTES;
    const entry: ZipEntry = {
      name: names.decode(b.subarray(nameOffset, nameOffset + nameLength)),
      method: u16(b, p + 10, 'central record method'),
      flags: u16(b, p + 8, 'central record flags'),
      crc32: u32(b, p + 16, 'central record CRC-32'),
      compressedSize: u32(b, p + 20, 'central record compressed size'),
      uncompressedSize: u32(b, p + 24, 'central record uncompressed size'),
      centralOffset: p,
      localHeaderOffset: u32(b, p + 42, 'central record local header offset'),
      dataOffset: -1,
    };
    applyZip64(b, entry, nameOffset + nameLength, nameOffset + nameLength + extraLength);
    out.push({ entry, nameOffset, nameLength });
    p = next;
  }
  return out;
}

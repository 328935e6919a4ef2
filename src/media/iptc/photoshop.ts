/**
 * Photoshop image resource blocks ("8BIM" IRB), as in JPEG APP13 and TIFF tag 34377:
 * signature, 16-bit id, even-padded Pascal name, 32-bit size, even-padded data.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { Collector } from '../types.js';
import { readXmpPacket } from '../xmp/read.js';
import { readIptc } from './read.js';

const SIGNATURES = new Set(['8BIM', 'PHUT', 'AgHg', 'DCSR', 'MeSa']);

/** ExifTool's names for the resources Airlock treats specially. */
const NAMES: Record<number, string> = {
  1028: 'IPTCData',
  1033: 'PhotoshopThumbnail',
  1036: 'PhotoshopThumbnail',
  1060: 'XMP',
  1061: 'IPTCDigest',
  1039: 'ICC_Profile',
  1058: 'EXIFInfo',
};

/** Thumbnail resources: a 28-byte header, then a JPEG. */
const THUMBNAIL_HEADER = 28;

export function readPhotoshopIrb(
  bytes: Uint8Array,
  fileOffset: number,
  path: string[],
  out: Collector,
): void {
  bound(bytes.length, LIMITS.maxBlockBytes, 'Photoshop IRB bytes', fileOffset);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let count = 0;
  while (pos + 12 <= bytes.length) {
    bound(++count, LIMITS.maxIfdEntries * 16, 'Photoshop resource count', fileOffset + pos);
    const sig = Buffer.from(bytes.subarray(pos, pos + 4)).toString('latin1');
    if (!SIGNATURES.has(sig)) {
      if (bytes.subarray(pos).every((b) => b === 0)) return; // padding
      throw malformed(`Photoshop IRB: bad resource signature '${sig}'`, fileOffset + pos);
    }
    const id = v.getUint16(pos + 4);
    const nameLen = bytes[pos + 6] as number;
    const sizeAt = pos + 6 + ((nameLen + 2) & ~1); // length byte + name, padded to even
    if (sizeAt + 4 > bytes.length) throw truncated('Photoshop resource header', fileOffset + pos);
    const size = v.getUint32(sizeAt);
    const dataAt = sizeAt + 4;
    if (dataAt + size > bytes.length)
      throw truncated(`Photoshop resource 0x${id.toString(16)}`, fileOffset + pos);
    const data = bytes.subarray(dataAt, dataAt + size);
    const at = fileOffset + dataAt;
    const name = NAMES[id] ?? `Photoshop_0x${id.toString(16).padStart(4, '0')}`;
    if (id === 0x0404) readIptc(data, at, [...path, 'IPTC'], out);
    else if (id === 0x0424) readXmpPacket(data, at, [...path, 'XMP'], out);
    else if ((id === 0x0409 || id === 0x040c) && size > THUMBNAIL_HEADER) {
      const w = v.getUint32(dataAt + 4);
      const h = v.getUint32(dataAt + 8);
      const len = size - THUMBNAIL_HEADER;
      out.add({
        category: 'imagery.embedded',
        tag: name,
        path,
        ranges: [{ offset: at + THUMBNAIL_HEADER, length: len }],
        value: { kind: 'block', size: len, mime: 'image/jpeg', width: w, height: h },
      });
    } else {
      out.add({
        category: 'other',
        tag: name,
        path,
        ranges: [{ offset: at, length: size }],
        value: { kind: 'block', size },
      });
    }
    pos = dataAt + size + (size & 1);
  }
}

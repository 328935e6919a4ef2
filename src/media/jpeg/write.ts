/**
 * Assembles JPEG files from segments (fixtures, demo): SOI, APPn payloads, a tiny valid
 * baseline image generated here, EOI; optionally an MPF index with images appended after EOI.
 */

import { concatBytes as concat } from '../../core/bytes.js';
import { XMP_EXT_SIG, XMP_SIG } from './appn.js';
import { mpEntry } from './mpf.js';
import { segmentHeader } from './segments.js';

export interface AppSegment {
  /** 0xe0…0xef, or 0xfe for COM. */
  marker: number;
  payload: Uint8Array;
}

const MAX_PAYLOAD = 0xffff - 2;
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function segment(marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD)
    throw new RangeError(`segment payload of ${payload.length} bytes exceeds 65533`);
  const out = new Uint8Array(4 + payload.length);
  segmentHeader.put(out, 0, { marker, length: payload.length + 2 });
  out.set(payload, 4);
  return out;
}

/**
 * The image proper: an 8x8 single-component baseline frame whose one block has DC difference 0
 * and an immediate EOB (mid grey). Each Huffman table holds a single 1-bit code '0' for symbol 0,
 * so the scan is the bits "00", padded with ones: 0x3F.
 */
export function tinyImage(): Uint8Array {
  const dqt = new Uint8Array(65).fill(1);
  dqt[0] = 0x00; // 8-bit precision, table 0
  const huff = (cls: number): Uint8Array => {
    const t = new Uint8Array(1 + 16 + 1);
    t[0] = cls << 4; // class (0 DC, 1 AC), table 0
    t[1] = 1; // one code of length 1
    t[17] = 0x00; // symbol: DC category 0 / AC EOB
    return t;
  };
  const sof = Uint8Array.of(8, 0, 8, 0, 8, 1, 1, 0x11, 0);
  const sos = Uint8Array.of(1, 1, 0x00, 0, 63, 0);
  return concat([
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, huff(0)),
    segment(0xc4, huff(1)),
    segment(0xda, sos),
    Uint8Array.of(0x3f),
  ]);
}

const SOI = Uint8Array.of(0xff, 0xd8);
const EOI = Uint8Array.of(0xff, 0xd9);

/** A whole JPEG: SOI, the segments, the tiny image, EOI. */
export function buildJpeg(apps: AppSegment[]): Uint8Array {
  return concat([SOI, ...apps.map((a) => segment(a.marker, a.payload)), tinyImage(), EOI]);
}

/** APP1 XMP payload. */
export const xmpPayload = (packet: Uint8Array): Uint8Array => concat([ascii(XMP_SIG), packet]);

/** APP1 extended-XMP payloads for `packet`, split into chunks of at most `chunk` bytes. */
export function extendedXmpPayloads(guid: string, packet: Uint8Array, chunk = 65000): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < packet.length; at += chunk) {
    const head = new Uint8Array(40);
    head.set(ascii(guid.padEnd(32, '0').slice(0, 32)), 0);
    const v = new DataView(head.buffer);
    v.setUint32(32, packet.length);
    v.setUint32(36, at);
    out.push(concat([ascii(XMP_EXT_SIG), head, packet.subarray(at, at + chunk)]));
  }
  return out;
}

/** A minimal EXIF APP1 payload: IFD0 with Make and Model (ASCII), big-endian. */
export function exifPayload(make: string, model: string): Uint8Array {
  const strs = [`${make}\0`, `${model}\0`];
  const ifdAt = 8;
  const count = 2;
  let dataAt = ifdAt + 2 + count * 12 + 4;
  const tiff = new Uint8Array(dataAt + strs.reduce((n, s) => n + s.length + (s.length & 1), 0));
  const v = new DataView(tiff.buffer);
  tiff.set(ascii('MM'), 0);
  v.setUint16(2, 42);
  v.setUint32(4, ifdAt);
  v.setUint16(ifdAt, count);
  [0x010f, 0x0110].forEach((tag, i) => {
    const e = ifdAt + 2 + i * 12;
    const s = strs[i] as string;
    v.setUint16(e, tag);
    v.setUint16(e + 2, 2); // ASCII
    v.setUint32(e + 4, s.length);
    if (s.length <= 4) tiff.set(ascii(s), e + 8);
    else {
      v.setUint32(e + 8, dataAt);
      tiff.set(ascii(s), dataAt);
      dataAt += s.length + (s.length & 1);
    }
  });
  return concat([ascii('Exif\0\0'), tiff]);
}

/**
 * A JPEG with an MPF index (APP2, placed after `apps`) naming `extra` images appended after EOI.
 * Offsets are relative to the MPF TIFF header, as CIPA DC-007 says.
 */
export function buildJpegWithMpf(apps: AppSegment[], extra: Uint8Array[]): Uint8Array {
  const n = 1 + extra.length;
  const entriesAt = 8 + 2 + 3 * 12 + 4;
  const tiff = new Uint8Array(entriesAt + n * mpEntry.len);
  const v = new DataView(tiff.buffer);
  tiff.set(ascii('MM'), 0);
  v.setUint16(2, 42);
  v.setUint32(4, 8);
  v.setUint16(8, 3);
  const entry = (i: number, tag: number, type: number, count: number, value: number | Uint8Array): void => {
    const e = 10 + i * 12;
    v.setUint16(e, tag);
    v.setUint16(e + 2, type);
    v.setUint32(e + 4, count);
    if (value instanceof Uint8Array) tiff.set(value, e + 8);
    else v.setUint32(e + 8, value);
  };
  entry(0, 0xb000, 7, 4, ascii('0100'));
  entry(1, 0xb001, 4, 1, n);
  entry(2, 0xb002, 7, n * mpEntry.len, entriesAt);
  const mpfPayload = concat([ascii('MPF\0'), tiff]);
  const primaryLen = buildJpeg([...apps, { marker: 0xe2, payload: mpfPayload }]).length;
  // The MPF header sits after SOI, the other segments and the APP2 header and signature.
  const mpfBase = 2 + apps.reduce((s, a) => s + 4 + a.payload.length, 0) + 4 + 4;
  let at = primaryLen;
  mpEntry.put(
    v,
    entriesAt,
    { attributes: 0x20030000, size: primaryLen, offset: 0, dependent1: 0, dependent2: 0 },
    false,
  );
  extra.forEach((img, k) => {
    const e = {
      attributes: 0x00010001,
      size: img.length,
      offset: at - mpfBase,
      dependent1: 0,
      dependent2: 0,
    };
    mpEntry.put(v, entriesAt + (k + 1) * mpEntry.len, e, false);
    at += img.length;
  });
  const primary = buildJpeg([...apps, { marker: 0xe2, payload: concat([ascii('MPF\0'), tiff]) }]);
  return concat([primary, ...extra]);
}

/**
 * The fuzzer's own map of where a file keeps its lengths, counts and offsets (JPEG segment
 * lengths, TIFF IFD entry counts, value offsets, next-IFD links). Written here, independently of
 * Airlock's parsers, so hostile edits land exactly on the fields a parser has to distrust.
 * Bounded like any parser: it only ever reads seeds, which are real corpus files.
 */

export type FieldKind =
  | 'segment-length'
  | 'ifd-count'
  | 'value-count'
  | 'value-offset'
  | 'ifd-pointer'
  | 'next-ifd';

export interface Field {
  kind: FieldKind;
  /** Absolute position in the file, and width in bytes. */
  pos: number;
  size: 2 | 4;
  littleEndian: boolean;
  /** Where the TIFF header sits (offsets in a TIFF are relative to it). */
  tiffBase?: number;
  /** The IFD this field belongs to (relative to tiffBase): what a loop points back to. */
  ifd?: number;
}

/** A decoded value that is not a length (a float, a date, a string, a version byte). */
export interface ValueField {
  name: string;
  pos: number;
  type: 'u8' | 'i32' | 'i64' | 'f32' | 'f64' | 'text';
  /** Bytes (for text, the fixed field width). */
  size: number;
}

/** A length-prefixed block: resized with its length kept true, and the offsets past it moved. */
export interface Block {
  name: string;
  /** Where the block starts (its header), its length field and its body [start, end). */
  start: number;
  length: Field;
  body: [number, number];
  /** Absolute offsets elsewhere in the file that point at or past the block's end. */
  shifts: Field[];
}

export interface Layout {
  fields: Field[];
  /** XMP packets found in JPEG APP1 segments: [start, end). */
  xmp: [number, number][];
  /** Values to overwrite in place with hostile ones (structure-aware formats only). */
  values?: ValueField[];
  blocks?: Block[];
  /** Where a block may be inserted (before the records), with the offsets it would move. */
  insertAt?: { pos: number; shifts: Field[] };
}

const XMP_SIG = 'http://ns.adobe.com/xap/1.0/\0';
const ascii = (b: Uint8Array, at: number, n: number): string =>
  String.fromCharCode(...b.subarray(at, at + n));

/** TIFF structure at `base` (a whole TIFF/DNG file, or the body of a JPEG APP1 Exif / APP2 MPF). */
export function tiffFields(b: Uint8Array, base: number, end = b.length): Field[] {
  const out: Field[] = [];
  if (base + 8 > end) return out;
  const order = ascii(b, base, 2);
  if (order !== 'II' && order !== 'MM') return out;
  const le = order === 'II';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (p: number) => dv.getUint16(p, le);
  const u32 = (p: number) => dv.getUint32(p, le);
  const SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
  const seen = new Set<number>();
  const queue = [u32(base + 4)];
  while (queue.length > 0 && seen.size < 64) {
    const ifd = queue.shift()!;
    const at = base + ifd;
    if (seen.has(ifd) || ifd < 8 || at + 2 > end) continue;
    seen.add(ifd);
    const n = u16(at);
    if (at + 2 + n * 12 + 4 > end || n > 1000) continue;
    out.push({ kind: 'ifd-count', pos: at, size: 2, littleEndian: le, tiffBase: base, ifd });
    for (let i = 0; i < n; i++) {
      const e = at + 2 + i * 12;
      const tag = u16(e);
      const type = u16(e + 2);
      const count = u32(e + 4);
      out.push({ kind: 'value-count', pos: e + 4, size: 4, littleEndian: le, tiffBase: base, ifd });
      if ([0x8769, 0x8825, 0xa005, 0x014a].includes(tag)) {
        out.push({ kind: 'ifd-pointer', pos: e + 8, size: 4, littleEndian: le, tiffBase: base, ifd });
        queue.push(u32(e + 8));
      } else if ((SIZES[type] ?? 1) * count > 4) {
        out.push({ kind: 'value-offset', pos: e + 8, size: 4, littleEndian: le, tiffBase: base, ifd });
      }
    }
    const next = at + 2 + n * 12;
    out.push({ kind: 'next-ifd', pos: next, size: 4, littleEndian: le, tiffBase: base, ifd });
    const nx = u32(next);
    if (nx !== 0) queue.push(nx);
  }
  return out;
}

/** JPEG markers up to the first SOS: every segment length, plus the TIFFs and XMP they carry. */
export function jpegLayout(b: Uint8Array): Layout {
  const fields: Field[] = [];
  const xmp: [number, number][] = [];
  let p = 2;
  for (let guard = 0; guard < 10_000 && p + 4 <= b.length; guard++) {
    if (b[p] !== 0xff) break;
    const m = b[p + 1]!;
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    if (m === 0xd9) break;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    fields.push({ kind: 'segment-length', pos: p + 2, size: 2, littleEndian: false });
    const body = p + 4;
    const end = Math.min(b.length, p + 2 + len);
    if (m === 0xe1 && ascii(b, body, 6) === 'Exif\0\0') fields.push(...tiffFields(b, body + 6, end));
    if (m === 0xe1 && ascii(b, body, XMP_SIG.length) === XMP_SIG) xmp.push([body + XMP_SIG.length, end]);
    if (m === 0xe2 && ascii(b, body, 4) === 'MPF\0') fields.push(...tiffFields(b, body + 4, end));
    if (m === 0xda) break;
    p += 2 + len;
  }
  return { fields, xmp };
}

export function layoutOf(format: string, b: Uint8Array): Layout {
  if (format === 'jpeg') return jpegLayout(b);
  if (format === 'isobmff') return { fields: boxFields(b, 0, b.length, 0), xmp: [] };
  if (format === 'tiff') return { fields: tiffFields(b, 0), xmp: [] };
  return { fields: [], xmp: [] };
}

/** Boxes whose bodies are boxes (ISO/IEC 14496-12; QuickTime's udta and item lists). */
const BOX_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts', 'dinf', 'ilst']);

/**
 * Every box's 32-bit size field in [start, end), descending into containers: the lengths an
 * ISO-BMFF reader has to distrust. 'meta' is a full box in MP4 (4 bytes of version and flags
 * first) and a plain container in QuickTime: told apart by whether a box type follows at once.
 */
function boxFields(b: Uint8Array, start: number, end: number, depth: number, parent = ''): Field[] {
  const out: Field[] = [];
  let at = start;
  while (end - at >= 8 && depth < 12) {
    const size = be32(b, at);
    const type = ascii(b, at + 4, 4);
    if (size < 8 || at + size > end) break;
    out.push({ kind: 'segment-length', pos: at, size: 4, littleEndian: false });
    const body = at + 8;
    if (BOX_CONTAINERS.has(type) || parent === 'ilst')
      out.push(...boxFields(b, body, at + size, depth + 1, type));
    else if (type === 'meta') {
      const plain = /^[a-z]{4}$/.test(ascii(b, body + 4, 4));
      out.push(...boxFields(b, plain ? body : body + 4, at + size, depth + 1, type));
    }
    at += size;
  }
  return out;
}

const be32 = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;

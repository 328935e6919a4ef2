/**
 * Builds a TIFF/EXIF structure from a description: IFD0, ExifIFD, GPS (from signed decimal
 * degrees), an IFD1 JPEG thumbnail and raw MakerNote bytes, in either byte order. For test
 * fixtures and the demo kit; the output starts with the TIFF header (no "Exif\0\0" prefix).
 */
import { endian, type FieldType, fieldSize } from './format.js';

export type TagValue =
  | { type: 'ascii'; value: string }
  | { type: 'byte' | 'undefined'; value: Uint8Array | readonly number[] }
  | { type: 'short' | 'long' | 'rational' | 'srational'; value: number | readonly number[] };

export interface TagSpec {
  tag: number;
  value: TagValue;
}

export interface ExifSpec {
  ifd0?: TagSpec[];
  exif?: TagSpec[];
  /** Signed decimal degrees (south/west negative), metres (below sea level negative). */
  gps?: { lat: number; lon: number; alt?: number; tags?: TagSpec[] };
  /** Stored verbatim as ExifIFD MakerNote (0x927c). */
  makerNote?: Uint8Array;
  /** JPEG bytes for IFD1 (ThumbnailOffset/ThumbnailLength). */
  thumbnail?: Uint8Array;
}

export const ascii = (tag: number, value: string): TagSpec => ({ tag, value: { type: 'ascii', value } });
export const short = (tag: number, value: number | number[]): TagSpec => ({
  tag,
  value: { type: 'short', value },
});
export const long = (tag: number, value: number | number[]): TagSpec => ({
  tag,
  value: { type: 'long', value },
});
export const rational = (tag: number, value: number | number[]): TagSpec => ({
  tag,
  value: { type: 'rational', value },
});
export const undef = (tag: number, value: Uint8Array): TagSpec => ({
  tag,
  value: { type: 'undefined', value },
});

const TYPE_CODES: Record<TagValue['type'], FieldType> = {
  byte: 1,
  ascii: 2,
  short: 3,
  long: 4,
  rational: 5,
  undefined: 7,
  srational: 10,
};

const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const MAKER_NOTE = 0x927c;
const THUMB_OFFSET = 0x0201;
const THUMB_LENGTH = 0x0202;

/** Encoded entry: its type, count, and value bytes in the chosen byte order. */
interface Encoded {
  tag: number;
  type: FieldType;
  count: number;
  bytes: Uint8Array;
}

export function buildExif(spec: ExifSpec, opts: { littleEndian?: boolean } = {}): Uint8Array {
  const le = opts.littleEndian ?? false;
  const enc = (t: TagSpec): Encoded => encode(t, le);
  const ptr = (tag: number): Encoded => encode(long(tag, 0), le);

  const ifd0 = (spec.ifd0 ?? []).map(enc);
  const exif = (spec.exif ?? []).map(enc);
  if (spec.makerNote) exif.push(enc(undef(MAKER_NOTE, spec.makerNote)));
  const gps = spec.gps ? gpsTags(spec.gps).map(enc) : undefined;
  const ifd1 = spec.thumbnail
    ? [enc(short(0x0103, 6)), ptr(THUMB_OFFSET), enc(long(THUMB_LENGTH, spec.thumbnail.length))]
    : undefined;
  if (exif.length > 0) ifd0.push(ptr(EXIF_IFD));
  if (gps) ifd0.push(ptr(GPS_IFD));

  // Layout: header | IFD0 | ExifIFD | GPS | IFD1 | thumbnail. Pointers are 4-byte inline values,
  // so sizes do not depend on them and one pass places everything.
  const at0 = 8;
  const atExif = at0 + ifdSize(ifd0);
  const atGps = atExif + (exif.length > 0 ? ifdSize(exif) : 0);
  const atIfd1 = atGps + (gps ? ifdSize(gps) : 0);
  const atThumb = atIfd1 + (ifd1 ? ifdSize(ifd1) : 0);
  const total = atThumb + (spec.thumbnail?.length ?? 0);

  setLong(ifd0, EXIF_IFD, atExif, le);
  setLong(ifd0, GPS_IFD, atGps, le);
  if (ifd1) setLong(ifd1, THUMB_OFFSET, atThumb, le);

  const out = new Uint8Array(total);
  const e = endian(le);
  out.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  e.putU16(out, 2, 42);
  e.putU32(out, 4, at0);
  writeIfd(out, at0, ifd0, ifd1 ? atIfd1 : 0, le);
  if (exif.length > 0) writeIfd(out, atExif, exif, 0, le);
  if (gps) writeIfd(out, atGps, gps, 0, le);
  if (ifd1 && spec.thumbnail) {
    writeIfd(out, atIfd1, ifd1, 0, le);
    out.set(spec.thumbnail, atThumb);
  }
  return out;
}

function gpsTags(g: NonNullable<ExifSpec['gps']>): TagSpec[] {
  const tags: TagSpec[] = [
    { tag: 0x0000, value: { type: 'byte', value: [2, 3, 0, 0] } },
    ascii(0x0001, g.lat < 0 ? 'S' : 'N'),
    rational(0x0002, dms(g.lat)),
    ascii(0x0003, g.lon < 0 ? 'W' : 'E'),
    rational(0x0004, dms(g.lon)),
  ];
  if (g.alt !== undefined) {
    tags.push(
      { tag: 0x0005, value: { type: 'byte', value: [g.alt < 0 ? 1 : 0] } },
      rational(0x0006, Math.abs(g.alt)),
    );
  }
  return [...tags, ...(g.tags ?? [])];
}

/** Degrees, minutes, seconds of |value| (seconds to a millionth). */
function dms(v: number): number[] {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = (a - d - m / 60) * 3600;
  return [d, m, Math.round(s * 1e6) / 1e6];
}

function encode(t: TagSpec, le: boolean): Encoded {
  const type = TYPE_CODES[t.value.type];
  const v = t.value;
  if (v.type === 'ascii') {
    const bytes = new Uint8Array([...Buffer.from(v.value, 'utf8'), 0]);
    return { tag: t.tag, type, count: bytes.length, bytes };
  }
  if (v.type === 'byte' || v.type === 'undefined') {
    const bytes = Uint8Array.from(v.value);
    return { tag: t.tag, type, count: bytes.length, bytes };
  }
  const nums = typeof v.value === 'number' ? [v.value] : [...v.value];
  const size = fieldSize(type);
  const bytes = new Uint8Array(nums.length * size);
  const dv = new DataView(bytes.buffer);
  nums.forEach((n, i) => {
    const o = i * size;
    if (v.type === 'short') dv.setUint16(o, n, le);
    else if (v.type === 'long') dv.setUint32(o, n, le);
    else {
      const [num, den] = fraction(n);
      if (v.type === 'rational') {
        dv.setUint32(o, num, le);
        dv.setUint32(o + 4, den, le);
      } else {
        dv.setInt32(o, num, le);
        dv.setInt32(o + 4, den, le);
      }
    }
  });
  return { tag: t.tag, type, count: nums.length, bytes };
}

/** A decimal as num/den with the smallest power-of-ten denominator that holds it (up to 10^6). */
function fraction(n: number): [number, number] {
  let den = 1;
  while (den < 1_000_000 && Math.round(n * den) / den !== n && Math.abs(n * den * 10) < 2 ** 31) den *= 10;
  return [Math.round(n * den), den];
}

const pad2 = (n: number): number => n + (n & 1);
const ifdSize = (es: Encoded[]): number =>
  2 + 12 * es.length + 4 + es.reduce((s, x) => s + (x.bytes.length > 4 ? pad2(x.bytes.length) : 0), 0);

function setLong(es: Encoded[], tag: number, value: number, le: boolean): void {
  const e = es.find((x) => x.tag === tag);
  if (e) new DataView(e.bytes.buffer, e.bytes.byteOffset).setUint32(0, value, le);
}

function writeIfd(out: Uint8Array, at: number, entries: Encoded[], next: number, le: boolean): void {
  const e = endian(le);
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  e.putU16(out, at, sorted.length);
  let data = at + 2 + 12 * sorted.length + 4;
  sorted.forEach((x, i) => {
    const o = at + 2 + 12 * i;
    e.putU16(out, o, x.tag);
    e.putU16(out, o + 2, x.type);
    e.putU32(out, o + 4, x.count);
    if (x.bytes.length <= 4) out.set(x.bytes, o + 8);
    else {
      e.putU32(out, o + 8, data);
      out.set(x.bytes, data);
      data += pad2(x.bytes.length);
    }
  });
  e.putU32(out, at + 2 + 12 * sorted.length, next);
}

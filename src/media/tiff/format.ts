/**
 * TIFF field types and byte order: the layouts an IFD entry is made of, with a read and a
 * write side (the writer and a future scrub rewrite the same bytes).
 */

/** TIFF 6.0 field types (plus 13 = IFD, used for sub-IFD pointers). */
export const FIELD_TYPES = {
  1: { name: 'int8u', size: 1 },
  2: { name: 'string', size: 1 },
  3: { name: 'int16u', size: 2 },
  4: { name: 'int32u', size: 4 },
  5: { name: 'rational64u', size: 8 },
  6: { name: 'int8s', size: 1 },
  7: { name: 'undef', size: 1 },
  8: { name: 'int16s', size: 2 },
  9: { name: 'int32s', size: 4 },
  10: { name: 'rational64s', size: 8 },
  11: { name: 'float', size: 4 },
  12: { name: 'double', size: 8 },
  13: { name: 'ifd', size: 4 },
} as const;
export type FieldType = keyof typeof FIELD_TYPES;

export const isFieldType = (t: number): t is FieldType => t >= 1 && t <= 13;
export const fieldSize = (t: FieldType): number => FIELD_TYPES[t].size;

/** Fixed-size integers in the structure's byte order: `get` and `put` side by side. */
export interface Endian {
  readonly le: boolean;
  u16(b: Uint8Array, off: number): number;
  u32(b: Uint8Array, off: number): number;
  putU16(b: Uint8Array, off: number, v: number): void;
  putU32(b: Uint8Array, off: number, v: number): void;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The same RangeError a DataView throws: callers bound offsets first, this is the backstop. */
function inside(b: Uint8Array, off: number, size: number): void {
  if (!(off >= 0 && off + size <= b.length))
    throw new RangeError(`offset ${off} is outside the bounds of the data`);
}

// Read and written byte by byte: a DataView per call was the TIFF walk's largest cost.
const LE: Endian = {
  le: true,
  u16(b, off) {
    inside(b, off, 2);
    return (b[off] as number) | ((b[off + 1] as number) << 8);
  },
  u32(b, off) {
    inside(b, off, 4);
    const low = (b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16);
    return low + (b[off + 3] as number) * 0x1000000;
  },
  putU16(b, off, v) {
    inside(b, off, 2);
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
  },
  putU32(b, off, v) {
    inside(b, off, 4);
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
    b[off + 2] = (v >>> 16) & 0xff;
    b[off + 3] = (v >>> 24) & 0xff;
  },
};
const BE: Endian = {
  le: false,
  u16(b, off) {
    inside(b, off, 2);
    return ((b[off] as number) << 8) | (b[off + 1] as number);
  },
  u32(b, off) {
    inside(b, off, 4);
    const low = ((b[off + 1] as number) << 16) | ((b[off + 2] as number) << 8) | (b[off + 3] as number);
    return (b[off] as number) * 0x1000000 + low;
  },
  putU16(b, off, v) {
    inside(b, off, 2);
    b[off] = (v >>> 8) & 0xff;
    b[off + 1] = v & 0xff;
  },
  putU32(b, off, v) {
    inside(b, off, 4);
    b[off] = (v >>> 24) & 0xff;
    b[off + 1] = (v >>> 16) & 0xff;
    b[off + 2] = (v >>> 8) & 0xff;
    b[off + 3] = v & 0xff;
  },
};

export const endian = (le: boolean): Endian => (le ? LE : BE);

/** "II" or "MM" at `off`, or undefined. */
export function byteOrderMark(b: Uint8Array, off = 0): boolean | undefined {
  if (b.length < off + 2) return undefined;
  if (b[off] === 0x49 && b[off + 1] === 0x49) return true;
  if (b[off] === 0x4d && b[off + 1] === 0x4d) return false;
  return undefined;
}

/** Decodes the numeric values of an entry (rationals as decimals, as `exiftool -n` prints them). */
export function decodeNumbers(type: FieldType, bytes: Uint8Array, le: boolean): number[] {
  const v = view(bytes);
  const n = Math.floor(bytes.length / fieldSize(type));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * fieldSize(type);
    switch (type) {
      case 1:
      case 2:
      case 7:
        out.push(v.getUint8(o));
        break;
      case 6:
        out.push(v.getInt8(o));
        break;
      case 3:
        out.push(v.getUint16(o, le));
        break;
      case 8:
        out.push(v.getInt16(o, le));
        break;
      case 4:
      case 13:
        out.push(v.getUint32(o, le));
        break;
      case 9:
        out.push(v.getInt32(o, le));
        break;
      case 5:
        out.push(ratio(v.getUint32(o, le), v.getUint32(o + 4, le)));
        break;
      case 10:
        out.push(ratio(v.getInt32(o, le), v.getInt32(o + 4, le)));
        break;
      case 11:
        out.push(v.getFloat32(o, le));
        break;
      case 12:
        out.push(v.getFloat64(o, le));
        break;
    }
  }
  return out;
}

/** A zero denominator gives NaN (ExifTool prints 'inf'/'undef'): callers treat it as unknown. */
const ratio = (num: number, den: number): number => (den === 0 ? Number.NaN : num / den);

/**
 * Text of an ASCII value: up to the first NUL, trailing blanks kept off. trimEnd drops exactly
 * what /\s+$/ matches, in one pass: the regex retried at every blank of a long run followed by a
 * non-blank (quadratic: 20 entries on one 60,000-blank value took over a minute).
 */
export function decodeAscii(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return decodeText(nul >= 0 ? bytes.subarray(0, nul) : bytes).trimEnd();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** UTF-8 when it is valid (what writers use today), Latin-1 otherwise (older cameras). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/**
 * Byte layouts of a DJI flight record (DJIFlightRecord_*.txt, binary despite the name), as data
 * with a read and a write side. Learnt from the public descriptions of the format (the
 * dji-log-parser project's layout notes), little-endian throughout:
 *
 *   prefix (100 bytes; 12 before v6): detail offset u64 · detail length u16 · version u8 · u8 ·
 *     encrypt-magic u64 · 80 reserved
 *   v1–11: prefix · records · details (at detail offset)
 *   v12:   prefix · details (at 100, 436 bytes) · records
 *   v13+:  prefix · auxiliary blocks (u8 kind, u16 length, body; kind 0 = info: the details,
 *          obfuscated; kind 1 = version: u16 version, u8 department) · records (AES) from the
 *          detail offset on, with keys only DJI's online key service hands out.
 */
export type FieldType = 'u8' | 'u16' | 'i32' | 'i64' | 'u64' | 'f32' | 'f64' | 'str';

export interface Field {
  name: string;
  at: number;
  type: FieldType;
  /** Byte length for strings. */
  len?: number;
}

export type FieldValue = number | string;

export const PREFIX_SIZE = 100;
export const OLD_PREFIX_SIZE = 12;
export const V12_DETAILS_SIZE = 436;

export const PREFIX: readonly Field[] = [
  { name: 'detailOffset', at: 0, type: 'u64' },
  { name: 'detailLength', at: 8, type: 'u16' },
  { name: 'version', at: 10, type: 'u8' },
  { name: 'encryptMagicVersion', at: 12, type: 'u64' },
];

/** The details area from v6 on (380 bytes used). */
export const DETAILS: readonly Field[] = [
  { name: 'subStreet', at: 0, type: 'str', len: 20 },
  { name: 'street', at: 20, type: 'str', len: 20 },
  { name: 'city', at: 40, type: 'str', len: 20 },
  { name: 'area', at: 60, type: 'str', len: 20 },
  { name: 'recordLineCount', at: 83, type: 'i32' },
  { name: 'startTime', at: 91, type: 'i64' },
  { name: 'longitude', at: 99, type: 'f64' },
  { name: 'latitude', at: 107, type: 'f64' },
  { name: 'totalDistance', at: 115, type: 'f32' },
  { name: 'totalTime', at: 119, type: 'i32' },
  { name: 'maxHeight', at: 123, type: 'f32' },
  { name: 'maxHorizontalSpeed', at: 127, type: 'f32' },
  { name: 'maxVerticalSpeed', at: 131, type: 'f32' },
  { name: 'captureNum', at: 135, type: 'i32' },
  { name: 'videoTime', at: 139, type: 'i64' },
  // Four "moment" photo positions, in radians.
  ...[0, 1, 2, 3].map((i) => ({ name: `momentPicLongitude${i}`, at: 179 + 8 * i, type: 'f64' as const })),
  ...[0, 1, 2, 3].map((i) => ({ name: `momentPicLatitude${i}`, at: 211 + 8 * i, type: 'f64' as const })),
  { name: 'takeOffAltitude', at: 267, type: 'f32' },
  { name: 'productType', at: 271, type: 'u8' },
  { name: 'aircraftName', at: 280, type: 'str', len: 32 },
  { name: 'aircraftSn', at: 312, type: 'str', len: 16 },
  { name: 'cameraSn', at: 328, type: 'str', len: 16 },
  { name: 'rcSn', at: 344, type: 'str', len: 16 },
  { name: 'batterySn', at: 360, type: 'str', len: 16 },
  { name: 'appPlatform', at: 376, type: 'u8' },
];
export const DETAILS_SIZE = 380;

/** v1–5 moved the tail of the details: shorter serials at fixed places. */
export const DETAILS_V5: readonly Field[] = [
  ...DETAILS.filter((f) => f.at < 267),
  { name: 'aircraftSn', at: 267, type: 'str', len: 10 },
  { name: 'productType', at: 277, type: 'u8' },
  { name: 'aircraftName', at: 278, type: 'str', len: 24 },
  { name: 'cameraSn', at: 318, type: 'str', len: 10 },
  { name: 'rcSn', at: 328, type: 'str', len: 10 },
  { name: 'batterySn', at: 338, type: 'str', len: 10 },
  { name: 'appPlatform', at: 348, type: 'u8' },
  { name: 'takeOffAltitude', at: 352, type: 'f32' },
];
export const DETAILS_V5_SIZE = 356;

export const sizeOf = (f: Field): number =>
  f.type === 'str' ? (f.len ?? 0) : { u8: 1, u16: 2, i32: 4, f32: 4, i64: 8, u64: 8, f64: 8 }[f.type];

export function getField(b: Uint8Array, base: number, f: Field): FieldValue {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const o = base + f.at;
  switch (f.type) {
    case 'u8':
      return v.getUint8(o);
    case 'u16':
      return v.getUint16(o, true);
    case 'i32':
      return v.getInt32(o, true);
    case 'i64':
      return Number(v.getBigInt64(o, true));
    case 'u64':
      return Number(v.getBigUint64(o, true));
    case 'f32':
      return v.getFloat32(o, true);
    case 'f64':
      return v.getFloat64(o, true);
    case 'str': {
      const raw = b.subarray(o, o + (f.len ?? 0));
      const end = raw.indexOf(0);
      return Buffer.from(end < 0 ? raw : raw.subarray(0, end)).toString('utf8');
    }
  }
}

export function putField(b: Uint8Array, base: number, f: Field, value: FieldValue): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const o = base + f.at;
  const n = typeof value === 'number' ? value : Number(value);
  switch (f.type) {
    case 'u8':
      v.setUint8(o, n);
      return;
    case 'u16':
      v.setUint16(o, n, true);
      return;
    case 'i32':
      v.setInt32(o, n, true);
      return;
    case 'i64':
      v.setBigInt64(o, BigInt(Math.trunc(n)), true);
      return;
    case 'u64':
      v.setBigUint64(o, BigInt(Math.trunc(n)), true);
      return;
    case 'f32':
      v.setFloat32(o, n, true);
      return;
    case 'f64':
      v.setFloat64(o, n, true);
      return;
    case 'str': {
      const len = f.len ?? 0;
      b.fill(0, o, o + len);
      b.set(Buffer.from(String(value), 'utf8').subarray(0, len), o);
    }
  }
}

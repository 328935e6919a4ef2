/**
 * Replacement values written in the tag's own format: a coarsened GPS position (degrees as one
 * rational n/10^7, minutes and seconds 0/1, so ExifTool reads back the same decimal), a
 * date-only time, a number or a text.
 */
import type { Position, Value } from '../../findings/model.js';
import type { FieldType } from './format.js';
import type { IfdEntry } from './ifd.js';
import type { OutEntry } from './rewrite-layout.js';

const DEGREE_DENOMINATOR = 10_000_000;
const ALTITUDE_DENOMINATOR = 100;

const GPS = {
  latRef: 0x01,
  lat: 0x02,
  lonRef: 0x03,
  lon: 0x04,
  altRef: 0x05,
  alt: 0x06,
  destLatRef: 0x13,
  destLat: 0x14,
  destLonRef: 0x15,
  destLon: 0x16,
} as const;

const ascii = (tag: number, text: string): OutEntry => {
  const bytes = Uint8Array.from([...Buffer.from(text, 'utf8'), 0]);
  return { tag, type: 2, count: bytes.length, bytes };
};

function rationals(tag: number, pairs: [number, number][], le: boolean): OutEntry {
  const bytes = new Uint8Array(8 * pairs.length);
  const v = new DataView(bytes.buffer);
  pairs.forEach(([num, den], i) => {
    v.setUint32(8 * i, num, le);
    v.setUint32(8 * i + 4, den, le);
  });
  return { tag, type: 5, count: pairs.length, bytes };
}

const degrees = (tag: number, deg: number, le: boolean): OutEntry =>
  rationals(
    tag,
    [
      [Math.round(Math.abs(deg) * DEGREE_DENOMINATOR), DEGREE_DENOMINATOR],
      [0, 1],
      [0, 1],
    ],
    le,
  );

/** The GPS entries that carry `p`: the drone's (with altitude when given) or the target's. */
export function gpsPositionEntries(p: Position, target: boolean, le: boolean): OutEntry[] {
  const t = target
    ? { latRef: GPS.destLatRef, lat: GPS.destLat, lonRef: GPS.destLonRef, lon: GPS.destLon }
    : GPS;
  const out = [
    ascii(t.latRef, p.lat < 0 ? 'S' : 'N'),
    degrees(t.lat, p.lat, le),
    ascii(t.lonRef, p.lon < 0 ? 'W' : 'E'),
    degrees(t.lon, p.lon, le),
  ];
  if (!target && p.alt !== undefined) {
    out.push(
      { tag: GPS.altRef, type: 1, count: 1, bytes: Uint8Array.of(p.alt < 0 ? 1 : 0) },
      rationals(GPS.alt, [[Math.round(Math.abs(p.alt) * ALTITUDE_DENOMINATOR), ALTITUDE_DENOMINATOR]], le),
    );
  }
  return out;
}

/** Tags a position replacement writes, so the old ones it supersedes can be left out. */
export const positionTags = (target: boolean): number[] =>
  target
    ? [GPS.destLatRef, GPS.destLat, GPS.destLonRef, GPS.destLon]
    : [GPS.latRef, GPS.lat, GPS.lonRef, GPS.lon, GPS.altRef, GPS.alt];

/**
 * `value` encoded in the format of entry `e`, or undefined when it cannot be (then the caller
 * drops the entry: a value it cannot write faithfully is never written approximately).
 */
export function encodeReplacement(e: IfdEntry, value: Value, le: boolean): OutEntry | undefined {
  if (value.kind === 'text' || value.kind === 'time') {
    if (e.type === 2) return ascii(e.tag, value.text);
    // GPSTimeStamp: three rationals h, m, s.
    if (e.type === 5 && e.count === 3) {
      const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$/.exec(value.text.trim());
      if (!m) return undefined;
      const frac = m[4] ?? '';
      const den = 10 ** frac.length;
      return rationals(
        e.tag,
        [
          [Number(m[1]), 1],
          [Number(m[2]), 1],
          [Number(m[3]) * den + Number(frac || 0), den],
        ],
        le,
      );
    }
    return undefined;
  }
  if (value.kind === 'number' && e.count === 1) return encodeNumber(e.tag, e.type, value.value, le);
  return undefined;
}

function encodeNumber(tag: number, type: FieldType, n: number, le: boolean): OutEntry | undefined {
  if (!Number.isFinite(n)) return undefined;
  const bytes = new Uint8Array(type === 5 || type === 10 || type === 12 ? 8 : 4);
  const v = new DataView(bytes.buffer);
  const int = Number.isInteger(n);
  switch (type) {
    case 1:
    case 3:
    case 4:
      if (!int || n < 0 || n > (type === 1 ? 0xff : type === 3 ? 0xffff : 0xffffffff)) return undefined;
      if (type === 1) v.setUint8(0, n);
      else if (type === 3) v.setUint16(0, n, le);
      else v.setUint32(0, n, le);
      return { tag, type, count: 1, bytes: bytes.subarray(0, type === 1 ? 1 : type === 3 ? 2 : 4) };
    case 8:
    case 9:
      if (!int || Math.abs(n) > (type === 8 ? 0x7fff : 0x7fffffff)) return undefined;
      if (type === 8) v.setInt16(0, n, le);
      else v.setInt32(0, n, le);
      return { tag, type, count: 1, bytes: bytes.subarray(0, type === 8 ? 2 : 4) };
    case 5:
    case 10: {
      const den = 10_000;
      const num = Math.round(n * den);
      if (type === 5 ? num < 0 || num > 0xffffffff : Math.abs(num) > 0x7fffffff) return undefined;
      if (type === 5) v.setUint32(0, num, le);
      else v.setInt32(0, num, le);
      v.setUint32(4, den, le);
      return { tag, type, count: 1, bytes };
    }
    case 11:
      v.setFloat32(0, n, le);
      return { tag, type, count: 1, bytes };
    case 12:
      v.setFloat64(0, n, le);
      return { tag, type, count: 1, bytes };
    default:
      return undefined;
  }
}

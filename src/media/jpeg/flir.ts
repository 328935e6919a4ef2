/**
 * FLIR "FFF" records, carried in APP1 "FLIR\0" chunks (joined first): the radiometric data a
 * thermal inspection delivers, and, inside it, what a policy decides apart (the record layout is
 * ExifTool's FLIR::FFF, FLIR::CameraInfo and FLIR::GPSInfo). Every record is one finding over
 * its bytes; the fields inside that are not radiometric (models, serials, the capture time, a
 * GPS position) are findings of their own, so the rewriter (rewrite-flir.ts) can blank them in
 * place and keep the rest. Bytes no record holds are reported too: nothing is kept unread.
 */
import { truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Category } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { ChunkedStream } from './chunks.js';
import type { Segment } from './segments.js';

/** Record type → ExifTool's name and the category of the record as a whole. */
const RECORDS: Record<number, [string, Category]> = {
  1: ['RawData', 'imagery.thermal'],
  5: ['GainDeadData', 'imagery.thermal'],
  6: ['CoarseData', 'imagery.thermal'],
  14: ['EmbeddedImage', 'imagery.embedded'],
  32: ['CameraInfo', 'imagery.thermal'],
  33: ['MeasurementInfo', 'imagery.thermal'],
  34: ['PaletteInfo', 'imagery.thermal'],
  // What the person holding the camera added: notes, a voice memo, drawings, a picture-in-picture.
  35: ['TextInfo', 'other'],
  36: ['EmbeddedAudioFile', 'other'],
  40: ['PaintData', 'other'],
  42: ['PiP', 'other'],
  43: ['GPSInfo', 'location.drone'],
  44: ['MeterLink', 'imagery.thermal'],
  46: ['ParameterInfo', 'imagery.thermal'],
};

/** Text fields of the CameraInfo record: offset, size, ExifTool name, category. */
const CAMERA_INFO_TEXT: [number, number, string, 'identity.device' | 'camera.model'][] = [
  [0xd4, 32, 'CameraModel', 'camera.model'],
  [0xf4, 16, 'CameraPartNumber', 'camera.model'],
  [0x104, 16, 'CameraSerialNumber', 'identity.device'],
  [0x114, 16, 'CameraSoftware', 'camera.model'],
  [0x170, 32, 'LensModel', 'camera.model'],
  [0x190, 16, 'LensPartNumber', 'camera.model'],
  [0x1a0, 16, 'LensSerialNumber', 'identity.device'],
  [0x1ec, 16, 'FilterModel', 'camera.model'],
  [0x1fc, 32, 'FilterPartNumber', 'camera.model'],
  [0x21c, 32, 'FilterSerialNumber', 'identity.device'],
];
/** CameraInfo's capture time: int32u Unix seconds, int32u milliseconds (low 16 bits), int16s zone (minutes). */
export const CAMERA_INFO_TIME = 0x384;
export const CAMERA_INFO_TIME_SIZE = 10;
/** GPSInfo: int32u valid, ..., double latitude at 0x10, double longitude at 0x18, float altitude at 0x20. */
const GPS_MIN_SIZE = 0x24;

/** Records whose first int16u declares their byte order (ExifTool's ToggleByteOrder tables, MeasInfo). */
const TOGGLES = new Set([0x01, 0x05, 0x06, 0x0e, 0x20, 0x21, 0x28]);

/** Raw thermal pixels start 0x20 bytes into the RawData/EmbeddedImage record. */
const IMAGE_DATA_START = 0x20;
const HEADER_SIZE = 0x40;
const ENTRY_SIZE = 0x20;
/** The FFF header's creator software field. */
const CREATOR = [4, 16] as const;

export interface FffRecord {
  type: number;
  /** The byte order its fields are read in (ExifTool's: see fffLayout). */
  le: boolean;
  /** Where its directory entry is, in the joined stream. */
  entryAt: number;
  pos: number;
  len: number;
}

export interface FffLayout {
  le: boolean;
  dirAt: number;
  count: number;
  /** Records whose type is not 0 and whose bytes lie inside the stream. */
  records: FffRecord[];
}

/** The FLIR segments (APP1 "FLIR\0", 8-byte header) joined in their index order. */
export function fffStream(src: ByteSource, segs: readonly { index: number; seg: Segment }[]): ChunkedStream {
  const sorted = [...segs].sort((a, b) => a.index - b.index);
  const pieces = sorted.map(({ seg }) => ({
    seg,
    bytes: src.read(seg.dataOffset + 8, Math.max(0, seg.dataLength - 8)),
  }));
  const stream = new ChunkedStream(pieces.reduce((s, p) => s + p.bytes.length, 0));
  let at = 0;
  for (const p of pieces) {
    stream.put(at, p.bytes, p.seg.dataOffset + 8);
    at += p.bytes.length;
  }
  return stream;
}

/** The header and record directory of a joined FFF. `warn` hears of records that end past it. */
export function fffLayout(
  fff: Uint8Array,
  at0: number,
  warn?: (name: string, detail: string, offset: number) => void,
): FffLayout {
  if (fff.length < HEADER_SIZE) throw truncated('FLIR FFF header', at0);
  const v = new DataView(fff.buffer, fff.byteOffset, fff.byteLength);
  const ver = v.getUint32(0x14, false);
  const le = ver < 100 || ver >= 200;
  const dirAt = v.getUint32(0x18, le);
  const count = bound(v.getUint32(0x1c, le), LIMITS.maxIfdEntries, 'FLIR record count', at0 + 0x1c);
  if (dirAt < HEADER_SIZE || dirAt + count * ENTRY_SIZE > fff.length)
    throw truncated('FLIR record directory', at0 + 0x18);
  const dirEnd = dirAt + count * ENTRY_SIZE;
  const records: FffRecord[] = [];
  let order = le;
  for (let i = 0; i < count; i++) {
    const e = dirAt + i * ENTRY_SIZE;
    const type = v.getUint16(e, le);
    if (type === 0) continue;
    const pos = v.getUint32(e + 0x0c, le);
    const len = v.getUint32(e + 0x10, le);
    if (pos + len > fff.length) {
      warn?.(
        'flir-record-out-of-range',
        `FLIR record 0x${type.toString(16)} ends past the FFF data`,
        at0 + e,
      );
      continue;
    }
    // A record over the header or the directory is no record: their bytes are not its data.
    if (len > 0 && (pos < HEADER_SIZE || (pos < dirEnd && pos + len > dirAt))) {
      warn?.(
        'flir-record-overlaps',
        `FLIR record 0x${type.toString(16)} lies over the FFF header or directory`,
        at0 + e,
      );
      continue;
    }
    // ExifTool's byte order is one state for the whole directory: a record that declares one (its
    // first int16u reads 0x100 or more the current way) turns it over for itself and every record
    // after it; the others (GPSInfo, PaletteInfo…) are read in whatever order came before.
    if (TOGGLES.has(type) && len >= 2 && v.getUint16(pos, order) >= 0x100) order = !order;
    records.push({ type, le: order, entryAt: e, pos, len });
  }
  return { le, dirAt, count, records };
}

const latin1 = (b: Uint8Array): string => {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end)
    .toString('latin1')
    .trim();
};

const two = (n: number): string => String(n).padStart(2, '0');

/** CameraInfo's capture time as ExifTool shows it (local time, then milliseconds and zone when set); undefined when unset. */
export function fffTime(b: Uint8Array, le: boolean): string | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const seconds = v.getUint32(0, le);
  if (seconds === 0) return undefined;
  const ms = v.getUint32(4, le) & 0xffff;
  const zone = v.getInt16(8, le);
  const d = new Date((seconds - zone * 60) * 1000);
  let text = `${d.getUTCFullYear()}:${two(d.getUTCMonth() + 1)}:${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  if (ms !== 0) text += `.${String(ms).padStart(3, '0')}`;
  if (zone !== 0) {
    const east = -zone;
    text += `${east < 0 ? '-' : '+'}${two(Math.floor(Math.abs(east) / 60))}:${two(Math.abs(east) % 60)}`;
  }
  return text;
}

/** A capture time as CameraInfo stores it, written from a date-only text ('YYYY:MM:DD 00:00:00'): midnight, zone 0. */
export function fffTimeBytes(text: string, le: boolean): Uint8Array | undefined {
  const m = /^(\d{4}):(\d{2}):(\d{2}) 00:00:00$/.exec(text);
  if (!m) return undefined;
  const seconds = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
  if (!(seconds > 0 && seconds < 2 ** 32)) return undefined;
  const b = new Uint8Array(CAMERA_INFO_TIME_SIZE);
  new DataView(b.buffer).setUint32(0, seconds, le);
  return b;
}

/** The bytes of `[from, to)` hold something other than zeros. */
const anySet = (b: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (b[i] !== 0) return true;
  return false;
};

export function readFff(stream: ChunkedStream, path: string[], out: Collector): void {
  const fff = stream.joined();
  const at0 = stream.toFile(0, 0)[0]?.offset ?? 0;
  const layout = fffLayout(fff, at0, (name, detail, offset) => out.warn(name, detail, offset));
  const where = (from: number, length: number) => stream.toFile(from, length);

  const creator = latin1(fff.subarray(CREATOR[0], CREATOR[0] + CREATOR[1]));
  if (creator)
    out.add({
      category: 'camera.model',
      tag: 'CreatorSoftware',
      path: [...path, 'Header'],
      ranges: where(CREATOR[0], CREATOR[1]),
      value: { kind: 'text', text: creator },
    });

  for (const { type, le: rle, pos, len } of layout.records) {
    const [name, category] = RECORDS[type] ?? [`FLIR record 0x${type.toString(16)}`, 'opaque'];
    const rec = fff.subarray(pos, pos + len);
    const recPath = [...path, name];
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if ((type === 0x01 || type === 0x0e) && len > IMAGE_DATA_START) {
      out.add({
        category,
        tag: type === 0x01 ? 'RawThermalImage' : 'EmbeddedImage',
        path: recPath,
        ranges: where(pos, len),
        value: {
          kind: 'block',
          size: len - IMAGE_DATA_START,
          width: rv.getUint16(2, rle),
          height: rv.getUint16(4, rle),
        },
      });
      continue;
    }
    if (type === 0x20) {
      for (const [off, size, tag, cat] of CAMERA_INFO_TEXT) {
        if (off + size > len) continue;
        const text = latin1(rec.subarray(off, off + size));
        if (text)
          out.add({
            category: cat,
            tag,
            path: recPath,
            ranges: where(pos + off, size),
            value: { kind: 'text', text },
          });
      }
      if (CAMERA_INFO_TIME + CAMERA_INFO_TIME_SIZE <= len) {
        const text = fffTime(rec.subarray(CAMERA_INFO_TIME, CAMERA_INFO_TIME + CAMERA_INFO_TIME_SIZE), rle);
        if (text)
          out.add({
            category: 'time',
            tag: 'DateTimeOriginal',
            path: recPath,
            ranges: where(pos + CAMERA_INFO_TIME, CAMERA_INFO_TIME_SIZE),
            value: { kind: 'time', text },
          });
      }
    }
    if (type === 0x2b && len >= GPS_MIN_SIZE && rv.getUint32(0, rle) !== 0) {
      const lat = rv.getFloat64(0x10, rle);
      const lon = rv.getFloat64(0x18, rle);
      const alt = rv.getFloat32(0x20, rle);
      // Signed degrees; the reference letters only confirm the sign (ExifTool's reading).
      const south = rec[0x08] === 0x53;
      const west = rec[0x0a] === 0x57;
      if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180)
        out.add({
          category: 'location.drone',
          tag: 'GPSPosition',
          path: recPath,
          ranges: where(pos + 0x08, 0x24 - 0x08),
          value: {
            kind: 'position',
            position: {
              lat: south && lat > 0 ? -lat : lat,
              lon: west && lon > 0 ? -lon : lon,
              ...(Number.isFinite(alt) ? { alt } : {}),
            },
          },
        });
    }
    out.add({
      category,
      tag: name,
      path: recPath,
      ranges: where(pos, len),
      value: { kind: 'block', size: len },
    });
  }
  reportUnread(fff, layout, path, stream, out);
}

/**
 * Bytes of the FFF no reader reads: the header's spares, unused directory entries,
 * between and after the records. Zeros are padding; anything else is reported as other data.
 */
function reportUnread(
  fff: Uint8Array,
  layout: FffLayout,
  path: string[],
  stream: ChunkedStream,
  out: Collector,
): void {
  // The header's fields (ExifTool's notes: id, creator, version, directory, next free index,
  // swap pattern; checksum at 0x3c); its spares and reserved words between are unread.
  const held: [number, number][] = [
    [0, 0x28],
    [0x3c, HEADER_SIZE],
    [layout.dirAt, layout.dirAt + layout.count * ENTRY_SIZE],
  ];
  for (const r of layout.records) held.push([r.pos, r.pos + r.len]);
  held.sort((a, b) => a[0] - b[0]);
  const gaps: [number, number][] = [];
  let at = 0;
  for (const [from, to] of held) {
    if (from > at) gaps.push([at, from]);
    at = Math.max(at, to);
  }
  if (fff.length > at) gaps.push([at, fff.length]);
  // Unused directory entries are the directory's bytes, but nothing reads them either.
  const used = new Set(layout.records.map((r) => r.entryAt));
  for (let i = 0; i < layout.count; i++) {
    const e = layout.dirAt + i * ENTRY_SIZE;
    if (!used.has(e)) gaps.push([e, e + ENTRY_SIZE]);
  }
  for (const [from, to] of gaps)
    if (anySet(fff, from, to))
      out.add({
        category: 'other',
        tag: 'FFFUnread',
        path,
        ranges: stream.toFile(from, to - from),
        value: { kind: 'block', size: to - from },
      });
}

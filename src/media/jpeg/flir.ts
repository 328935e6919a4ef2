/**
 * FLIR "FFF" records, carried in APP1 "FLIR\0" chunks (joined first). Radiometric data and the
 * camera's serials live here (the record layout is ExifTool's FLIR::FFF and FLIR::CameraInfo).
 */
import { truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { Collector } from '../types.js';
import type { ChunkedStream } from './chunks.js';

const RECORD_NAMES: Record<number, string> = {
  1: 'RawData',
  5: 'GainDeadData',
  6: 'CoarseData',
  14: 'EmbeddedImage',
  32: 'CameraInfo',
  33: 'MeasurementInfo',
  34: 'PaletteInfo',
  35: 'TextInfo',
  36: 'EmbeddedAudioFile',
  40: 'PaintData',
  42: 'PiP',
  43: 'GPSInfo',
  44: 'MeterLink',
  46: 'ParameterInfo',
};

/** Text fields of the CameraInfo record: offset, size, ExifTool name, category. */
const CAMERA_INFO_TEXT: [number, number, string, 'identity.device' | 'camera.model'][] = [
  [0xd4, 32, 'CameraModel', 'camera.model'],
  [0x104, 16, 'CameraSerialNumber', 'identity.device'],
  [0x170, 32, 'LensModel', 'camera.model'],
  [0x1a0, 16, 'LensSerialNumber', 'identity.device'],
  [0x21c, 32, 'FilterSerialNumber', 'identity.device'],
];

/** Raw thermal pixels start 0x20 bytes into the RawData/EmbeddedImage record. */
const IMAGE_DATA_START = 0x20;

const latin1 = (b: Uint8Array): string => {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end)
    .toString('latin1')
    .trim();
};

export function readFff(stream: ChunkedStream, path: string[], out: Collector): void {
  const fff = stream.joined();
  const at0 = stream.toFile(0, 0)[0]?.offset ?? 0;
  if (fff.length < 0x40) throw truncated('FLIR FFF header', at0);
  const v = new DataView(fff.buffer, fff.byteOffset, fff.byteLength);
  let le = false;
  const ver = v.getUint32(0x14, false);
  if (ver < 100 || ver >= 200) le = true;
  const dir = v.getUint32(0x18, le);
  const num = bound(v.getUint32(0x1c, le), LIMITS.maxIfdEntries, 'FLIR record count', at0 + 0x1c);
  if (dir + num * 0x20 > fff.length) throw truncated('FLIR record directory', at0 + 0x18);
  for (let i = 0; i < num; i++) {
    const e = dir + i * 0x20;
    const type = v.getUint16(e, le);
    if (type === 0) continue;
    const recPos = v.getUint32(e + 0x0c, le);
    const recLen = v.getUint32(e + 0x10, le);
    if (recPos + recLen > fff.length) {
      out.warn(
        'flir-record-out-of-range',
        `FLIR record 0x${type.toString(16)} ends past the FFF data`,
        at0 + e,
      );
      continue;
    }
    const name = RECORD_NAMES[type] ?? `FLIR record 0x${type.toString(16)}`;
    const rec = fff.subarray(recPos, recPos + recLen);
    const recPath = [...path, name];
    if ((type === 0x01 || type === 0x0e) && recLen > IMAGE_DATA_START) {
      const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
      const rle = rv.getUint16(0, !le) === 2 ? !le : le;
      const size = recLen - IMAGE_DATA_START;
      out.add({
        category: type === 0x01 ? 'imagery.thermal' : 'imagery.embedded',
        tag: type === 0x01 ? 'RawThermalImage' : 'EmbeddedImage',
        path: recPath,
        ranges: stream.toFile(recPos + IMAGE_DATA_START, size),
        value: { kind: 'block', size, width: rv.getUint16(2, rle), height: rv.getUint16(4, rle) },
      });
      continue;
    }
    if (type === 0x20) {
      for (const [off, len, tag, category] of CAMERA_INFO_TEXT) {
        if (off + len > rec.length) continue;
        const text = latin1(rec.subarray(off, off + len));
        if (text)
          out.add({
            category,
            tag,
            path: recPath,
            ranges: stream.toFile(recPos + off, len),
            value: { kind: 'text', text },
          });
      }
    }
    out.add({
      // GPSInfo may hold a position Airlock does not decode here: opaque, never silent.
      category: type === 0x2b ? 'opaque' : 'imagery.thermal',
      tag: name,
      path: recPath,
      ranges: stream.toFile(recPos, recLen),
      value: { kind: 'block', size: recLen },
    });
  }
}

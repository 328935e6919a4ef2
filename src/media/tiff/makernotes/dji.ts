/**
 * DJI maker notes: the debug text form "[key:value][key:value]…" (Hasselblad-branded Mavic 2
 * stills carry it; `sensor_id` is the camera serial) and the Phantom IFD form (speeds, attitude).
 */
import { bound, LIMITS } from '../../../core/limits.js';
import type { Category } from '../../../findings/model.js';
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo } from '../tags.js';
import { guessLittleEndian, type MakerNoteVendor, readVendorIfd, startsWith } from './note.js';

const DEBUG_NAMES: Record<string, [string, Category]> = {
  ae_dbg_info: ['AEDebugInfo', 'opaque'],
  ae_histogram_info: ['AEHistogramInfo', 'opaque'],
  ae_local_histogram: ['AELocalHistogram', 'opaque'],
  ae_liveview_histogram_info: ['AELiveViewHistogramInfo', 'opaque'],
  ae_liveview_local_histogram: ['AELiveViewLocalHistogram', 'opaque'],
  awb_dbg_info: ['AWBDebugInfo', 'opaque'],
  af_dbg_info: ['AFDebugInfo', 'opaque'],
  hiso: ['Histogram', 'opaque'],
  xidiri: ['Xidiri', 'opaque'],
  'GimbalDegree(Y,P,R)': ['GimbalDegree', 'attitude'],
  'FlightDegree(Y,P,R)': ['FlightDegree', 'attitude'],
  adj_dbg_info: ['ADJDebugInfo', 'opaque'],
  sensor_id: ['SensorID', 'identity.device'],
  'FlightSpeed(X,Y,Z)': ['FlightSpeed', 'attitude'],
  hyperlapse_dbg_info: ['HyperlapsDebugInfo', 'opaque'],
};

/** ExifTool's name for an unlisted key: "foo_bar" → "Foo_Bar". */
const nameOf = (key: string): string =>
  key
    .replace(/_([a-z])/g, (_, c: string) => `_${c.toUpperCase()}`)
    .replace(/^[a-z]/, (c) => c.toUpperCase())
    .replace(/[^-\w]/g, '');

const LB = 0x5b; // '['
const RB = 0x5d; // ']'
const COLON = 0x3a;

export const djiDebug: MakerNoteVendor = {
  name: 'DJI',
  matches: (head) => startsWith(head, '[ae_dbg_info:'),
  read({ ctx, offset, length, path, out }) {
    const b = ctx.src.read(offset, bound(length, LIMITS.maxBlockBytes, 'DJI maker note', offset));
    let p = 0;
    while (p < b.length && b[p] === LB) {
      // A record ends at the first ']' followed by '[' or the end (values may hold ']').
      let q = p + 1;
      while (q < b.length && !(b[q] === RB && (q + 1 === b.length || b[q + 1] === LB))) q++;
      if (q >= b.length) {
        out.warn('dji-debug-unterminated', 'DJI debug maker note record has no closing bracket', offset + p);
        break;
      }
      const colon = b.indexOf(COLON, p + 1);
      if (colon > p && colon < q) {
        const key = Buffer.from(b.subarray(p + 1, colon)).toString('latin1');
        const val = b.subarray(colon + 1, q);
        const known = DEBUG_NAMES[key];
        const text = printable(val);
        out.add({
          category: known?.[1] ?? (text === undefined ? 'opaque' : 'other'),
          tag: known?.[0] ?? nameOf(key),
          path,
          ranges: [{ offset: offset + colon + 1, length: val.length }],
          value: text === undefined ? { kind: 'block', size: val.length } : { kind: 'text', text },
        });
      }
      p = q + 1;
    }
  },
};

/** ExifTool's test: printable ASCII, optionally NUL-padded. */
function printable(v: Uint8Array): string | undefined {
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  if (end === 0) return undefined;
  for (let i = 0; i < end; i++) if ((v[i] as number) < 0x20 || (v[i] as number) > 0x7f) return undefined;
  return Buffer.from(v.subarray(0, end)).toString('latin1');
}

const MAIN: ReadonlyMap<number, TagInfo> = new Map([
  [0x01, tagInfo('Make', 'camera.model')],
  [0x03, tagInfo('SpeedX', 'attitude')],
  [0x04, tagInfo('SpeedY', 'attitude')],
  [0x05, tagInfo('SpeedZ', 'attitude')],
  [0x06, tagInfo('Pitch', 'attitude')],
  [0x07, tagInfo('Yaw', 'attitude')],
  [0x08, tagInfo('Roll', 'attitude')],
  [0x09, tagInfo('CameraPitch', 'attitude')],
  [0x0a, tagInfo('CameraYaw', 'attitude')],
  [0x0b, tagInfo('CameraRoll', 'attitude')],
]);

export const djiIfd: MakerNoteVendor = {
  name: 'DJI',
  matches: (head, cam) => cam.make === 'DJI' && !startsWith(head, '@AMBA', 3),
  read({ ctx, offset, path, out }) {
    readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, offset)), offset, { tags: MAIN }, path, out);
  },
};

/** Builds a DJI debug maker note ("[key:value]…"), e.g. for fixtures carrying a SensorID. */
export function buildDjiDebugNote(records: readonly [string, string | Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  for (const [key, value] of records) {
    parts.push(
      LB,
      ...Buffer.from(`${key}:`, 'latin1'),
      ...(typeof value === 'string' ? Buffer.from(value, 'latin1') : value),
      RB,
    );
  }
  return Uint8Array.from(parts);
}

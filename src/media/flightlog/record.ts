/**
 * DJI flight records (DJIFlightRecord_*.txt). Reads only what is plain: the prefix, the details
 * area (v1–12: serials, place names, start time, flight location, photo positions) and, for
 * v13+, the auxiliary blocks' kinds, sizes and the plain version block. The records themselves
 * are obfuscated (v7–12) or AES-encrypted (v13+) and are reported as opaque blocks: decrypting
 * v13+ needs DJI's online key service, and calling it would itself leak the flight, so Airlock
 * never does.
 */
import { AirlockError, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Category, Finding, Value } from '../../findings/model.js';
import type { Analyser, Collector } from '../types.js';
import {
  DETAILS,
  DETAILS_SIZE,
  DETAILS_V5,
  DETAILS_V5_SIZE,
  type Field,
  getField,
  OLD_PREFIX_SIZE,
  PREFIX,
  PREFIX_SIZE,
  sizeOf,
  V12_DETAILS_SIZE,
} from './layout.js';

/** Highest format version seen in the wild is 14; leave room without accepting any byte. */
const MAX_VERSION = 32;
/** Auxiliary blocks before the records: DJI writes two. */
const MAX_AUX_BLOCKS = 16;

export const flightRecordAnalyser: Analyser = {
  id: 'flight-record',
  detect(head, name) {
    if (!/\.txt$/i.test(name) || head.length < OLD_PREFIX_SIZE) return false;
    const version = head[10] as number;
    if (version < 1 || version > MAX_VERSION) return false;
    // The offset's high bytes are zero: a NUL no text file has at byte 7.
    if (head[4] !== 0 || head[5] !== 0 || head[6] !== 0 || head[7] !== 0) return false;
    const offset = head[0]! | (head[1]! << 8) | (head[2]! << 16);
    if (version >= 13)
      return head.length <= PREFIX_SIZE || head[PREFIX_SIZE] === 0 || head[PREFIX_SIZE] === 1;
    return offset >= (version < 6 ? OLD_PREFIX_SIZE : PREFIX_SIZE) || /^DJIFlightRecord_/i.test(name);
  },
  analyse(src, out) {
    analyseFlightRecord(src, out);
  },
};

const block = (size: number, note: string) => ({ kind: 'block' as const, size, note });

export function analyseFlightRecord(src: ByteSource, out: Collector): void {
  if (src.size === 0) throw new AirlockError('AIRLOCK_ERR_EMPTY', 'the flight record is empty', 0);
  if (src.size < OLD_PREFIX_SIZE) throw truncated('flight record prefix', src.size);
  const version = src.read(10, 1)[0] as number;
  const prefixSize = version < 6 ? OLD_PREFIX_SIZE : PREFIX_SIZE;
  if (src.size < prefixSize)
    throw truncated(`flight record v${version} prefix (${prefixSize} bytes)`, src.size);
  const prefix = src.read(0, prefixSize);
  const detailOffset = getField(prefix, 0, PREFIX[0] as Field) as number;
  const detailLength = getField(prefix, 0, PREFIX[1] as Field) as number;
  out.facts.version = version;
  out.facts.prefixBytes = prefixSize;
  out.facts.detailOffset = detailOffset;
  out.facts.detailLength = detailLength;
  out.facts.encrypted = version >= 13;
  if (detailOffset > src.size) {
    throw truncated(`detail offset ${detailOffset} lies past the end of the file (${src.size} bytes)`, 0);
  }
  const path = ['FlightRecord'];

  if (version < 12) {
    if (detailOffset < prefixSize)
      throw new AirlockError(
        'AIRLOCK_ERR_MALFORMED',
        `detail offset ${detailOffset} lies inside the prefix`,
        0,
      );
    records(out, path, prefixSize, detailOffset - prefixSize, version);
    readDetails(src, out, detailOffset, version);
  } else if (version === 12) {
    readDetails(src, out, PREFIX_SIZE, version);
    const start = PREFIX_SIZE + V12_DETAILS_SIZE;
    records(out, path, start, Math.max(0, src.size - start), version);
  } else {
    const end = readAuxiliary(src, out, detailOffset);
    out.facts.decryption =
      "not attempted: v13+ keys come only from DJI's online key service, which Airlock never calls";
    records(out, path, end, src.size - end, version);
  }
}

function records(out: Collector, path: string[], offset: number, length: number, version: number): void {
  if (length <= 0) return;
  const how =
    version >= 13
      ? 'AES-encrypted (needs DJI key service; withheld)'
      : version >= 7
        ? 'XOR-obfuscated, not decoded'
        : 'not decoded';
  out.add({
    category: 'opaque',
    tag: 'Records',
    path: [...path, 'Records'],
    ranges: [{ offset, length }],
    value: block(length, `flight records ${how}: full track, serials, operator position`),
  });
}

/** What each details field reveals; fields not listed are counters reported under "other". */
const CATEGORY: Record<string, Category> = {
  subStreet: 'location.text',
  street: 'location.text',
  city: 'location.text',
  area: 'location.text',
  startTime: 'time',
  aircraftName: 'identity.device',
  aircraftSn: 'identity.device',
  cameraSn: 'identity.device',
  rcSn: 'identity.device',
  batterySn: 'identity.device',
  productType: 'camera.model',
  totalDistance: 'attitude',
  maxHeight: 'attitude',
  maxHorizontalSpeed: 'attitude',
  maxVerticalSpeed: 'attitude',
};

function readDetails(src: ByteSource, out: Collector, at: number, version: number): void {
  const layout = version <= 5 ? DETAILS_V5 : DETAILS;
  const size = version <= 5 ? DETAILS_V5_SIZE : DETAILS_SIZE;
  if (at + size > src.size) throw truncated(`flight record details (${size} bytes at ${at})`, src.size);
  const b = src.read(at, size);
  const path = ['FlightRecord', 'Details'];
  const range = (f: Field) => ({ offset: at + f.at, length: sizeOf(f) });
  const field = (name: string) => layout.find((f) => f.name === name) as Field;
  const get = (name: string) => getField(b, 0, field(name));
  const add = (f: Omit<Finding, 'path'>) => out.add({ ...f, path });

  // The flight's location (where it was logged from: the launch point).
  const lat = get('latitude') as number;
  const lon = get('longitude') as number;
  if (Number.isFinite(lat) && Number.isFinite(lon) && !(lat === 0 && lon === 0)) {
    add({
      category: 'location.operator',
      tag: 'latitude+longitude',
      ranges: [range(field('latitude')), range(field('longitude'))],
      value: { kind: 'position', position: { lat, lon } },
    });
  }
  for (let i = 0; i < 4; i++) {
    const pl = get(`momentPicLatitude${i}`) as number;
    const po = get(`momentPicLongitude${i}`) as number;
    if (!Number.isFinite(pl) || !Number.isFinite(po) || (pl === 0 && po === 0)) continue;
    add({
      category: 'location.drone',
      tag: `momentPicLatitude[${i}]+momentPicLongitude[${i}]`,
      ranges: [range(field(`momentPicLatitude${i}`)), range(field(`momentPicLongitude${i}`))],
      value: { kind: 'position', position: { lat: (pl * 180) / Math.PI, lon: (po * 180) / Math.PI } },
    });
  }
  for (const f of layout) {
    if (/^(latitude|longitude|momentPic)/.test(f.name)) continue;
    const v = getField(b, 0, f);
    if (v === '' || v === 0) continue;
    const category = CATEGORY[f.name] ?? 'other';
    const value = typeof v === 'string' ? { kind: 'text' as const, text: v } : timeOrNumber(f.name, v);
    add({ category, tag: f.name, ranges: [range(f)], value });
  }
}

/** startTime is epoch milliseconds; a value no Date can hold (damage) is reported as the number it is. */
function timeOrNumber(name: string, v: number): Value {
  const d = name === 'startTime' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime())
    ? { kind: 'time', text: d.toISOString() }
    : { kind: 'number', value: v };
}

/** v13+: walks the auxiliary blocks from the prefix to the records; returns where the records start. */
function readAuxiliary(src: ByteSource, out: Collector, detailOffset: number): number {
  let at = PREFIX_SIZE;
  for (let n = 0; n < MAX_AUX_BLOCKS; n++) {
    if (detailOffset > 0 ? at >= detailOffset : n >= 2) return at;
    if (at + 3 > src.size) throw truncated('flight record auxiliary block header', at);
    const head = src.read(at, 3);
    const kind = head[0] as number;
    // A u16 length cannot exceed the block limit; one past the end is truncation, checked below.
    const length = bound(
      (head[1] as number) | ((head[2] as number) << 8),
      LIMITS.maxBlockBytes,
      'auxiliary block length',
      at + 1,
    );
    const body = at + 3;
    if (body + length > src.size) throw truncated(`flight record auxiliary block (${length} bytes)`, body);
    const path = ['FlightRecord', `Auxiliary[${n}]`];
    if (kind === 0 && length === 0) {
      // An empty details block holds nothing to report (a finding of 0 bytes would call it sensitive).
    } else if (kind === 0) {
      out.add({
        category: 'opaque',
        tag: 'AuxiliaryInfo',
        path,
        ranges: [{ offset: body, length }],
        value: block(length, 'flight details (serials, place names, home point), obfuscated: not decoded'),
      });
    } else if (kind === 1 && length >= 3) {
      const v = src.read(body, 3);
      out.facts.auxVersion = (v[0] as number) | ((v[1] as number) << 8);
      out.facts.department = v[2] as number;
      out.add({
        category: 'other',
        tag: 'AuxiliaryVersion',
        path,
        ranges: [{ offset: body, length }],
        value: block(length, `version ${out.facts.auxVersion}, department ${out.facts.department}`),
      });
    } else {
      out.warn('flight-record-aux-kind', `unknown auxiliary block kind ${kind}`, at);
      out.add({
        category: 'opaque',
        tag: `Auxiliary(${kind})`,
        path,
        ranges: [{ offset: body, length }],
        value: block(length, 'unknown auxiliary block'),
      });
    }
    at = body + length;
  }
  throw new AirlockError('AIRLOCK_ERR_LIMIT', `more than ${MAX_AUX_BLOCKS} auxiliary blocks`, at);
}

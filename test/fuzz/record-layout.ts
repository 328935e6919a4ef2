/**
 * The fuzzer's own map of a DJI flight record (from the public format notes, written here
 * independently of src/media/flightlog): the prefix's detail offset and length, the version byte
 * that picks the parser's path, the details area's typed values (v6+ layout), and v13+'s
 * auxiliary blocks (u8 kind, u16 length, body). Little-endian throughout.
 */
import type { Block, Field, Layout, ValueField } from './layout.js';
import type { Op } from './mutate.js';

const PREFIX_BYTES = 100;
const OLD_PREFIX_BYTES = 12;
/** Details area bytes read from v6 on, and by v1–5. */
const DETAILS_BYTES = 380;
const OLD_DETAILS_BYTES = 356;

const le = (kind: Field['kind'], pos: number, size: 2 | 4): Field => ({
  kind,
  pos,
  size,
  littleEndian: true,
});
/** The detail offset is a u64; its high half stays zero, so the low u32 is the field to edit. */
const DETAIL_OFFSET = le('value-offset', 0, 4);
const DETAIL_LENGTH = le('segment-length', 8, 2);

/** Details fields from v6 on: [name, offset in the area, type, size]. */
const DETAILS: [string, number, ValueField['type'], number][] = [
  ['subStreet', 0, 'text', 20],
  ['street', 20, 'text', 20],
  ['city', 40, 'text', 20],
  ['area', 60, 'text', 20],
  ['recordLineCount', 83, 'i32', 4],
  ['startTime', 91, 'i64', 8],
  ['longitude', 99, 'f64', 8],
  ['latitude', 107, 'f64', 8],
  ['totalDistance', 115, 'f32', 4],
  ['totalTime', 119, 'i32', 4],
  ['maxHeight', 123, 'f32', 4],
  ['captureNum', 135, 'i32', 4],
  ['videoTime', 139, 'i64', 8],
  ...[0, 1, 2, 3].flatMap((i): [string, number, ValueField['type'], number][] => [
    [`momentPicLongitude${i}`, 179 + 8 * i, 'f64', 8],
    [`momentPicLatitude${i}`, 211 + 8 * i, 'f64', 8],
  ]),
  ['takeOffAltitude', 267, 'f32', 4],
  ['productType', 271, 'u8', 1],
  ['aircraftName', 280, 'text', 32],
  ['aircraftSn', 312, 'text', 16],
  ['cameraSn', 328, 'text', 16],
  ['rcSn', 344, 'text', 16],
  ['batterySn', 360, 'text', 16],
];

const u32 = (b: Uint8Array, p: number): number => new DataView(b.buffer, b.byteOffset).getUint32(p, true);

export function flightRecordLayout(b: Uint8Array): Layout {
  const version = b[10] ?? 0;
  // The version byte is versionSwitch's: switching paths needs the detail offset to follow.
  const values: ValueField[] = [];
  const blocks: Block[] = [];
  const detailOffset = u32(b, 0);
  let insertAt: Layout['insertAt'];
  if (version >= 6 && version <= 12) {
    const base = version === 12 ? PREFIX_BYTES : detailOffset;
    if (base + DETAILS_BYTES <= b.length)
      for (const [name, at, type, size] of DETAILS) values.push({ name, pos: base + at, type, size });
  } else if (version >= 13) {
    let at = PREFIX_BYTES;
    // The seeds are well formed: walk the blocks up to the records (at most a few).
    while (at + 3 <= b.length && at < detailOffset && blocks.length < 16) {
      const len = b[at + 1]! | (b[at + 2]! << 8);
      values.push({ name: `aux[${blocks.length}].kind`, pos: at, type: 'u8', size: 1 });
      if (b[at] === 1 && len >= 3)
        values.push(
          { name: 'auxVersion', pos: at + 3, type: 'u8', size: 1 },
          { name: 'department', pos: at + 5, type: 'u8', size: 1 },
        );
      blocks.push({
        name: `aux[${blocks.length}]`,
        start: at,
        length: le('segment-length', at + 1, 2),
        body: [at + 3, at + 3 + len],
        shifts: [DETAIL_OFFSET],
      });
      at += 3 + len;
    }
    insertAt = { pos: at, shifts: [DETAIL_OFFSET] };
  }
  return { fields: [DETAIL_OFFSET, DETAIL_LENGTH], xmp: [], values, blocks, insertAt };
}

/**
 * Switches the version byte, which picks the parser's path (old 12-byte prefix, details at the
 * detail offset, v12's details after the prefix, v13+'s auxiliary blocks). Half the time the
 * detail offset is set so the new path finds its details inside the file.
 */
export const versionSwitch: Op = (b, r) => {
  const v = r.pick([0, 1, 5, 6, 7, 11, 12, 13, 14, 15, 32, 33, 255, 1 + r.int(32)]);
  b[10] = v;
  if (r.int(2) === 0) return [b, `version := ${v}`];
  const details = v < 6 ? OLD_DETAILS_BYTES : DETAILS_BYTES;
  const low = v < 6 ? OLD_PREFIX_BYTES : PREFIX_BYTES;
  const off =
    v >= 13 || v === 12 || b.length < low + details
      ? PREFIX_BYTES
      : low + r.int(b.length - details - low + 1);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 8) dv.setBigUint64(0, BigInt(off), true);
  return [b, `version := ${v}, detail offset := ${off} (consistent)`];
};

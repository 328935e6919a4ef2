/**
 * The fuzzer's own map of a ZIP's lengths, counts and offsets (end record, central records, local
 * headers), so hostile edits land on the fields the reader must distrust. Written apart from
 * src/vet/zip and only ever run on the seeds, which are real corpus files.
 */
import type { Field, Layout } from './layout.js';

export function zipLayout(b: Uint8Array): Layout {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fields: Field[] = [];
  const add = (kind: Field['kind'], pos: number, size: 2 | 4) => {
    if (pos + size <= b.length) fields.push({ kind, pos, size, littleEndian: true });
  };
  let eocd = -1;
  for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return { fields, xmp: [] };
  add('value-count', eocd + 10, 2);
  add('value-count', eocd + 8, 2);
  add('segment-length', eocd + 12, 4);
  add('value-offset', eocd + 16, 4);
  add('segment-length', eocd + 20, 2);
  let p = dv.getUint32(eocd + 16, true);
  const count = dv.getUint16(eocd + 10, true);
  for (let i = 0; i < count && p + 46 <= eocd && dv.getUint32(p, true) === 0x02014b50; i++) {
    for (const at of [20, 24]) add('segment-length', p + at, 4);
    for (const at of [28, 30, 32]) add('segment-length', p + at, 2);
    add('value-count', p + 10, 2); // method
    add('value-count', p + 8, 2); // flags
    add('value-offset', p + 42, 4);
    const lho = dv.getUint32(p + 42, true);
    if (lho + 30 <= b.length && dv.getUint32(lho, true) === 0x04034b50) {
      for (const at of [18, 22]) add('segment-length', lho + at, 4);
      for (const at of [26, 28]) add('segment-length', lho + at, 2);
      add('value-count', lho + 8, 2);
    }
    p += 46 + dv.getUint16(p + 28, true) + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  return { fields, xmp: [] };
}

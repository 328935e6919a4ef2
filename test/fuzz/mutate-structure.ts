/**
 * Structure-aware mutations: they edit what a layout names (typed values in place, length-prefixed
 * blocks resized or added with their lengths and the offsets past them kept true), so a case gets
 * past the framing checks and reaches the decoding behind them.
 */
import type { Block, Field, ValueField } from './layout.js';
import type { Op, Rng } from './mutate.js';

const FLOATS = [Number.NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, 91, -181, 1e6, 2 * Math.PI];
const INT64 = [-1n, 2n ** 63n - 1n, -(2n ** 63n), 8_640_000_000_000_001n, 253_402_300_800_000n, 0n];
const INT32 = [-1, 0x7fffffff, -0x80000000, 0, 1];
const BYTES = [0, 1, 0x7f, 0x80, 0xff];

/** Bytes that make a fixed-width string hostile: no NUL, invalid or cut UTF-8, control bytes. */
function hostileText(r: Rng, size: number): Uint8Array {
  const out = new Uint8Array(size);
  switch (r.int(5)) {
    case 0:
      return out.fill(0x41); // no terminating NUL
    case 1:
      return out.fill(0xff); // never valid UTF-8
    case 2:
      out.fill(0x41);
      out.set([0xe2, 0x82].slice(0, size), Math.max(0, size - 2)); // a 3-byte sequence cut short
      return out;
    case 3:
      return out.map(() => r.int(32)); // control bytes
    default:
      return out.map(() => r.int(256));
  }
}

function writeValue(b: Uint8Array, f: ValueField, r: Rng): string {
  if (f.pos + f.size > b.length) return `${f.name} (past end, untouched)`;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.type) {
    case 'f64':
    case 'f32': {
      const v = r.pick(FLOATS);
      if (f.type === 'f64') dv.setFloat64(f.pos, v, true);
      else dv.setFloat32(f.pos, v, true);
      return `${f.name} := ${v}`;
    }
    case 'i64': {
      const v = r.pick(INT64);
      dv.setBigInt64(f.pos, v, true);
      return `${f.name} := ${v}`;
    }
    case 'i32': {
      const v = r.pick(INT32);
      dv.setInt32(f.pos, v, true);
      return `${f.name} := ${v}`;
    }
    case 'u8': {
      const v = r.int(3) === 0 ? r.int(256) : r.pick(BYTES);
      b[f.pos] = v;
      return `${f.name} := ${v}`;
    }
    case 'text':
      b.set(hostileText(r, f.size), f.pos);
      return `${f.name} := hostile text`;
  }
}

/** One to three typed values overwritten in place: every length stays true. */
export const valueEdit: Op = (b, r, l) => {
  if (!l.values?.length) return undefined;
  const what: string[] = [];
  for (let i = 1 + r.int(3); i > 0; i--) what.push(writeValue(b, r.pick(l.values), r));
  return [b, what.join(', ')];
};

function putLength(b: Uint8Array, f: Field, v: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.size === 2) dv.setUint16(f.pos, v, f.littleEndian);
  else dv.setUint32(f.pos, v >>> 0, f.littleEndian);
}
const getLength = (b: Uint8Array, f: Field): number => {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return f.size === 2 ? dv.getUint16(f.pos, f.littleEndian) : dv.getUint32(f.pos, f.littleEndian);
};

/** Replaces [from, to) with `chunk` and moves every offset field that pointed at or past `to`. */
function replace(b: Uint8Array, from: number, to: number, chunk: Uint8Array, shifts: Field[]): Uint8Array {
  const out = new Uint8Array(b.length - (to - from) + chunk.length);
  out.set(b.subarray(0, from));
  out.set(chunk, from);
  out.set(b.subarray(to), from + chunk.length);
  const delta = chunk.length - (to - from);
  for (const f of shifts) {
    if (f.pos + f.size > from) continue; // fields inside the edit are the edit's business
    const v = getLength(out, f);
    if (v >= to) putLength(out, f, v + delta);
  }
  return out;
}

const maxOf = (f: Field): number => (f.size === 2 ? 0xffff : 0xffffffff);

/** A block grown or shrunk, its length field and the offsets past it kept consistent. */
export const blockResize: Op = (b, r, l) => {
  if (!l.blocks?.length) return undefined;
  const blk: Block = r.pick(l.blocks);
  const [s, e] = blk.body;
  if (e > b.length) return undefined;
  const len = e - s;
  const want = Math.min(
    maxOf(blk.length),
    r.pick([0, 1, 2, 3, Math.max(0, len - 1), len + 1, len + r.int(2048)]),
  );
  const body = new Uint8Array(want);
  body.set(b.subarray(s, s + Math.min(want, len)));
  for (let i = len; i < want; i++) body[i] = r.int(256);
  const out = replace(b, s, e, body, blk.shifts);
  putLength(out, blk.length, want);
  return [out, `${blk.name} resized ${len} → ${want} (lengths kept)`];
};

/** New blocks (u8 kind, u16 length, body) inserted where the layout says, offsets moved past them. */
export const blockInsert: Op = (b, r, l) => {
  if (!l.insertAt || l.insertAt.pos > b.length) return undefined;
  // Sometimes many: past the parser's block budget.
  const count = r.int(8) === 0 ? 12 + r.int(10) : 1 + r.int(2);
  const parts: number[] = [];
  for (let i = 0; i < count; i++) {
    const len = r.pick([0, 1, 2, 3, 8, r.int(300)]);
    parts.push(r.pick([0, 1, 2, 0xff]), len & 0xff, len >> 8);
    for (let k = 0; k < len; k++) parts.push(r.int(256));
  }
  const { pos, shifts } = l.insertAt;
  return [
    replace(b, pos, pos, Uint8Array.from(parts), shifts),
    `${count} blocks inserted at ${pos} (offsets kept)`,
  ];
};

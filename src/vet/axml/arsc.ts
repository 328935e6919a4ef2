/**
 * resources.arsc (ResTable), read only as far as resolving one resource ID to its value in the
 * default configuration: enough for a manifest's @string/app_name label, a versionName kept in
 * resources, or @bool/debuggable, which aapt prints resolved. Bounded like the XML reader:
 * chunks checked as Android checks them, references followed a few steps only.
 */

import { malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { Warning } from '../../findings/model.js';
import { u8, u16, u32 } from '../le-bytes.js';
import { CHUNK, type ChunkHeader, checkChunk, readChunkHeader } from './chunk.js';
import { AXML_LIMITS } from './limits.js';
import { readStringPool, type StringPool } from './string-pool.js';
import type { AttrType } from './types.js';
import { attrType, decodeValue } from './values.js';
import { Warnings } from './warnings.js';

const PACKAGE = 0x0200;
const TYPE = 0x0201;
const TABLE_HEADER_BYTES = 12;
const PACKAGE_HEADER_MIN_BYTES = 284;
const TYPE_HEADER_MIN_BYTES = 20;
const FLAG_SPARSE = 0x01;
const FLAG_OFFSET16 = 0x02;
const ENTRY_COMPLEX = 0x0001;
const ENTRY_COMPACT = 0x0008;
/** A reference to a reference…: Android follows a handful (ResTable's resolveReference uses 20). */
const MAX_REFERENCE_STEPS = 20;

export interface ResolvedValue {
  type: AttrType;
  value: string | number | boolean | null;
}

export interface ResourceTable {
  /** Resource `id` in the default configuration (else the first that has it), references followed. */
  resolve(id: number): ResolvedValue | undefined;
  warnings: Warning[];
}

export function readResourceTable(bytes: Uint8Array): ResourceTable {
  bound(bytes.length, AXML_LIMITS.maxDocumentBytes, 'resources.arsc size (bytes)', 0);
  const w = new Warnings();
  if (bytes.length < TABLE_HEADER_BYTES) throw truncated('resource table header', 0);
  const head = readChunkHeader(bytes, 0);
  if (head.type !== CHUNK.TABLE)
    throw malformed(`resource table: chunk type 0x${head.type.toString(16)}, not 0x0002`, 0);
  if (head.size > bytes.length)
    throw truncated(`resource table: declares ${head.size} bytes, ${bytes.length} present`, 4);
  checkChunk(head, TABLE_HEADER_BYTES, head.size, 'resource table');
  const b = bytes.subarray(0, head.size);
  let globalPool: StringPool | undefined;
  /** package id → type id → the type chunks (one per configuration). */
  const packages = new Map<number, Map<number, ChunkHeader[]>>();
  for (const c of chunks(b, head.headerSize, b.length)) {
    if (c.type === CHUNK.STRING_POOL && !globalPool) globalPool = readStringPool(b, c, w);
    else if (c.type === PACKAGE) {
      if (c.headerSize < PACKAGE_HEADER_MIN_BYTES)
        throw malformed('resource package: header too small', c.offset);
      const types = new Map<number, ChunkHeader[]>();
      packages.set(u32(b, c.offset + 8, 'package id'), types);
      for (const t of chunks(b, c.offset + c.headerSize, c.offset + c.size)) {
        if (t.type !== TYPE) continue;
        if (t.headerSize < TYPE_HEADER_MIN_BYTES)
          throw malformed('resource type: header too small', t.offset);
        const id = u8(b, t.offset + 8, 'type id');
        const list = types.get(id) ?? [];
        // The default configuration first: it is what aapt resolves against.
        if (isDefaultConfig(b, t)) list.unshift(t);
        else list.push(t);
        types.set(id, list);
      }
    }
  }
  if (!globalPool) throw malformed('resource table: no string pool', head.headerSize);
  const pool = globalPool;

  const resolve = (id: number, steps: number): ResolvedValue | undefined => {
    const types = packages.get(id >>> 24)?.get((id >>> 16) & 0xff);
    if (!types) return undefined;
    for (const t of types) {
      const v = entryValue(b, t, id & 0xffff, w);
      if (!v) continue;
      const type = attrType(v.dataType);
      if (type === 'reference' && v.data !== 0 && steps < MAX_REFERENCE_STEPS)
        return resolve(v.data >>> 0, steps + 1);
      if (type === 'string') return { type, value: pool.get(v.data >>> 0) ?? null };
      return { type, value: decodeValue(type, v.data) };
    }
    return undefined;
  };
  return { resolve: (id) => resolve(id >>> 0, 0), warnings: w.done() };
}

/** Sibling chunks from `start` to `end`, each checked as Android checks chunks. */
function* chunks(b: Uint8Array, start: number, end: number): Generator<ChunkHeader> {
  let off = start;
  while (off + 8 <= end) {
    const c = readChunkHeader(b, off);
    checkChunk(c, 8, end, 'resource chunk');
    yield c;
    off += c.size;
  }
}

/** ResTable_config after its size field is all zero: no locale, density or other qualifier. */
function isDefaultConfig(b: Uint8Array, t: ChunkHeader): boolean {
  const at = t.offset + 20;
  const size = u32(b, at, 'config size');
  const end = Math.min(at + size, t.offset + t.headerSize);
  for (let i = at + 4; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/** The simple value of entry `index` in one type chunk, if the chunk has it. */
function entryValue(
  b: Uint8Array,
  t: ChunkHeader,
  index: number,
  w: Warnings,
): { dataType: number; data: number } | undefined {
  const flags = u8(b, t.offset + 9, 'type flags');
  const count = u32(b, t.offset + 12, 'entry count');
  const entriesStart = u32(b, t.offset + 16, 'entries start');
  const table = t.offset + t.headerSize;
  const end = t.offset + t.size;
  let offset: number | undefined;
  if (flags & FLAG_SPARSE) {
    // Sorted (index, offset / 4) pairs.
    let lo = 0;
    let hi = Math.min(count, Math.floor((end - table) / 4)) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const idx = u16(b, table + 4 * mid, 'sparse entry');
      if (idx === index) {
        offset = u16(b, table + 4 * mid + 2, 'sparse entry') * 4;
        break;
      }
      if (idx < index) lo = mid + 1;
      else hi = mid - 1;
    }
  } else if (index < count) {
    if (flags & FLAG_OFFSET16) {
      const v = u16(b, table + 2 * index, 'entry offset');
      offset = v === 0xffff ? undefined : v * 4;
    } else {
      const v = u32(b, table + 4 * index, 'entry offset');
      offset = v === 0xffffffff ? undefined : v;
    }
  }
  if (offset === undefined) return undefined;
  const at = t.offset + entriesStart + offset;
  if (at + 8 > end) {
    w.add('arsc-entry', at, `entry ${index} lies past its type chunk`);
    return undefined;
  }
  const size = u16(b, at, 'entry size');
  const eflags = u16(b, at + 2, 'entry flags');
  if (eflags & ENTRY_COMPACT) return { dataType: eflags >> 8, data: u32(b, at + 4, 'compact entry data') };
  if (eflags & ENTRY_COMPLEX) return undefined; // a bag (style, array, plural): no single value
  if (size < 8 || at + size + 8 > end) {
    w.add('arsc-entry', at, `entry ${index} has size ${size}`);
    return undefined;
  }
  return { dataType: u8(b, at + size + 3, 'value type'), data: u32(b, at + size + 4, 'value data') };
}

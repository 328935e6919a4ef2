/**
 * One IFD: its entry table, bounded. Offsets inside a TIFF structure are relative to `base`;
 * everything this module returns is an absolute file offset.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import { type Endian, endian, type FieldType, fieldSize, isFieldType } from './format.js';

/** Where a TIFF structure (or a maker note sharing its bytes) lives and how to read it. */
export interface TiffCtx {
  readonly src: ByteSource;
  /** Absolute offset the structure's internal offsets count from. */
  readonly base: number;
  readonly e: Endian;
  /** Absolute bounds no read may leave: the whole TIFF block the structure came in. */
  readonly start: number;
  readonly end: number;
  /** Shared by every IFD of one file: loop detection and the IFD budget. */
  readonly walk: { visited: Set<number>; count: number };
}

export const tiffCtx = (src: ByteSource, base: number, le: boolean, start: number, end: number): TiffCtx => ({
  src,
  base,
  e: endian(le),
  start,
  end,
  walk: { visited: new Set(), count: 0 },
});

/** The same bytes seen with another base/byte order (maker notes), sharing the walk state. */
export const rebased = (ctx: TiffCtx, base: number, le: boolean): TiffCtx => ({
  ...ctx,
  base,
  e: endian(le),
});

export interface IfdEntry {
  tag: number;
  type: FieldType;
  count: number;
  /** Absolute offset of the 12-byte entry. */
  entryOffset: number;
  /** Absolute offset and length of the value bytes (inline in the entry when ≤ 4 bytes). */
  valueOffset: number;
  valueLength: number;
}

export interface Ifd {
  offset: number;
  entries: IfdEntry[];
  /** Absolute offset of the next IFD in the chain, or 0. */
  next: number;
}

const ENTRY_BYTES = 12;

/** Reads the IFD at absolute `offset`; refuses loops, and IFD counts over the limit. */
export function readIfd(ctx: TiffCtx, offset: number, what: string): Ifd {
  if (offset < ctx.start || offset + 2 > ctx.end) {
    throw offset >= ctx.end
      ? truncated(`${what} offset past end`, offset)
      : malformed(`${what} offset before the TIFF header`, offset);
  }
  if (ctx.walk.visited.has(offset)) throw malformed(`${what}: IFD loop (offset visited before)`, offset);
  ctx.walk.visited.add(offset);
  ctx.walk.count = bound(ctx.walk.count + 1, LIMITS.maxIfdCount, 'IFDs in one TIFF structure', offset);

  const count = bound(
    ctx.e.u16(ctx.src.read(offset, 2), 0),
    LIMITS.maxIfdEntries,
    `${what} entry count`,
    offset,
  );
  const tableLen = count * ENTRY_BYTES;
  if (offset + 2 + tableLen > ctx.end) throw truncated(`${what} entry table`, offset + 2);
  const table = ctx.src.read(offset + 2, tableLen);
  // A missing next-IFD pointer at the very end is common in the wild; it means "no next IFD".
  const nextAt = offset + 2 + tableLen;
  const nextRel = nextAt + 4 <= ctx.end ? ctx.e.u32(ctx.src.read(nextAt, 4), 0) : 0;

  const entries: IfdEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * ENTRY_BYTES;
    const entryOffset = offset + 2 + o;
    const tag = ctx.e.u16(table, o);
    const type = ctx.e.u16(table, o + 2);
    const n = ctx.e.u32(table, o + 4);
    // Unknown field types have no size: the entry cannot be located, so it is skipped.
    if (!isFieldType(type)) continue;
    const valueLength = n * fieldSize(type);
    const valueOffset = valueLength <= 4 ? entryOffset + 8 : ctx.base + ctx.e.u32(table, o + 8);
    entries.push({ tag, type, count: n, entryOffset, valueOffset, valueLength });
  }
  return { offset, entries, next: nextRel === 0 ? 0 : ctx.base + nextRel };
}

/** The value bytes of an entry, bounded and inside the structure. */
export function entryBytes(ctx: TiffCtx, e: IfdEntry, what: string): Uint8Array {
  bound(e.valueLength, LIMITS.maxBlockBytes, `${what} value length`, e.entryOffset);
  if (e.valueOffset < ctx.start)
    throw malformed(`${what} value offset before the TIFF header`, e.entryOffset);
  if (e.valueOffset + e.valueLength > ctx.end) throw truncated(`${what} value`, e.valueOffset);
  return ctx.src.read(e.valueOffset, e.valueLength);
}

/** True when an entry's value lies inside the structure (used before optional decoding). */
export const entryInBounds = (ctx: TiffCtx, e: IfdEntry): boolean =>
  e.valueOffset >= ctx.start &&
  e.valueOffset + e.valueLength <= ctx.end &&
  e.valueLength <= LIMITS.maxBlockBytes;

/**
 * The DEX header (dex-format "header_item"): magic and version, the Adler-32 checksum, the sizes,
 * and where each id table lies. Every table is bounded against the bytes actually present here,
 * so the readers after this one index only checked ranges.
 */
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { u32 } from '../le-bytes.js';
import { DEX_LIMITS } from './limits.js';
import type { WarningSink } from './warnings.js';

const HEADER_SIZE = 0x70;
/** Version 041 (the multi-dex container) adds container_size and header_offset. */
const HEADER_SIZE_V41 = 0x78;
const ENDIAN_CONSTANT = 0x12345678;
const REVERSE_ENDIAN_CONSTANT = 0x78563412;
const MIN_VERSION = 35;
const MAX_VERSION = 41;

/** A table's item count and its offset in the file. */
export interface Table {
  size: number;
  off: number;
}

export interface DexHeader {
  /** 35…41, from the magic 'dex\n0NN\0'. */
  version: number;
  /** As stored, and as computed over bytes 12 to the end of the data present. */
  checksum: number;
  computedChecksum: number;
  fileSize: number;
  headerSize: number;
  link: Table;
  mapOff: number;
  stringIds: Table;
  typeIds: Table;
  protoIds: Table;
  fieldIds: Table;
  methodIds: Table;
  classDefs: Table;
  data: Table;
}

/** Bytes per item of each id table (dex-format: string_id_item, type_id_item…). */
export const ITEM_BYTES = {
  stringIds: 4,
  typeIds: 4,
  protoIds: 12,
  fieldIds: 8,
  methodIds: 8,
  classDefs: 32,
} as const;

/** Adler-32 (RFC 1950) of b[from, to): sums reduced every 3800 bytes, well inside 2^53. */
export function adler32(b: Uint8Array, from: number, to: number): number {
  let a = 1;
  let s = 0;
  for (let i = from; i < to; ) {
    const end = Math.min(to, i + 3800);
    for (; i < end; i++) {
      a += b[i]!;
      s += a;
    }
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

function version(b: Uint8Array): number {
  if (b.length < 8) throw truncated('dex magic', 0);
  const ok =
    b[0] === 0x64 && b[1] === 0x65 && b[2] === 0x78 && b[3] === 0x0a && b[7] === 0x00 && b[4] === 0x30;
  const digit = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : Number.NaN);
  const v = digit(b[5]!) * 10 + digit(b[6]!);
  if (!ok || Number.isNaN(v)) throw malformed("not a DEX file: the magic is not 'dex\\n0NN\\0'", 0);
  if (v < MIN_VERSION || v > MAX_VERSION)
    throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', `DEX version 0${v} is not one Airlock reads`, 4);
  return v;
}

/** A table read from the header at `at` and checked to lie inside the file, after the header. */
function table(
  b: Uint8Array,
  at: number,
  name: keyof typeof ITEM_BYTES,
  headerSize: number,
  warn: WarningSink,
): Table {
  const size = u32(b, at, `dex ${name} size`);
  const off = u32(b, at + 4, `dex ${name} offset`);
  if (size === 0) return { size, off };
  const item = ITEM_BYTES[name];
  if (off < headerSize) throw malformed(`dex ${name} table at ${off} overlaps the header`, at + 4);
  if (off > b.length) throw truncated(`dex ${name} table`, off);
  // Past the end is truncation; ART also stops at the file's end, whatever file_size says.
  if (size > Math.floor((b.length - off) / item))
    throw truncated(`dex ${name} table of ${size} entries`, off);
  if (off % 4 !== 0) warn.add('dex-unaligned', at + 4, `${name} table at ${off} is not 4-byte aligned`);
  return { size, off };
}

export function readHeader(b: Uint8Array, warn: WarningSink): DexHeader {
  bound(b.length, DEX_LIMITS.maxDexBytes, 'dex file bytes');
  const v = version(b);
  if (b.length < HEADER_SIZE) throw truncated('dex header', b.length);
  const endian = u32(b, 40, 'dex endian tag');
  if (endian === REVERSE_ENDIAN_CONSTANT)
    throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'a big-endian (reverse endian tag) DEX', 40);
  if (endian !== ENDIAN_CONSTANT) throw malformed(`dex endian tag 0x${endian.toString(16)}`, 40);

  const headerSize = u32(b, 36, 'dex header size');
  if (headerSize !== HEADER_SIZE && !(v >= 41 && headerSize === HEADER_SIZE_V41))
    throw malformed(`dex header size ${headerSize}, not ${HEADER_SIZE}`, 36);
  if (headerSize > b.length) throw truncated('dex header', b.length);

  const checksum = u32(b, 8, 'dex checksum');
  const computedChecksum = adler32(b, 12, b.length);
  if (checksum !== computedChecksum)
    warn.add(
      'dex-checksum',
      8,
      `checksum 0x${checksum.toString(16).padStart(8, '0')}, bytes give 0x${computedChecksum.toString(16).padStart(8, '0')}`,
    );
  const fileSize = u32(b, 32, 'dex file size');
  if (fileSize !== b.length)
    warn.add('dex-file-size', 32, `header says ${fileSize} bytes, the file has ${b.length}`);
  if (v >= 41 && headerSize === HEADER_SIZE_V41) {
    const containerSize = u32(b, 0x70, 'dex container size');
    if (containerSize > fileSize)
      warn.add(
        'dex-container',
        0x70,
        `a DEX 041 container of ${containerSize} bytes: only its first dex (${fileSize} bytes) is read`,
      );
  }

  return {
    version: v,
    checksum,
    computedChecksum,
    fileSize,
    headerSize,
    link: { size: u32(b, 44, 'dex link size'), off: u32(b, 48, 'dex link offset') },
    mapOff: u32(b, 52, 'dex map offset'),
    stringIds: table(b, 56, 'stringIds', headerSize, warn),
    typeIds: table(b, 64, 'typeIds', headerSize, warn),
    protoIds: table(b, 72, 'protoIds', headerSize, warn),
    fieldIds: table(b, 80, 'fieldIds', headerSize, warn),
    methodIds: table(b, 88, 'methodIds', headerSize, warn),
    classDefs: table(b, 96, 'classDefs', headerSize, warn),
    data: { size: u32(b, 104, 'dex data size'), off: u32(b, 108, 'dex data offset') },
  };
}

/**
 * ResStringPool (libandroidfw): the strings a binary XML document names by index, UTF-16 or
 * UTF-8. Read the way Android reads them, so a string means here what it means on the device:
 * pool-level faults Android refuses the whole document for throw; a single string Android cannot
 * read (past the pool, not NUL-terminated, UTF-8 length mismatch) comes back undefined with a
 * warning, as Android's stringAt returns NULL.
 */
import { AirlockError, malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { u8, u16, u32 } from '../le-bytes.js';
import type { ChunkHeader } from './chunk.js';
import { AXML_LIMITS } from './limits.js';
import { decodeUtf8Lenient } from './utf8.js';
import type { Warnings } from './warnings.js';

const POOL_HEADER_BYTES = 28;
const UTF8_FLAG = 0x100;
/**
 * Characters decoded from one pool, beyond its own size: entries that all point at one long string
 * would otherwise cost (entries × length). A real pool decodes each character once.
 */
const DECODE_SLACK_UNITS = 65536;

export interface StringPool {
  readonly count: number;
  readonly utf8: boolean;
  /** The string at `index`, or undefined where Android's stringAt gives NULL. */
  get(index: number): string | undefined;
}

export function readStringPool(b: Uint8Array, c: ChunkHeader, w: Warnings): StringPool {
  if (c.headerSize < POOL_HEADER_BYTES)
    throw malformed(`string pool: header size ${c.headerSize} is below ${POOL_HEADER_BYTES}`, c.offset);
  const count = u32(b, c.offset + 8, 'string count');
  const styleCount = u32(b, c.offset + 12, 'style count');
  const utf8 = (u32(b, c.offset + 16, 'string pool flags') & UTF8_FLAG) !== 0;
  const stringsStart = u32(b, c.offset + 20, 'strings start');
  const stylesStart = u32(b, c.offset + 24, 'styles start');
  const charSize = utf8 ? 1 : 2;
  const entries = c.offset + c.headerSize;
  let poolUnits = 0;

  if (count > 0) {
    if (c.headerSize + count * 4 > c.size)
      throw malformed(`string pool: ${count} string entries run past the chunk`, c.offset + 8);
    if (stringsStart >= c.size - 2)
      throw malformed(`string pool: strings start ${stringsStart} is past the chunk`, c.offset + 20);
    if (styleCount === 0) poolUnits = Math.floor((c.size - stringsStart) / charSize);
    else {
      if (stylesStart >= c.size - 2 || stylesStart <= stringsStart)
        throw malformed(`string pool: styles start ${stylesStart} is out of place`, c.offset + 24);
      poolUnits = Math.floor((stylesStart - stringsStart) / charSize);
    }
    if (poolUnits === 0) throw malformed('string pool: strings but no string data', c.offset + 20);
    const lastAt = c.offset + stringsStart + (poolUnits - 1) * charSize;
    const last = utf8 ? u8(b, lastAt, 'string data') : u16(b, lastAt, 'string data');
    if (last !== 0)
      w.add(
        'axml-pool-unterminated',
        lastAt,
        'the last string is not NUL-terminated (Android refuses such a pool)',
      );
  }
  if (styleCount > 0 && c.headerSize + (count + styleCount) * 4 > c.size)
    w.add('axml-pool-styles', c.offset + 12, `${styleCount} style entries run past the chunk (ignored)`);

  const base = c.offset + stringsStart;
  const cache = new Map<number, string | undefined>();
  let budget = c.size + DECODE_SLACK_UNITS;

  const unit = (k: number): number =>
    utf8 ? u8(b, base + k, 'string data') : u16(b, base + 2 * k, 'string data');
  const bad = (index: number, why: string): undefined => {
    w.add('axml-bad-string', entries + index * 4, `string #${index} ${why}; read as absent, as Android does`);
    return undefined;
  };

  /** A length prefix: one unit, or two when the first has its top bit set (decodeLength). */
  const length = (k: number): [number, number] => {
    const first = unit(k);
    const top = utf8 ? 0x80 : 0x8000;
    if ((first & top) === 0) return [first, k + 1];
    if (k + 1 >= poolUnits) return [Number.POSITIVE_INFINITY, k + 2];
    return [(first & (top - 1)) * (utf8 ? 0x100 : 0x10000) + unit(k + 1), k + 2];
  };

  function decode(index: number): string | undefined {
    const off = Math.floor(u32(b, entries + index * 4, 'string entry') / charSize);
    if (off >= poolUnits - 1) return bad(index, `starts at ${off}, past the pool (${poolUnits})`);
    const [len16, afterLen] = length(off);
    if (!utf8) {
      if (afterLen + len16 >= poolUnits) return bad(index, 'runs past the pool');
      if (unit(afterLen + len16) !== 0) return bad(index, 'is not NUL-terminated');
      spend(len16);
      return utf16(b, base + 2 * afterLen, len16);
    }
    if (afterLen >= poolUnits) return bad(index, 'runs past the pool');
    const [len8, start] = length(afterLen);
    if (start + len8 >= poolUnits) return bad(index, 'runs past the pool');
    if (unit(start + len8) !== 0) return bad(index, 'is not NUL-terminated');
    spend(len8);
    const s = decodeUtf8Lenient(b.subarray(base + start, base + start + len8));
    if (s === undefined) return bad(index, 'ends inside a UTF-8 character');
    if (s.length !== len16)
      return bad(index, `decodes to ${s.length} UTF-16 units, not the ${len16} declared`);
    return s;
  }

  function spend(units: number): void {
    bound(units, AXML_LIMITS.maxStringUnits, 'string length (UTF-16 units)', base);
    budget -= units;
    if (budget < 0)
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `strings decoded from one pool exceed its size (${c.size} bytes)`,
        base,
      );
  }

  return {
    count,
    utf8,
    get(index: number): string | undefined {
      if (index >= count) return undefined;
      if (cache.has(index)) return cache.get(index);
      const s = decode(index);
      cache.set(index, s);
      return s;
    },
  };
}

/** UTF-16LE code units as they are, lone surrogates kept (Android keeps them too). */
function utf16(b: Uint8Array, at: number, units: number): string {
  const parts: string[] = [];
  const chunk = new Array<number>(Math.min(units, 8192));
  for (let i = 0; i < units; ) {
    const n = Math.min(8192, units - i);
    chunk.length = n;
    for (let k = 0; k < n; k++) chunk[k] = u16(b, at + 2 * (i + k), 'string data');
    parts.push(String.fromCharCode(...chunk));
    i += n;
  }
  return parts.join('');
}

/**
 * One IFD entry → one finding: decode the value the way `exiftool -n` shows it, name it,
 * categorise it, and point at its value bytes.
 */
import type { Category, Finding, Value } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { decodeAscii, decodeNumbers, decodeText } from './format.js';
import { entryBytes, entryInBounds, type IfdEntry, type TiffCtx } from './ifd.js';
import { categoryFor, hexName, SIGNATURE_BYTES, type TagInfo, tagBySignature } from './tags.js';

/** Numeric lists longer than this are reported as a block (curves, tables), not spelled out. */
const MAX_LISTED_NUMBERS = 16;
/** Printable byte strings longer than this are reported as a block. */
const MAX_TEXT_BYTES = 64 * 1024;

export function decodeValue(ctx: TiffCtx, e: IfdEntry, info: TagInfo | undefined, what: string): Value {
  const bytes = entryBytes(ctx, e, what);
  const shape = info?.shape ?? 'auto';
  if (shape === 'block') return { kind: 'block', size: bytes.length };
  if (shape === 'ucs2') return { kind: 'text', text: ucs2(bytes, true) };
  if (shape === 'comment') return { kind: 'text', text: comment(bytes, ctx.e.le) };
  if (shape === 'hex') return { kind: 'text', text: Buffer.from(bytes).toString('hex').toUpperCase() };
  // Versions stored as digits 0-9 ("\0\1\0\0") read as "0100", as ExifTool shows them.
  if (shape === 'version' && bytes.length > 0 && (bytes[0] as number) < 10)
    return { kind: 'text', text: bytes.join('') };
  if (e.type === 2) {
    const text = decodeAscii(bytes);
    return shape === 'time' ? { kind: 'time', text } : { kind: 'text', text };
  }
  if (e.type === 7 || e.type === 1) {
    if (shape === 'version' || (bytes.length > 1 && bytes.length <= MAX_TEXT_BYTES && isPrintable(bytes))) {
      return { kind: 'text', text: decodeAscii(bytes) };
    }
    if (bytes.length > MAX_LISTED_NUMBERS) return { kind: 'block', size: bytes.length };
  }
  const nums = decodeNumbers(e.type, bytes, ctx.e.le);
  if (nums.length > MAX_LISTED_NUMBERS)
    return { kind: 'block', size: bytes.length, note: `${nums.length} values` };
  if (nums.length === 1 && Number.isFinite(nums[0])) return { kind: 'number', value: nums[0] as number };
  return { kind: 'text', text: nums.map(showNumber).join(' ') };
}

export const showNumber = (n: number): string => (Number.isNaN(n) ? 'undef' : String(n));

/** Printable ASCII, allowing trailing NULs (fixed-size string fields). */
function isPrintable(b: Uint8Array): boolean {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
    if (c > 0x7e) return false;
  }
  return true;
}

/** UCS-2 up to the first NUL, trailing blanks kept off; lone surrogates kept as they are. */
function ucs2(b: Uint8Array, le: boolean): string {
  const units = new Uint16Array(b.length >> 1);
  let n = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = le
      ? (b[i] as number) | ((b[i + 1] as number) << 8)
      : ((b[i] as number) << 8) | (b[i + 1] as number);
    if (c === 0) break;
    units[n++] = c;
  }
  // In slices: one call spreading every unit overflows the stack from ~120,000 of them.
  let text = '';
  for (let k = 0; k < n; k += UCS2_SLICE)
    text += String.fromCharCode(...units.subarray(k, Math.min(n, k + UCS2_SLICE)));
  return text.trimEnd();
}
const UCS2_SLICE = 8192;

/** EXIF "comment" values start with an 8-byte character-code prefix (ASCII, UNICODE, JIS, or none). */
function comment(b: Uint8Array, le: boolean): string {
  if (b.length < 8) return decodeAscii(b);
  const code = Buffer.from(b.subarray(0, 8)).toString('latin1');
  const body = b.subarray(8);
  if (code.startsWith('UNICODE')) return ucs2(body, le);
  return decodeText(body).replace(/\0.*$/s, '').trimEnd();
}

/** Reports one entry as a finding under `path`. */
export function reportEntry(
  ctx: TiffCtx,
  e: IfdEntry,
  info: TagInfo | undefined,
  path: string[],
  out: Collector,
  fallback: Category = 'other',
): Finding {
  info ??= recognise(ctx, e);
  const tag = info?.name ?? hexName(e.tag);
  const f: Finding = {
    category: categoryFor(tag, info?.category ?? fallback),
    tag,
    path,
    ranges: [{ offset: e.valueOffset, length: e.valueLength }],
    value: decodeValue(ctx, e, info, `${path.at(-1) ?? 'IFD'} ${tag}`),
  };
  out.add(f);
  return f;
}

/** An entry no table names may still carry a block that names itself (PrintIM). */
function recognise(ctx: TiffCtx, e: IfdEntry): TagInfo | undefined {
  if (e.valueLength < SIGNATURE_BYTES || !entryInBounds(ctx, e)) return undefined;
  return tagBySignature(ctx.src.read(e.valueOffset, SIGNATURE_BYTES));
}

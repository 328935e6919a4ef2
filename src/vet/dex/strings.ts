/**
 * The string table: string_ids (one u32 offset each) pointing at string_data_item (a ULEB128
 * UTF-16 length, then MUTF-8 bytes ending in NUL). Each string is decoded once. A broken string
 * becomes what could be read plus a warning; only a scan budget blown by strings that overlap
 * (a hostile file) stops the read.
 */
import { AirlockError } from '../../core/errors.js';
import { u32, uleb128 } from '../le-bytes.js';
import type { DexHeader } from './header.js';
import { DEX_LIMITS } from './limits.js';
import { Mutf8Decoder } from './mutf8.js';
import type { WarningSink } from './warnings.js';

export function readStrings(b: Uint8Array, h: DexHeader, warn: WarningSink): string[] {
  const { size, off } = h.stringIds;
  const out: string[] = new Array(size);
  const decoder = new Mutf8Decoder();
  const budget = DEX_LIMITS.stringScanFactor * b.length + 65536;
  let scanned = 0;
  for (let i = 0; i < size; i++) {
    const idAt = off + 4 * i;
    const dataAt = u32(b, idAt, 'dex string_id');
    if (dataAt < h.headerSize || dataAt >= b.length) {
      warn.add('dex-string-offset', idAt, `string ${i} at ${dataAt} lies outside the file's data`);
      out[i] = '';
      continue;
    }
    const [declared, textAt] = uleb128(b, dataAt, 'dex string length');
    // A valid string takes at most 3 bytes a unit, plus its NUL: scan no further than that.
    const limit = textAt + Math.min(3 * declared + 1, DEX_LIMITS.maxStringBytes);
    const d = decoder.decode(b, textAt, limit);
    scanned += d.end - dataAt;
    if (scanned > budget)
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `dex strings: ${scanned} bytes scanned exceeds limit ${budget} (strings that overlap)`,
        dataAt,
      );
    if (d.invalid) warn.add('dex-string-mutf8', dataAt, `string ${i}: invalid MUTF-8 replaced with U+FFFD`);
    if (d.unterminated)
      warn.add('dex-string-unterminated', dataAt, `string ${i}: no NUL within ${d.end - textAt} bytes`);
    else if (d.units !== declared)
      warn.add('dex-string-size', dataAt, `string ${i}: declares ${declared} UTF-16 units, holds ${d.units}`);
    out[i] = d.text;
  }
  return out;
}

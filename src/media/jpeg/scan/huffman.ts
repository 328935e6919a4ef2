/**
 * JPEG Huffman tables (ITU T.81 Annex C and K.2): decoding tables from a DHT's code counts and
 * values, encoding tables, and optimal tables built from symbol counts. Written here because no
 * library reads and writes a JPEG's entropy-coded data as coefficients (they decode to pixels).
 */
import { AirlockError } from '../../../core/errors.js';

/** A table as a DHT segment holds it: how many codes of each length 1..16, then the symbols. */
export interface TableSpec {
  counts: Uint8Array; // 16 entries
  symbols: Uint8Array;
}

/** Decoding: canonical codes by length, and an 8-bit look-ahead for the short ones. */
export interface DecodeTable {
  maxcode: Int32Array; // by length 1..17; -1 where no code of that length
  valptr: Int32Array;
  mincode: Int32Array;
  symbols: Uint8Array;
  /** Indexed by the next 8 bits: (length << 8) | symbol, or 0 when the code is longer than 8 bits. */
  fast: Uint16Array;
}

export function decodeTable(spec: TableSpec, at: number): DecodeTable {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(18);
  const mincode = new Int32Array(18);
  const fast = new Uint16Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = spec.counts[len - 1] as number;
    if (n > 0) {
      valptr[len] = k;
      mincode[len] = code;
      for (let i = 0; i < n; i++, k++, code++) {
        if (len <= 8) {
          // Every 8-bit look-ahead that starts with this code.
          const shift = 8 - len;
          for (let j = 0; j < 1 << shift; j++)
            fast[(code << shift) | j] = (len << 8) | (spec.symbols[k] as number);
        }
      }
      maxcode[len] = code - 1;
    }
    // A table whose codes overflow their length is no prefix code.
    if (code > 1 << len)
      throw new AirlockError('AIRLOCK_ERR_MALFORMED', 'Huffman table: more codes than fit', at);
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { maxcode, valptr, mincode, symbols: spec.symbols, fast };
}

/** Encoding: each symbol's code and its length (0: the table has no code for it). */
export interface EncodeTable {
  code: Uint32Array; // by symbol
  size: Uint8Array;
}

export function encodeTable(spec: TableSpec): EncodeTable {
  const code = new Uint32Array(256);
  const size = new Uint8Array(256);
  let c = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < (spec.counts[len - 1] as number); i++, k++, c++) {
      const s = spec.symbols[k] as number;
      code[s] = c;
      size[s] = len;
    }
    c <<= 1;
  }
  return { code, size };
}

/**
 * The optimal table for these symbol counts, codes at most 16 bits long and none all ones
 * (T.81 Annex K.2, the procedure libjpeg's jpeg_gen_optimal_table follows).
 */
export function optimalTable(freqIn: ArrayLike<number>): TableSpec {
  const freq = new Float64Array(257);
  for (let i = 0; i < 256; i++) freq[i] = freqIn[i] ?? 0;
  // A reserved symbol with the least weight takes the all-ones code, which must not be used.
  freq[256] = 1;
  const codesize = new Int32Array(257);
  const others = new Int32Array(257).fill(-1);
  for (;;) {
    // The two least frequent (non-zero) trees, the larger index winning ties.
    let c1 = -1;
    let v = Number.POSITIVE_INFINITY;
    for (let i = 0; i <= 256; i++)
      if ((freq[i] as number) > 0 && (freq[i] as number) <= v) {
        v = freq[i] as number;
        c1 = i;
      }
    let c2 = -1;
    v = Number.POSITIVE_INFINITY;
    for (let i = 0; i <= 256; i++)
      if ((freq[i] as number) > 0 && (freq[i] as number) <= v && i !== c1) {
        v = freq[i] as number;
        c2 = i;
      }
    if (c2 < 0) break;
    freq[c1] = (freq[c1] as number) + (freq[c2] as number);
    freq[c2] = 0;
    codesize[c1] = (codesize[c1] as number) + 1;
    while ((others[c1] as number) >= 0) {
      c1 = others[c1] as number;
      codesize[c1] = (codesize[c1] as number) + 1;
    }
    others[c1] = c2;
    codesize[c2] = (codesize[c2] as number) + 1;
    while ((others[c2] as number) >= 0) {
      c2 = others[c2] as number;
      codesize[c2] = (codesize[c2] as number) + 1;
    }
  }
  const bits = new Int32Array(33);
  for (let i = 0; i <= 256; i++) {
    const len = codesize[i] as number;
    if (len > 0) bits[len] = (bits[len] as number) + 1;
  }
  // Lengths over 16 are moved up the tree (Annex K.3's adjustment).
  for (let i = 32; i > 16; i--) {
    while ((bits[i] as number) > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] = (bits[i] as number) - 2;
      bits[i - 1] = (bits[i - 1] as number) + 1;
      bits[j + 1] = (bits[j + 1] as number) + 2;
      bits[j] = (bits[j] as number) - 1;
    }
  }
  // The reserved symbol's code (the longest) is given back.
  let last = 16;
  while (bits[last] === 0) last--;
  bits[last] = (bits[last] as number) - 1;
  const counts = new Uint8Array(16);
  for (let i = 1; i <= 16; i++) counts[i - 1] = bits[i] as number;
  const symbols: number[] = [];
  for (let len = 1; len <= 32; len++) for (let s = 0; s < 256; s++) if (codesize[s] === len) symbols.push(s);
  return { counts, symbols: Uint8Array.from(symbols) };
}

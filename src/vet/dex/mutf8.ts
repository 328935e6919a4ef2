/**
 * Modified UTF-8 (dex-format "MUTF-8 Encoding"), the encoding of every DEX string: UTF-16 code
 * units written one at a time in 1–3 bytes, NUL as 0xC0 0x80, a supplementary character as its two
 * surrogates (3 bytes each), no 4-byte forms, a 0x00 byte ending the string. Code units map onto a
 * JavaScript string one to one, lone surrogates included. Anything else becomes U+FFFD and marks
 * the string as bad; decoding never throws.
 */

export interface Decoded {
  text: string;
  /** UTF-16 code units decoded (what the string's utf16_size must equal). */
  units: number;
  /** Offset just past the terminating NUL, or the scan limit when there was none. */
  end: number;
  /** An invalid or overlong sequence was replaced with U+FFFD. */
  invalid: boolean;
  /** No NUL before the scan limit: the text is what came before it. */
  unterminated: boolean;
}

const ascii = new TextDecoder('utf-8');
/** fromCharCode.apply takes its units as arguments: chunks keep the argument count modest. */
const CHUNK = 8192;
const isCont = (c: number | undefined): c is number => c !== undefined && (c & 0xc0) === 0x80;

export class Mutf8Decoder {
  private scratch = new Uint16Array(256);

  /** Decodes the string starting at `at`, scanning no further than `limit` (exclusive). */
  decode(b: Uint8Array, at: number, limit: number): Decoded {
    const stop = Math.min(limit, b.length);
    // Fast path: most DEX strings are ASCII, which decodes as-is.
    let i = at;
    while (i < stop && b[i]! !== 0 && b[i]! < 0x80) i++;
    if (i >= stop || b[i] === 0) {
      const unterminated = i >= stop;
      return {
        text: ascii.decode(b.subarray(at, i)),
        units: i - at,
        end: unterminated ? stop : i + 1,
        invalid: false,
        unterminated,
      };
    }
    return this.slow(b, at, stop);
  }

  private slow(b: Uint8Array, at: number, stop: number): Decoded {
    // Never more units than bytes, so the scratch needs at most (stop - at) units.
    if (this.scratch.length < stop - at) this.scratch = new Uint16Array(stop - at);
    const u = this.scratch;
    let n = 0;
    let invalid = false;
    let i = at;
    while (i < stop) {
      const c = b[i]!;
      if (c === 0) break;
      if (c < 0x80) {
        u[n++] = c;
        i++;
        continue;
      }
      const c2 = i + 1 < stop ? b[i + 1] : undefined;
      const c3 = i + 2 < stop ? b[i + 2] : undefined;
      if ((c & 0xe0) === 0xc0 && isCont(c2)) {
        const v = ((c & 0x1f) << 6) | (c2 & 0x3f);
        // Overlong forms are invalid, save 0xC0 0x80 (NUL), as ART's verifier has it.
        if (v === 0 || v >= 0x80) {
          u[n++] = v;
          i += 2;
          continue;
        }
      } else if ((c & 0xf0) === 0xe0 && isCont(c2) && isCont(c3)) {
        const v = ((c & 0x0f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
        if (v >= 0x800) {
          u[n++] = v;
          i += 3;
          continue;
        }
      }
      // A stray continuation byte, a 4-byte lead, a cut or overlong sequence: one byte, one U+FFFD.
      u[n++] = 0xfffd;
      invalid = true;
      i++;
    }
    const unterminated = i >= stop;
    let text = '';
    for (let k = 0; k < n; k += CHUNK)
      text += String.fromCharCode.apply(null, u.subarray(k, Math.min(n, k + CHUNK)) as unknown as number[]);
    return { text, units: n, end: unterminated ? stop : i + 1, invalid, unterminated };
  }
}

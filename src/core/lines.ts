/**
 * Text lines with their byte offsets, read from a ByteSource in chunks so a long sidecar or
 * log never sits in memory whole. Shared by the SRT and flight-log CSV readers.
 */
import { AirlockError } from './errors.js';
import { LIMITS } from './limits.js';
import type { ByteSource } from './source.js';

export interface Line {
  /** The line without its terminator (LF, CRLF or lone CR). */
  text: string;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** 1-based line number. */
  number: number;
  /** True when every byte is ASCII, so character index = byte index. */
  ascii: boolean;
  /** For other lines: the byte offset (from `offset`) of every UTF-16 unit of `text`, and of its end. */
  map?: Uint32Array;
}

const CHUNK = 64 * 1024;

/** Byte offset in the file of the character at `index` in `line.text`. */
export function byteAt(line: Line, index: number): number {
  if (line.ascii || !line.map) return line.offset + index;
  return line.offset + (line.map[index] as number);
}

/** Byte length of `length` characters starting at `index` in `line.text`. */
export function byteLength(line: Line, index: number, length: number): number {
  if (line.ascii || !line.map) return length;
  return (line.map[index + length] as number) - (line.map[index] as number);
}

const cont = (b: number | undefined, lo = 0x80, hi = 0xbf): boolean => b !== undefined && b >= lo && b <= hi;

/**
 * UTF-8 → text, with the byte offset of every UTF-16 unit. Each byte that starts no valid
 * sequence becomes one U+FFFD, so offsets stay exact on damaged text (a flipped bit in a CSV
 * header must not shift every cell range after it).
 */
export function decodeWithMap(b: Uint8Array): { text: string; map: Uint32Array } {
  const units: number[] = [];
  const map = new Uint32Array(b.length * 2 + 1);
  let u = 0;
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf && cont(b[i + 1])) {
      cp = ((c & 0x1f) << 6) | ((b[i + 1] as number) & 0x3f);
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      if (cont(b[i + 1], lo, hi) && cont(b[i + 2])) {
        cp = ((c & 0x0f) << 12) | (((b[i + 1] as number) & 0x3f) << 6) | ((b[i + 2] as number) & 0x3f);
        n = 3;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      if (cont(b[i + 1], lo, hi) && cont(b[i + 2]) && cont(b[i + 3])) {
        cp =
          ((c & 0x07) << 18) |
          (((b[i + 1] as number) & 0x3f) << 12) |
          (((b[i + 2] as number) & 0x3f) << 6) |
          ((b[i + 3] as number) & 0x3f);
        n = 4;
      }
    }
    if (cp > 0xffff) {
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      map[u++] = i;
      map[u++] = i;
    } else {
      units.push(cp);
      map[u++] = i;
    }
    i += n;
  }
  map[u] = b.length;
  let text = '';
  for (let k = 0; k < units.length; k += 8192) text += String.fromCharCode(...units.slice(k, k + 8192));
  return { text, map: map.slice(0, u + 1) };
}

/**
 * Yields every line of the source from `start` (e.g. after a BOM). A line longer than
 * LIMITS.maxTextLineBytes is a limit error naming its offset: no line is ever unbounded.
 */
export function* readLines(src: ByteSource, start = 0): Generator<Line> {
  let lineStart = start;
  let number = 1;
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let pos = start;
  let lastWasCR = false;

  const emit = (end: number, tail: Uint8Array): Line => {
    const parts = pendingLen > 0 ? [...pending, tail] : [tail];
    const total = pendingLen + tail.length;
    const bytes = parts.length === 1 ? tail : Buffer.concat(parts, total);
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    let line: Line;
    if (ascii)
      line = { text: Buffer.from(bytes).toString('latin1'), offset: lineStart, number: number++, ascii };
    else {
      const { text, map } = decodeWithMap(bytes);
      line = { text, offset: lineStart, number: number++, ascii, map };
    }
    pending = [];
    pendingLen = 0;
    lineStart = end;
    return line;
  };

  while (pos < src.size) {
    const len = Math.min(CHUNK, src.size - pos);
    const chunk = src.read(pos, len);
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0a && lastWasCR) {
        // Second half of a CRLF: the line was already emitted at the CR.
        lastWasCR = false;
        from = i + 1;
        lineStart = pos + i + 1;
        continue;
      }
      lastWasCR = false;
      if (b === 0x0a || b === 0x0d) {
        yield emit(pos + i + 1, chunk.subarray(from, i));
        from = i + 1;
        lastWasCR = b === 0x0d;
      } else if (pendingLen + (i - from) >= LIMITS.maxTextLineBytes) {
        throw new AirlockError(
          'AIRLOCK_ERR_LIMIT',
          `line ${number} is longer than ${LIMITS.maxTextLineBytes} bytes`,
          lineStart,
        );
      }
    }
    if (from < chunk.length) {
      // Copy: a FileSource may reuse its window for the next read.
      const rest = chunk.slice(from);
      pending.push(rest);
      pendingLen += rest.length;
    }
    pos += len;
  }
  if (pendingLen > 0) yield emit(src.size, new Uint8Array(0));
}

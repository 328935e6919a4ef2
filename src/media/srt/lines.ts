/**
 * Text lines with their byte offsets, read from a ByteSource in chunks so a long sidecar or
 * log never sits in memory whole. Shared by the SRT and flight-log CSV readers.
 */
import { AirlockError } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';

export interface Line {
  /** The line without its terminator (LF, CRLF or lone CR). */
  text: string;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** 1-based line number. */
  number: number;
  /** True when every byte is ASCII, so character index = byte index. */
  ascii: boolean;
}

const CHUNK = 64 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Byte offset in the file of the character at `index` in `line.text`. */
export function byteAt(line: Line, index: number): number {
  if (line.ascii) return line.offset + index;
  return line.offset + Buffer.byteLength(line.text.slice(0, index), 'utf8');
}

/** Byte length of `length` characters starting at `index` in `line.text`. */
export function byteLength(line: Line, index: number, length: number): number {
  if (line.ascii) return length;
  return Buffer.byteLength(line.text.slice(index, index + length), 'utf8');
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
    const line: Line = { text: decoder.decode(bytes), offset: lineStart, number: number++, ascii };
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

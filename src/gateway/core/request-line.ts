/**
 * What a refused request's first line said, for its log row: the client's own bytes, so
 * attacker-controlled. At most MAX_LINE bytes of text; every byte outside printable ASCII, and
 * the backslash, written \xNN; a line cut short ends in '...'.
 */
import { escapedBounded } from '../../core/escape-bytes.js';

export const MAX_LINE = 256;

/** The first line of `buf` (up to CR or LF), escaped and bounded; undefined when there is none. */
export function requestLine(buf: Uint8Array): string | undefined {
  let end = 0;
  while (end < buf.length && buf[end] !== 0x0d && buf[end] !== 0x0a) end++;
  return end === 0 ? undefined : escapedBounded(buf, end, MAX_LINE);
}

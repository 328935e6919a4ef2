/**
 * What a refused request's first line said, and the host it named, for its log row: the
 * client's own bytes, so attacker-controlled. At most MAX_LINE bytes of text; every byte outside
 * printable ASCII, and the backslash, written \xNN; a text cut short ends in '...'.
 */
import { escapedBounded } from '../../core/escape-bytes.js';

export const MAX_LINE = 256;

/** The first line of `buf` (up to CR or LF), escaped and bounded; undefined when there is none. */
export function requestLine(buf: Uint8Array): string | undefined {
  let end = 0;
  while (end < buf.length && buf[end] !== 0x0d && buf[end] !== 0x0a) end++;
  return end === 0 ? undefined : escapedBounded(buf, end, MAX_LINE);
}

/**
 * A host as a row names it: a name or address as it is; text a client sent that is no host name
 * (read as latin1, one character a byte) escaped and bounded like the request line, so a row
 * never holds 30,000 characters or a control that would drive the terminal `log show` prints to.
 */
export function shownHost(text: string): string {
  if (text.length <= MAX_LINE && /^[\x21-\x5b\x5d-\x7e]*$/.test(text)) return text;
  const bytes = Buffer.from(text.slice(0, MAX_LINE + 1), 'latin1');
  return escapedBounded(bytes, bytes.length, MAX_LINE);
}

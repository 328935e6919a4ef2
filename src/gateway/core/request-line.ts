/**
 * What a refused request's first line said, for its log row: the client's own bytes, so
 * attacker-controlled. At most MAX_LINE bytes of text; every byte outside printable ASCII, and
 * the backslash, written \xNN; a line cut short ends in '...'.
 */
export const MAX_LINE = 256;
const CUT = '...';

/** The first line of `buf` (up to CR or LF), escaped and bounded; undefined when there is none. */
export function requestLine(buf: Uint8Array): string | undefined {
  let end = 0;
  while (end < buf.length && buf[end] !== 0x0d && buf[end] !== 0x0a) end++;
  if (end === 0) return undefined;
  let out = '';
  for (let i = 0; i < end; i++) {
    const b = buf[i]!;
    const text =
      b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length + text.length > MAX_LINE - (i + 1 < end ? CUT.length : 0)) return `${out}${CUT}`;
    out += text;
  }
  return out;
}

/**
 * Client-controlled bytes made safe to store and show (a refused request's line, a flooded query
 * name): printable ASCII as it is, every other byte and the backslash written \xNN, at most `max`
 * characters, a longer text cut and ending in '...'.
 */
const CUT = '...';

/** bytes[0, end) escaped and bounded; `escapeSpace` also writes the space \x20 (for space-joined lists). */
export function escapedBounded(bytes: Uint8Array, end: number, max: number, escapeSpace = false): string {
  const low = escapeSpace ? 0x20 : 0x1f;
  let out = '';
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    const text =
      b > low && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length + text.length > max - (i + 1 < end ? CUT.length : 0)) return `${out}${CUT}`;
    out += text;
  }
  return out;
}

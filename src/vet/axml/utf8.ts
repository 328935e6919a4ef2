/**
 * UTF-8 to UTF-16 the way Android's libutils does it (utf8_to_utf16): the lead byte alone says how
 * many bytes a character takes, continuation bytes are not checked, and a value past U+FFFF becomes
 * a surrogate pair. A strict decoder would turn what the device reads into U+FFFD; this keeps the
 * device's reading, so the length check against the pool's UTF-16 length agrees with Android's.
 */

/** Bytes a character takes, from its lead byte (utf8_codepoint_len). */
const charBytes = (lead: number): number => ((0xe5000000 >>> ((lead >> 3) & 0x1e)) & 3) + 1;

/** The decoded string, or undefined where the last character runs past the bytes (Android: -1). */
export function decodeUtf8Lenient(bytes: Uint8Array): string | undefined {
  const units: number[] = [];
  const parts: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = charBytes(bytes[i]!);
    if (i + n > bytes.length) return undefined;
    let cp = n === 1 ? bytes[i]! : bytes[i]! & [0, 0, 0x1f, 0x0f, 0x07][n]!;
    for (let k = 1; k < n; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    if (cp <= 0xffff) units.push(cp);
    else {
      const v = cp - 0x10000;
      units.push(((v >> 10) + 0xd800) & 0xffff, ((v & 0x3ff) + 0xdc00) & 0xffff);
    }
    i += n;
    if (units.length >= 8192) {
      parts.push(String.fromCharCode(...units));
      units.length = 0;
    }
  }
  parts.push(String.fromCharCode(...units));
  return parts.join('');
}

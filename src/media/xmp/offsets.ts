/**
 * Maps string indices of a decoded packet back to byte offsets, so each property's value can be
 * named by the bytes that carry it (scrub rewrites those bytes). ASCII packets map one to one; for
 * UTF-8 a cursor walks from the last answer, which is cheap because parse positions only grow
 * (with short backward steps to an attribute's opening quote).
 */
export interface OffsetMap {
  byteOf(index: number): number;
}

export const identityMap: OffsetMap = { byteOf: (i) => i };

const unitBytes = (c: number): number => (c < 0x80 ? 1 : c < 0x800 ? 2 : 3);

export class Utf8OffsetMap implements OffsetMap {
  private ci = 0;
  private bi = 0;
  constructor(private readonly text: string) {}

  byteOf(index: number): number {
    const t = this.text;
    const target = Math.max(0, Math.min(index, t.length));
    while (this.ci < target) {
      const c = t.charCodeAt(this.ci);
      // A surrogate pair is one 4-byte sequence: 2 bytes per UTF-16 unit keeps the sum right.
      this.bi += c >= 0xd800 && c <= 0xdfff ? 2 : unitBytes(c);
      this.ci++;
    }
    while (this.ci > target) {
      this.ci--;
      const c = t.charCodeAt(this.ci);
      this.bi -= c >= 0xd800 && c <= 0xdfff ? 2 : unitBytes(c);
    }
    return this.bi;
  }
}

/**
 * Decodes packet bytes: UTF-8 when valid (the XMP rule), otherwise Latin-1 so that every byte is
 * one character and offsets stay exact.
 */
export function decodePacket(bytes: Uint8Array): { text: string; map: OffsetMap } {
  const utf16 = utf16Order(bytes);
  if (utf16) {
    // UTF-16 packets (allowed by the XMP spec): two bytes per code unit, so offsets stay exact.
    const even = bytes.subarray(0, bytes.length & ~1);
    const le = Buffer.from(even);
    if (utf16 === 'be') le.swap16();
    return { text: le.toString('utf16le'), map: { byteOf: (i) => 2 * i } };
  }
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (ascii) return { text: buf.toString('latin1'), map: identityMap };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, map: new Utf8OffsetMap(text) };
  } catch {
    return { text: buf.toString('latin1'), map: identityMap };
  }
}

/** UTF-16 byte order from a BOM or from '<' next to a zero byte. */
function utf16Order(b: Uint8Array): 'be' | 'le' | undefined {
  if (b.length < 2) return undefined;
  if ((b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0 && b[1] === 0x3c)) return 'be';
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0x3c && b[1] === 0)) return 'le';
  return undefined;
}

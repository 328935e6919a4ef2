/**
 * Decodes an XMP packet and maps string indices of the decoded text back to byte offsets, so each
 * property's value can be named by the bytes that carry it (scrub rewrites those bytes).
 *
 * XMP packets may be UTF-8, UTF-16 or UTF-32, either byte order (XMP spec part 3, "Packet
 * encoding"): the encoding shows in a BOM or in the zero bytes around the first '<'. A JS string
 * holds UTF-16 code units, so every map is "bytes per code unit": 1 for ASCII, 2 for UTF-16, and a
 * cursor for UTF-8 and UTF-32, where a character's width varies. The cursor is cheap because parse
 * positions only grow (with short backward steps to an attribute's opening quote).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { malformed } from '../../core/errors.js';

export interface OffsetMap {
  byteOf(index: number): number;
}

export type PacketEncoding = 'latin1' | 'utf8' | 'utf16be' | 'utf16le' | 'utf32be' | 'utf32le';

export interface DecodedPacket {
  text: string;
  map: OffsetMap;
  /** How the bytes were read; a rewriter writes its output back in the same encoding. */
  encoding: PacketEncoding;
}

export const identityMap: OffsetMap = { byteOf: (i) => i };

const isSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;

/** Walks the text keeping a byte count; `width` gives the bytes of one UTF-16 code unit (UTF-32). */
class CursorOffsetMap implements OffsetMap {
  private ci = 0;
  private bi = 0;
  constructor(
    private readonly text: string,
    private readonly width: (unit: number) => number,
  ) {}

  byteOf(index: number): number {
    const t = this.text;
    const target = Math.max(0, Math.min(index, t.length));
    while (this.ci < target) this.bi += this.width(t.charCodeAt(this.ci++));
    while (this.ci > target) this.bi -= this.width(t.charCodeAt(--this.ci));
    return this.bi;
  }
}

// A surrogate pair is one 4-byte sequence in UTF-8 and UTF-32: 2 bytes per unit keeps the sum right.
const utf8Width = (c: number): number => (isSurrogate(c) ? 2 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3);
const utf32Width = (c: number): number => (isSurrogate(c) ? 2 : 4);

/**
 * UTF-8 packets are ASCII but for a few characters (DJI's: only the BOM in `begin="…"`): the
 * map keeps, for each non-ASCII code unit, its index and the extra bytes up to and including
 * it, and answers by binary search instead of walking the text.
 */
export class Utf8OffsetMap implements OffsetMap {
  private readonly at: number[] = [];
  private readonly extra: number[] = [];
  private readonly length: number;
  constructor(text: string) {
    this.length = text.length;
    const wide = /[^\u0000-\u007f]/g;
    let sum = 0;
    for (let m = wide.exec(text); m !== null; m = wide.exec(text)) {
      sum += utf8Width(text.charCodeAt(m.index)) - 1;
      this.at.push(m.index);
      this.extra.push(sum);
    }
  }

  byteOf(index: number): number {
    const i = Math.max(0, Math.min(index, this.length));
    // The number of non-ASCII units before i.
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at[mid] as number) < i) lo = mid + 1;
      else hi = mid;
    }
    return i + (lo === 0 ? 0 : (this.extra[lo - 1] as number));
  }
}

/**
 * Decodes packet bytes. UTF-16/32 are recognised first; otherwise UTF-8 when valid (the XMP rule),
 * else Latin-1 so that every byte is one character and offsets stay exact. `base` is the packet's
 * file offset, named by the errors (a lone surrogate, a code point past U+10FFFF).
 */
export function decodePacket(bytes: Uint8Array, base = 0): DecodedPacket {
  const wide = wideEncoding(bytes);
  if (wide === 'utf16be' || wide === 'utf16le') return decodeUtf16(bytes, wide, base);
  if (wide) return decodeUtf32(bytes, wide, base);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (isAscii(bytes)) return { text: buf.toString('latin1'), map: identityMap, encoding: 'utf8' };
  // isUtf8 + toString: the same text as a fatal TextDecoder keeping the BOM, at a fraction of its cost.
  if (isUtf8(bytes)) {
    const text = buf.toString('utf8');
    return { text, map: new Utf8OffsetMap(text), encoding: 'utf8' };
  }
  return { text: buf.toString('latin1'), map: identityMap, encoding: 'latin1' };
}

/** Text back to bytes in a packet's encoding (the inverse of decodePacket for valid text). */
export function encodePacket(text: string, encoding: PacketEncoding): Uint8Array {
  switch (encoding) {
    case 'latin1':
      return new Uint8Array(Buffer.from(text, 'latin1'));
    case 'utf8':
      return new TextEncoder().encode(text);
    case 'utf16le':
    case 'utf16be': {
      const b = Buffer.from(text, 'utf16le');
      if (encoding === 'utf16be') b.swap16();
      return new Uint8Array(b);
    }
    case 'utf32le':
    case 'utf32be': {
      const cps = Array.from(text, (ch) => ch.codePointAt(0) as number);
      const out = new Uint8Array(cps.length * 4);
      const v = new DataView(out.buffer);
      cps.forEach((cp, i) => {
        v.setUint32(i * 4, cp, encoding === 'utf32le');
      });
      return out;
    }
  }
}

/**
 * UTF-16/32 and byte order from a BOM or from '<' beside zero bytes. UTF-32 is tested first:
 * its little-endian '<' (3C 00 00 00) and BOM (FF FE 00 00) begin like UTF-16LE ones, and a
 * UTF-16 packet cannot hold the NUL that would make them ambiguous.
 */
function wideEncoding(b: Uint8Array): PacketEncoding | undefined {
  const at = (i: number): number => b[i] ?? -1;
  if (b.length >= 4) {
    const [b0, b1, b2, b3] = [at(0), at(1), at(2), at(3)];
    if (b0 === 0 && b1 === 0 && ((b2 === 0xfe && b3 === 0xff) || (b2 === 0 && b3 === 0x3c))) return 'utf32be';
    if (b2 === 0 && b3 === 0 && ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x3c && b1 === 0))) return 'utf32le';
  }
  if (b.length < 2) return undefined;
  if ((at(0) === 0xfe && at(1) === 0xff) || (at(0) === 0 && at(1) === 0x3c)) return 'utf16be';
  if ((at(0) === 0xff && at(1) === 0xfe) || (at(0) === 0x3c && at(1) === 0)) return 'utf16le';
  return undefined;
}

/**
 * Two bytes per code unit, so offsets stay exact. A dangling last byte (odd length) is no
 * character and is left out. A lone surrogate is refused: XML forbids it and readers disagree on
 * what it means, so no value is reported from a packet whose text is in doubt.
 */
function decodeUtf16(bytes: Uint8Array, enc: 'utf16be' | 'utf16le', base: number): DecodedPacket {
  const units = Buffer.from(bytes.subarray(0, bytes.length & ~1));
  if (enc === 'utf16be') units.swap16();
  const text = units.toString('utf16le');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isSurrogate(c)) continue;
    const next = text.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    throw malformed('XMP: lone UTF-16 surrogate', base + 2 * i);
  }
  return { text, map: { byteOf: (i) => 2 * i }, encoding: enc };
}

/** Four bytes per character; a trailing partial unit is left out, like UTF-16's odd byte. */
function decodeUtf32(bytes: Uint8Array, enc: PacketEncoding, base: number): DecodedPacket {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = enc === 'utf32le';
  const parts: string[] = [];
  const chunk: number[] = [];
  for (let o = 0; o + 4 <= bytes.length; o += 4) {
    const cp = v.getUint32(o, le);
    if (cp > 0x10ffff || isSurrogate(cp)) throw malformed(`XMP: invalid UTF-32 code point ${cp}`, base + o);
    chunk.push(cp);
    // fromCodePoint takes its arguments on the stack: flush in bounded chunks.
    if (chunk.length === 8192) parts.push(String.fromCodePoint(...chunk.splice(0)));
  }
  parts.push(String.fromCodePoint(...chunk));
  const text = parts.join('');
  return { text, map: new CursorOffsetMap(text, utf32Width), encoding: enc };
}

/**
 * The JPEG marker walk, from SOI up to and including the first SOS header. Reads only segment
 * headers through the ByteSource: the entropy-coded image data is never touched here.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';

export interface Segment {
  /** Marker code without the 0xFF, e.g. 0xe1 for APP1. */
  marker: number;
  /** File offset of the 0xFF that starts the marker. */
  offset: number;
  /** File offset of the payload (after the two length bytes). */
  dataOffset: number;
  /** Payload length (the length field minus its own two bytes). */
  dataLength: number;
}

/** Layout of a segment header: FF, marker, 16-bit big-endian length counting itself. */
export const segmentHeader = {
  len: 4,
  get(b: Uint8Array, o: number): { marker: number; length: number } {
    return { marker: b[o + 1] as number, length: ((b[o + 2] as number) << 8) | (b[o + 3] as number) };
  },
  put(b: Uint8Array, o: number, v: { marker: number; length: number }): void {
    b[o] = 0xff;
    b[o + 1] = v.marker;
    b[o + 2] = (v.length >> 8) & 0xff;
    b[o + 3] = v.length & 0xff;
  },
};

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;

/** Markers that stand alone (no length field). */
export const isStandalone = (m: number): boolean =>
  m === 0x01 || (m >= 0xd0 && m <= 0xd7) || m === SOI || m === EOI;

/** Skips 0xFF fill bytes in bounded chunks; returns the offset of the marker code byte. */
function skipFill(src: ByteSource, pos: number): number {
  for (;;) {
    if (pos >= src.size) throw truncated('JPEG marker', pos);
    const n = Math.min(4096, src.size - pos);
    const chunk = src.read(pos, n);
    for (let i = 0; i < n; i++) if (chunk[i] !== 0xff) return pos + i;
    pos += n;
  }
}

export interface Walk {
  segments: Segment[];
  /** The SOS segment, absent when the file reaches EOI (or ends) before any scan. */
  sos?: Segment;
  /** Offset just past an EOI met before any SOS (a header-only file). */
  eoiEnd?: number;
}

export function walkSegments(src: ByteSource): Walk {
  const soi = src.read(0, 2);
  if (soi[0] !== 0xff || soi[1] !== SOI) throw malformed('not a JPEG: no SOI marker', 0);
  const segments: Segment[] = [];
  let pos = 2;
  for (;;) {
    bound(segments.length, LIMITS.maxJpegSegments, 'JPEG segment count', pos);
    if (pos + 1 > src.size) throw truncated('JPEG marker', pos);
    if ((src.read(pos, 1)[0] as number) !== 0xff) throw malformed('JPEG: expected a marker', pos);
    const at = pos;
    const codeAt = skipFill(src, pos + 1);
    const marker = src.read(codeAt, 1)[0] as number;
    if (marker === EOI) return { segments, eoiEnd: codeAt + 1 };
    if (marker === SOI) throw malformed('JPEG: SOI inside the header', at);
    if (isStandalone(marker)) {
      pos = codeAt + 1;
      continue;
    }
    if (codeAt + 3 > src.size) throw truncated('JPEG segment length', codeAt + 1);
    const lenBytes = src.read(codeAt + 1, 2);
    const length = ((lenBytes[0] as number) << 8) | (lenBytes[1] as number);
    if (length < 2) throw malformed(`JPEG segment length ${length} is below 2`, codeAt + 1);
    const seg: Segment = { marker, offset: at, dataOffset: codeAt + 3, dataLength: length - 2 };
    if (seg.dataOffset + seg.dataLength > src.size)
      throw truncated(`JPEG segment 0x${marker.toString(16)}`, at);
    segments.push(seg);
    if (marker === SOS) return { segments, sos: seg };
    pos = seg.dataOffset + seg.dataLength;
  }
}

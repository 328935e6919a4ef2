/**
 * JPEG assembly for the demo: metadata segments spliced in after SOI of a metadata-free image.
 * (Stands in until src/media/jpeg/write.ts exists; the layout is the standard one, ITU T.81 B.1.)
 */
import { TINY_JPEG } from './tiny-jpeg.js';

const MAX_SEGMENT = 0xffff - 2;

/** One APPn segment: FF En, a two-byte big-endian length that counts itself, then the payload. */
export function appSegment(n: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_SEGMENT)
    throw new RangeError(`APP${n} payload of ${payload.length} bytes does not fit`);
  const seg = new Uint8Array(4 + payload.length);
  seg[0] = 0xff;
  seg[1] = 0xe0 + n;
  seg[2] = (payload.length + 2) >> 8;
  seg[3] = (payload.length + 2) & 0xff;
  seg.set(payload, 4);
  return seg;
}

/** SOI, the given segments, then the image's own segments and scan. */
export function jpegWith(segments: Uint8Array[], image: Uint8Array = TINY_JPEG): Uint8Array {
  const body = image.subarray(2);
  const out = new Uint8Array(2 + segments.reduce((s, x) => s + x.length, 0) + body.length);
  out.set([0xff, 0xd8], 0);
  let at = 2;
  for (const s of segments) {
    out.set(s, at);
    at += s.length;
  }
  out.set(body, at);
  return out;
}

export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * A JPEG's ICC profile is split over APP2 segments ("ICC_PROFILE\0", chunk number, chunk count,
 * then a piece of the profile). Here: the pieces in order, the profile they make, a profile
 * offset's place in the file, and the segments written again with some of the profile's bytes
 * zeroed (icc/free-text.ts says which), each at its old length.
 */
import { concatBytes } from '../../core/bytes.js';
import type { ByteSource } from '../../core/source.js';
import type { Range } from '../../findings/model.js';
import { blankIcc } from '../icc/free-text.js';
import type { Segment } from './segments.js';
import { segment } from './write.js';

export const ICC_HEADER = 14;

export interface IccChunk {
  seg: Segment;
  /** Chunk number and count as the segment gives them. */
  no: number;
  of: number;
  /** Where this piece of the profile lies in the file, and where in the profile. */
  fileOffset: number;
  profileOffset: number;
  length: number;
}

/** The segments' pieces sorted by chunk number (a segment too short for the header: number 0). */
export function iccChunks(src: ByteSource, segs: readonly Segment[]): IccChunk[] {
  const chunks = segs
    .map((seg) => {
      const head = seg.dataLength >= ICC_HEADER ? src.read(seg.dataOffset + 12, 2) : Uint8Array.of(0, 0);
      return {
        seg,
        no: head[0] as number,
        of: head[1] as number,
        fileOffset: seg.dataOffset + ICC_HEADER,
        profileOffset: 0,
        length: Math.max(0, seg.dataLength - ICC_HEADER),
      };
    })
    .sort((a, b) => a.no - b.no);
  let at = 0;
  for (const c of chunks) {
    c.profileOffset = at;
    at += c.length;
  }
  return chunks;
}

export function iccProfile(src: ByteSource, chunks: readonly IccChunk[]): Uint8Array {
  return concatBytes(chunks.map((c) => src.read(c.fileOffset, c.length)));
}

/**
 * Ranges moved from one side of the chunks to the other (profile offsets to file offsets, or
 * back): one that crosses from one chunk into the next is split, bytes outside every chunk go.
 */
function across(chunks: readonly IccChunk[], ranges: readonly Range[], toFile: boolean): Range[] {
  const out: Range[] = [];
  for (const r of ranges)
    for (const c of chunks) {
      const [at, there] = toFile ? [c.profileOffset, c.fileOffset] : [c.fileOffset, c.profileOffset];
      const from = Math.max(r.offset, at);
      const to = Math.min(r.offset + r.length, at + c.length);
      if (from < to) out.push({ offset: there + from - at, length: to - from });
    }
  return out;
}

/** Spans of the profile as file ranges. */
export const iccFileRanges = (chunks: readonly IccChunk[], spans: readonly Range[]): Range[] =>
  across(chunks, spans, true);

/**
 * Each chunk's whole segment again (marker, length, header, piece), the profile with the file
 * ranges `zero` zeroed and its ID computed again when it has one.
 */
export function blankedIccSegments(
  src: ByteSource,
  chunks: readonly IccChunk[],
  zero: readonly Range[],
): Map<Segment, Uint8Array> {
  const spans = across(chunks, zero, false);
  const profile = blankIcc(iccProfile(src, chunks), spans);
  const out = new Map<Segment, Uint8Array>();
  for (const c of chunks) {
    const payload = new Uint8Array(ICC_HEADER + c.length);
    payload.set(src.read(c.seg.dataOffset, ICC_HEADER));
    payload.set(profile.subarray(c.profileOffset, c.profileOffset + c.length), ICC_HEADER);
    out.set(c.seg, segment(c.seg.marker, payload));
  }
  return out;
}

/**
 * The segments before a JPEG's first scan that are picture, not metadata: frame headers, tables
 * and the restart interval, and how much of each a decoder reads. The reader reports the rest as
 * other data (index.ts); the rewriter writes only what is read (rewrite.ts).
 */
import type { ByteSource } from '../../core/source.js';
import type { Segment } from './segments.js';

/** DHT, DAC, DQT: tables a decoder reads whole. */
const isTable = (m: number): boolean => m === 0xc4 || m === 0xcc || m === 0xdb;
/** DRI: the restart interval. */
const DRI = 0xdd;

/** Tables and the restart interval: picture wherever they stand, before the first scan or between scans. */
export const isTableOrRestart = (m: number): boolean => isTable(m) || m === DRI;

/** A start-of-frame marker (SOF0–SOF15 less DHT, JPG and DAC). */
export const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * How much of a segment before the first scan the decoder reads: a frame header's 6 + 3 bytes a
 * component, a restart interval's 2, a table segment's all (tables are display data); undefined
 * for a marker no decoder needs there (DNL, DHP, EXP, the reserved JPGn: anything put there is no
 * picture).
 */
export function frameBytes(src: ByteSource, seg: Segment): number | undefined {
  const m = seg.marker;
  if (isSof(m)) {
    const nf = seg.dataLength >= 6 ? (src.read(seg.dataOffset + 5, 1)[0] as number) : 0;
    return Math.min(seg.dataLength, 6 + 3 * nf);
  }
  if (m === DRI) return Math.min(seg.dataLength, 2);
  if (isTable(m)) return seg.dataLength;
  return undefined;
}

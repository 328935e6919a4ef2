/**
 * A subtitle track's samples read as the telemetry DJI writes there ("F/2.8, SS 320, ISO 100,
 * EV 0, GPS (8.6695, 49.4059, 18), D 24.80m, H 6.80m…", the same text as its SRT sidecar's
 * cues): each sample is one cue for the SRT layouts (media/srt), so a position in the video is
 * found, read and named exactly as in the sidecar. A sample in no known layout is reported as
 * text, line by line. 3GPP timed text and QuickTime text samples are [u16 length][text][style
 * boxes]; the style boxes are display data.
 */

import { LIMITS } from '../../core/limits.js';
import { decodeWithMap, type Line } from '../../core/lines.js';
import type { ByteSource } from '../../core/source.js';
import type { Range } from '../../findings/model.js';
import type { Cue } from '../srt/cues.js';
import type { Frame } from '../srt/frame.js';
import { parseCue } from '../srt/layout.js';
import { type MapStats, mapFrame } from '../srt/map.js';
import { ReadingEvidence } from '../srt/order.js';
import { Collector } from '../types.js';

/** Sample formats whose samples are [u16 length][text]. */
export const TEXT_FORMATS = new Set(['tx3g', 'text']);

/** Lines of one sample's text, with their byte offsets in the file. */
function linesOf(bytes: Uint8Array, offset: number, number: number): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    let end = i;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    const b = bytes.subarray(start, end);
    if (b.some((c) => c !== 0x20 && c !== 0x09)) {
      const ascii = b.every((c) => c < 0x80);
      const line: Line = { text: '', offset: offset + start, number, ascii };
      // latin1 of ASCII bytes is the text (and no argument list as long as the line).
      if (ascii) line.text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
      else {
        const d = decodeWithMap(b);
        line.text = d.text;
        line.map = d.map;
      }
      out.push(line);
    }
    start = i + 1;
  }
  return out;
}

/** Sample n (1-based) as a cue: no number line or timing line of its own, its text lines only. */
function cueOf(src: ByteSource, r: Range, n: number): Cue | undefined {
  if (r.length < 2) return undefined;
  const head = src.read(r.offset, 2);
  const length = Math.min((head[0]! << 8) | head[1]!, r.length - 2, LIMITS.maxTextLineBytes);
  const text = linesOf(src.read(r.offset + 2, length), r.offset + 2, n);
  const first = text[0];
  return first ? { number: n, ordinal: n, head: first, text } : undefined;
}

/**
 * The findings of every sample of a text track, under `path` (then the layout's name). The
 * file-wide reading (GPS tuple order, radians) is gathered over every sample first, as the SRT
 * reader does over every cue.
 */
export function readTextTrack(
  src: ByteSource,
  samples: readonly Range[],
  path: string[],
  out: Collector,
): void {
  const evidence = new ReadingEvidence();
  const frames = (visit: (frame: Frame) => void): void => {
    samples.forEach((r, i) => {
      const cue = cueOf(src, r, i + 1);
      if (cue) visit(parseCue(cue));
    });
  };
  frames((f) => evidence.add(f));
  const reading = evidence.reading();
  const stats: MapStats = { withFix: 0, noFix: 0 };
  const paths = new Map<string, string[]>();
  frames((f) => {
    const one = new Collector();
    mapFrame(f, reading, one, stats);
    const here = paths.get(f.layout) ?? [...path, f.layout];
    paths.set(f.layout, here);
    for (const x of one.findings) out.add({ ...x, path: here });
  });
  if (stats.noFix > 0)
    out.warn(
      'srt-no-fix',
      `${stats.noFix} subtitle sample(s) with 0,0 coordinates (no GPS fix)`,
      stats.firstNoFix,
    );
}

/**
 * DJI SRT telemetry sidecars: one cue per video frame (or second) carrying the drone's position,
 * often the launch point (the operator), capture time, attitude and camera settings.
 *
 * Damage: a file whose last cue stops before the lines its predecessor had (the flight app was
 * killed mid-write) keeps every finding read, then fails with AIRLOCK_ERR_TRUNCATED at the end
 * offset: scrub must not pass a half-read file as clean. An empty file is AIRLOCK_ERR_EMPTY.
 * UTF-8 (with or without BOM), LF, CRLF and CR are read; UTF-16 is recognised and refused
 * (AIRLOCK_ERR_UNSUPPORTED): no DJI model is known to write it.
 */
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import { type Line, readLines } from '../../core/lines.js';
import type { ByteSource } from '../../core/source.js';
import type { Analyser, Collector } from '../types.js';
import { type Cue, splitCues } from './cues.js';
import type { Frame, LayoutName } from './frame.js';
import { parseCue } from './layout.js';
import { type MapStats, mapFrame } from './map.js';
import { DJI_READING, type Reading, ReadingEvidence, sameReading } from './order.js';

const BOM = [0xef, 0xbb, 0xbf];
const CUE_START = /^\s*\d{1,9}\r?\n\d{2}:\d{2}:\d{2}[,.]\d{3} --> /;

const hasUtf16Bom = (h: Uint8Array): boolean =>
  h.length >= 2 && ((h[0] === 0xff && h[1] === 0xfe) || (h[0] === 0xfe && h[1] === 0xff));
const bomLength = (h: Uint8Array): number => (BOM.every((b, i) => h[i] === b) ? 3 : 0);

export const srtAnalyser: Analyser = {
  id: 'srt',
  detect(head, name) {
    if (/\.srt$/i.test(name)) return true;
    const text = Buffer.from(head.subarray(bomLength(head))).toString('latin1');
    return CUE_START.test(text);
  },
  analyse(src, out) {
    analyseSrt(src, out);
  },
  appendsOnly: true,
};

/** What one pass over an SRT file leaves: everything but the cues and frames, which are never held. */
export interface SrtWalk {
  /** Byte length of the UTF-8 BOM (0 or 3). */
  start: number;
  /** How many cues the file holds. */
  cues: number;
  /** The last cue, and the one before it: what the file's end is judged by. */
  last: Cue;
  before?: Cue;
  /** Every layout the cues are written in, in order of first use. */
  layouts: LayoutName[];
  /** Whether any cue holds a GPS(…) or HOME(…) tuple. */
  tuples: boolean;
  /** The file-wide reading the frames call for (order.ts). */
  reading: Reading;
  stray?: { first: Line; count: number };
  /** Set when the last cue is cut short: the reader reports what it read, then throws this. */
  cut?: AirlockError;
}

/**
 * One cue and what it says, handed over as the walk reads it, with where the line after any of
 * its lines starts (the walk has read that far; the file's size after the last line).
 */
export type FrameVisitor = (
  cue: Cue,
  frame: Frame,
  reading: Reading,
  nextStart: (line: Line) => number,
) => void;

/**
 * One pass over the file: every cue and its frame go to `visit` as they are read and none is
 * kept, so memory stays flat however long the flight (an hour at 30 fps is 100,000 cues; holding
 * them all took ~5 KB a cue). Frames are read under `guess`; the walk gathers the file-wide
 * reading as it goes and returns it. Throws for files with no cue (empty, blank, UTF-16, stray
 * text only).
 */
export function walkSrt(src: ByteSource, visit: FrameVisitor, guess: Reading = DJI_READING): SrtWalk {
  if (src.size === 0) throw new AirlockError('AIRLOCK_ERR_EMPTY', 'the SRT file is empty', 0);
  const head = src.read(0, Math.min(4, src.size));
  if (hasUtf16Bom(head))
    throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'UTF-16 SRT files are not read', 0);
  const start = bomLength(head);

  let stray: { first: Line; count: number } | undefined;
  // Byte offset of every line's first byte, by line number (1-based): where each line ends.
  const lineStarts: number[] = [];
  const nextStart = (line: Line): number => lineStarts[line.number + 1] ?? src.size;
  const evidence = new ReadingEvidence();
  const layouts = new Set<LayoutName>();
  let tuples = false;
  let count = 0;
  let last: Cue | undefined;
  let before: Cue | undefined;
  function* recorded(): Generator<Line> {
    for (const line of readLines(src, start)) {
      lineStarts[line.number] = line.offset;
      yield line;
    }
  }
  for (const cue of splitCues(recorded(), (line) => {
    if (stray) stray.count++;
    else stray = { first: line, count: 1 };
  })) {
    const frame = parseCue(cue);
    evidence.add(frame);
    layouts.add(frame.layout);
    tuples ||= frame.gps !== undefined || frame.home !== undefined;
    count++;
    before = last;
    last = cue;
    visit(cue, frame, guess, nextStart);
  }
  if (!last) {
    if (stray === undefined)
      throw new AirlockError('AIRLOCK_ERR_EMPTY', 'the SRT file holds only blank lines', 0);
    throw malformed('no SRT cue found', stray.first.offset);
  }
  const walk: SrtWalk = {
    start,
    cues: count,
    last,
    layouts: [...layouts],
    tuples,
    reading: evidence.reading(),
  };
  if (before) walk.before = before;
  if (stray) walk.stray = stray;
  if (isCut(last, before)) {
    walk.cut = truncated(
      `SRT cue ${last.number} (line ${last.head.number}, byte ${last.head.offset}) ends after ${last.text.length} text line(s)`,
      src.size,
    );
  }
  return walk;
}

/**
 * Walks under DJI's reading, and once more under the file's own when its frames call for
 * another (radians, lat-first tuples: rare). `begin` runs before each pass and must undo
 * what an earlier one left.
 */
export function walkRead(src: ByteSource, begin: () => void, visit: FrameVisitor): SrtWalk {
  begin();
  const walk = walkSrt(src, visit);
  if (sameReading(walk.reading, DJI_READING)) return walk;
  begin();
  return walkSrt(src, visit, walk.reading);
}

export function analyseSrt(src: ByteSource, out: Collector): void {
  const first = out.count;
  let stats: MapStats = { withFix: 0, noFix: 0 };
  const { cues, layouts, tuples, reading, stray, cut } = walkRead(
    src,
    () => {
      out.rewind(first);
      stats = { withFix: 0, noFix: 0 };
    },
    (_cue, frame, reading) => mapFrame(frame, reading, out, stats),
  );
  if (stray) {
    out.warn(
      'srt-stray-text',
      `${stray.count} line(s) outside any cue, first at line ${stray.first.number}`,
      stray.first.offset,
    );
  }

  out.facts.layout = layouts.join('+');
  out.facts.frames = cues;
  out.facts.framesWithFix = stats.withFix;
  if (tuples) out.facts.gpsOrder = reading.order;
  if (reading.radians) {
    out.facts.coordinates = 'radians';
    out.warn('srt-radians', 'coordinates read as radians (tiny track near 0°,0°: a known DJI firmware bug)');
  }
  if (reading.orderConflict) {
    out.warn(
      'srt-gps-order-conflict',
      'GPS tuples look lon-first in some cues and lat-first in others; read lon-first',
    );
  }
  if (stats.noFix > 0) {
    out.warn(
      'srt-no-fix',
      `${stats.noFix} frame(s) with 0,0 coordinates (no GPS fix): no position reported`,
      stats.firstNoFix,
    );
  }
  if (cut) throw cut;
}

/**
 * The last cue is cut when it lacks a timing line or has fewer text lines than the cue before it.
 * A timed cue with no text after cues with no text is whole: scrub empties cues that way.
 */
function isCut(last: Cue, before: Cue | undefined): boolean {
  if (last.text.length === 0 && (!last.timing || !before)) return true;
  if (!before) return false;
  if (before.timing && !last.timing) return true;
  return last.text.length < before.text.length;
}

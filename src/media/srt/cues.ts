/**
 * Splits SRT lines into cues. A cue starts at a line holding only its number when the next
 * line is a timing line ("… --> …") or when a blank line (or the file start) precedes it; this
 * survives blank lines inside cue text (P4P files have two) and cues without timing lines
 * (early Mavic 2 files).
 */
import { bound, LIMITS } from '../../core/limits.js';
import type { Line } from '../../core/lines.js';

export interface Cue {
  /** The number the cue line holds. */
  number: number;
  /** 1-based position among the cues. */
  ordinal: number;
  /** The cue-number line. */
  head: Line;
  timing?: Line;
  /** Non-blank text lines after the timing line. */
  text: Line[];
}

/** Text lines one cue may hold; DJI cues have at most four. */
export const maxCueLines = 256;

const CUE_NUMBER = /^\s*(\d{1,9})\s*$/;
const TIMING = /-->/;

export function* splitCues(lines: Iterable<Line>, onStray: (line: Line) => void): Generator<Cue> {
  let current: Cue | undefined;
  let prevBlank = true;
  let ordinal = 0;
  let held: Line | undefined;

  const it = lines[Symbol.iterator]();
  const next = (): Line | undefined => {
    if (held) {
      const h = held;
      held = undefined;
      return h;
    }
    const r = it.next();
    return r.done ? undefined : r.value;
  };

  for (let line = next(); line; line = next()) {
    const m = CUE_NUMBER.exec(line.text);
    if (m) {
      const after = next();
      const timed = after !== undefined && TIMING.test(after.text);
      if (timed || prevBlank) {
        if (current) yield current;
        ordinal = bound(ordinal + 1, LIMITS.maxRecords, 'SRT cues', line.offset);
        current = { number: Number(m[1]), ordinal, head: line, text: [] };
        if (timed) current.timing = after;
        else held = after;
        prevBlank = false;
        continue;
      }
      held = after;
    }
    const blank = line.text.trim() === '';
    if (!blank) {
      if (current) {
        bound(current.text.length + 1, maxCueLines, 'lines in one SRT cue', line.offset);
        current.text.push(line);
      } else {
        onStray(line);
      }
    }
    prevBlank = blank;
  }
  if (current) yield current;
}

/** Which layout family a cue is written in (decided per cue: one file may mix two). */
import type { Line } from '../../core/lines.js';
import type { Cue } from './cues.js';
import type { Frame, LayoutName } from './frame.js';
import { newFrame } from './frame.js';
import { parseBracketed } from './layouts/bracketed.js';
import { parseHomeGps } from './layouts/homeGps.js';
import { parseOneLine } from './layouts/oneLine.js';
import { addResidue, meaningful } from './residue.js';
import { dateIn, itemAt, MARKUP_ONLY, MARKUP_TAGS, spanOf } from './tokens.js';

export function layoutOf(cue: Cue): LayoutName {
  let layout: LayoutName = 'unknown';
  for (const line of cue.text) {
    const t = line.text;
    if (/\[[^\]]{0,64}:/.test(t) || /\b(?:FrameCnt|SrtCnt)\b/.test(t)) return 'bracketed';
    // BAROMETER/Hb/Hs heights are this family's own: a cue whose no-fix GPS(0,0) was scrubbed
    // away keeps them, and must read back as what it was, not as stray text.
    if (/\b(?:HOME|GPS|RTK)\(|\b(?:BAROMETER|Hb|Hs):/.test(t)) layout = 'home-gps';
    // The one-line family's attitude tuples and speeds mark it too, when its GPS went in a scrub.
    else if (
      layout === 'unknown' &&
      (/\b(?:GPS|RTK|HOME|F\.PRY|G\.PRY) \(/.test(t) || /^\s*F\/\d/.test(t) || /\bH\.S -?\d/.test(t))
    )
      layout = 'one-line';
  }
  return layout;
}

export function parseCue(cue: Cue): Frame {
  const layout = layoutOf(cue);
  const frame =
    layout === 'bracketed'
      ? parseBracketed(cue)
      : layout === 'home-gps'
        ? parseHomeGps(cue)
        : layout === 'one-line'
          ? parseOneLine(cue)
          : unknownCue(cue);
  // A known layout reads what it knows; the rest of its lines is reported, never passed on unseen.
  if (layout !== 'unknown') addResidue(cue, frame);
  if (cue.timing) timingOf(cue.timing, frame);
  return frame;
}

/**
 * A cue in no known layout: every line is reported as it is, so nothing is silent — except
 * lines of bare markup, and a date line is a time (both are what a scrubbed cue can leave).
 */
function unknownCue(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'unknown');
  for (const line of cue.text) {
    if (MARKUP_ONLY.test(line.text)) continue;
    const date = f.time ? undefined : dateIn(line);
    if (date && line.text.trim().replace(MARKUP_TAGS, '').trim() === date.text) f.time = date;
    else f.other.push(itemAt(line, 'text', 0, line.text));
  }
  return f;
}

/** A timing line as players read it: start --> end, nothing else. */
const TIMING = /^\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}/;

/**
 * The cue's timing (display: kept) and, after it, any text (reported as other, so scrub drops
 * it unless kept): a player needs only the two times, and a writer can put anything after them.
 * A line that is not two times is reported as other text as well: the rewriter never removes a
 * timing line, so a scrub that must drop it fails verification and writes nothing (fail closed).
 */
function timingOf(line: Line, f: Frame): void {
  const m = TIMING.exec(line.text);
  f.timing = itemAt(line, 'timing', 0, m ? m[0] : line.text);
  if (!m) {
    f.other.push(itemAt(line, 'text', 0, line.text));
    return;
  }
  const rest = line.text.slice(m[0].length).trimEnd();
  if (!meaningful(rest)) return;
  const at = m[0].length + (rest.length - rest.trimStart().length);
  const item = itemAt(line, 'text', at, rest.trimStart());
  // The token takes the space before it too, so the line ends at the end time once it goes.
  item.token = spanOf(line, m[0].length, m[0].length + rest.length);
  f.other.push(item);
}

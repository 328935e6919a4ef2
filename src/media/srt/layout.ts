/** Which layout family a cue is written in (decided per cue: one file may mix two). */
import type { Cue } from './cues.js';
import type { Frame, LayoutName } from './frame.js';
import { newFrame } from './frame.js';
import { parseBracketed } from './layouts/bracketed.js';
import { parseHomeGps } from './layouts/homeGps.js';
import { parseOneLine } from './layouts/oneLine.js';
import { addResidue } from './residue.js';
import { dateIn, itemAt } from './tokens.js';

export function layoutOf(cue: Cue): LayoutName {
  let layout: LayoutName = 'unknown';
  for (const line of cue.text) {
    const t = line.text;
    if (/\[[^\]]{0,64}:/.test(t) || /\b(?:FrameCnt|SrtCnt)\b/.test(t)) return 'bracketed';
    if (/\b(?:HOME|GPS|RTK)\(/.test(t)) layout = 'home-gps';
    else if (layout === 'unknown' && (/\b(?:GPS|RTK|HOME) \(/.test(t) || /^\s*F\/\d/.test(t)))
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
  if (cue.timing) frame.timing = itemAt(cue.timing, 'timing', 0, cue.timing.text);
  return frame;
}

/** Subtitle markup only (<font …>, </font>): how the text is shown, no data. */
const MARKUP_ONLY = /^\s*(?:<\/?[A-Za-z][^<>]{0,200}>\s*)+$/;

/**
 * A cue in no known layout: every line is reported as it is, so nothing is silent — except
 * lines of bare markup, and a date line is a time (both are what a scrubbed cue can leave).
 */
function unknownCue(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'unknown');
  for (const line of cue.text) {
    if (MARKUP_ONLY.test(line.text)) continue;
    const date = f.time ? undefined : dateIn(line);
    if (
      date &&
      line.text
        .trim()
        .replace(/<[^<>]{0,200}>/g, '')
        .trim() === date.text
    )
      f.time = date;
    else f.other.push(itemAt(line, 'text', 0, line.text));
  }
  return f;
}

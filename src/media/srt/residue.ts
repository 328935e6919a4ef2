/**
 * What a layout parser read of a cue, and what it did not: text on a cue's lines that no item,
 * tuple, time or subtitle markup covers ("GPS(…)" on a bracketed line, "[hpos 52.1 4.7]", the
 * tail of "[pp_target:0.0, 0.0]") becomes an `other` item, so inspect reports it and scrub drops
 * it unless the policy keeps it. The scrubber's promise is an allowlist: text it does not
 * understand never passes through unseen.
 */
import { byteAt, type Line } from '../../core/lines.js';
import type { Range } from '../../findings/model.js';
import type { Cue } from './cues.js';
import { type Frame, type Item, looseItems, type Tuple, tuplesOf } from './frame.js';
import { MARKUP_TAGS, spanOf } from './tokens.js';

/** Separators a layout leaves between what it read; a residue of only these says nothing. */
const SEPARATOR = /[\s,;:]/;
const MEANINGFUL = /[\p{L}\p{N}]/u;

/** Whether leftover text says anything: a letter or a digit, not only separators and brackets. */
export const meaningful = (text: string): boolean => MEANINGFUL.test(text);

/** Adds the uncovered text of each of the cue's lines to `f.other`. */
export function addResidue(cue: Cue, f: Frame): void {
  const spans: Range[] = [];
  const item = (i: Item | undefined): void => {
    if (i) spans.push(i.token ?? i.range);
  };
  const tuple = (t: Tuple | undefined): void => {
    if (t?.token) spans.push(t.token);
    t?.values.forEach(item);
  };
  for (const i of looseItems(f)) item(i);
  for (const t of tuplesOf(f)) tuple(t);

  // Each span belongs to one line: bucketed by line, so a cue of many long lines stays linear.
  const lines = cue.text;
  const byLine: Range[][] = lines.map(() => []);
  for (const sp of spans) {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lines[mid] as Line).offset <= sp.offset) lo = mid;
      else hi = mid - 1;
    }
    if (lines.length > 0 && (lines[lo] as Line).offset <= sp.offset) byLine[lo]?.push(sp);
  }
  for (const [k, line] of lines.entries()) residueOfLine(line, byLine[k] as Range[], f);
}

function residueOfLine(line: Line, spans: readonly Range[], f: Frame): void {
  const t = line.text;
  const n = t.length;
  const covered = new Uint8Array(n);
  for (const m of t.matchAll(MARKUP_TAGS)) covered.fill(1, m.index, m.index + m[0].length);
  for (const s of spans) {
    const from = charAt(line, s.offset);
    const to = charAt(line, s.offset + s.length);
    if (from < to) covered.fill(1, from, to);
  }
  // The bracket last seen before a run and the next one after it, found by scans that only move
  // forward (runs come in order): a hostile line of many runs stays linear.
  let lastBracket = -1;
  let seen = 0;
  let nextBracket = -1;
  let i = 0;
  const bracket = (k: number): boolean => t[k] === '[' || t[k] === ']';
  while (i < n) {
    if (covered[i] || bracket(i)) {
      i++;
      continue;
    }
    // A run ends at what was read or at a bracket: "x] [y" is two residues, each in its group.
    let end = i;
    while (end < n && !covered[end] && !bracket(end)) end++;
    let a = i;
    let b = end;
    while (a < b && SEPARATOR.test(t[a] as string)) a++;
    while (b > a && SEPARATOR.test(t[b - 1] as string)) b--;
    const text = t.slice(a, b);
    if (meaningful(text)) {
      for (; seen < a; seen++) if (bracket(seen)) lastBracket = seen;
      if (nextBracket < b) {
        nextBracket = b;
        while (nextBracket < n && !bracket(nextBracket)) nextBracket++;
      }
      const range = spanOf(line, a, b);
      const residue: Item = { key: 'text', text, range, token: range };
      // Inside one [ … ] group: removed with it once nothing else in it is left.
      if (t[lastBracket] === '[' && t[nextBracket] === ']')
        residue.group = spanOf(line, lastBracket, nextBracket + 1);
      f.other.push(residue);
    }
    i = end;
  }
}

/** The character index of file byte `offset` within `line`, clamped to the line. */
function charAt(line: Line, offset: number): number {
  const n = line.text.length;
  if (offset <= line.offset) return 0;
  if (line.ascii) return Math.min(n, offset - line.offset);
  // byteAt is increasing in the index: the first character at or after the byte.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byteAt(line, mid) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

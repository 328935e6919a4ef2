/**
 * Edits inside one SRT text line, on its raw bytes (held as a latin1 string: one character per
 * byte, so byte offsets index it directly and bytes that are not UTF-8 pass through unchanged).
 *
 * A removed token takes one separator with it (", " between one-line fields, " " between
 * bracket groups and HOME/GPS tokens, "," inside a tuple): the one after it when more content
 * follows, else the one before it, so "a, b, c" loses b as "a, c" and c as "a, b".
 */
import type { Range } from '../../findings/model.js';
import { MARKUP_TAGS } from './tokens.js';

export interface Edit {
  span: Range;
  /** The new text of the span; absent: the span is removed. */
  text?: string;
}

/** What closes a group or a line's markup: a token before it takes its separator from the left. */
const CLOSERS = new Set(['<', ']', ')']);
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** The edits without duplicates and without those inside a removed span (a pair inside a removed group). */
export function outermost(edits: readonly Edit[]): Edit[] {
  const unique = new Map<string, Edit>();
  for (const e of edits) unique.set(`${e.span.offset}:${e.span.length}:${e.text ?? '\u0000'}`, e);
  const list = [...unique.values()];
  // Removed spans by offset, the longer first at one offset (spans are unique), with the furthest
  // end reached so far: a span is inside another removed one iff a removal before it reaches its end.
  const removed = list
    .filter((e) => e.text === undefined)
    .sort((a, b) => a.span.offset - b.span.offset || b.span.length - a.span.length);
  const reach: number[] = [];
  for (const r of removed) reach.push(Math.max(reach[reach.length - 1] ?? -1, r.span.offset + r.span.length));
  const order = new Map(removed.map((r, k) => [r, k]));
  /** How many removed spans start at or before `offset`. */
  const startingBy = (offset: number): number => {
    let lo = 0;
    let hi = removed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((removed[mid] as Edit).span.offset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return list.filter((e) => {
    const before = order.get(e) ?? startingBy(e.span.offset);
    return before === 0 || (reach[before - 1] as number) < e.span.offset + e.span.length;
  });
}

/**
 * `raw` (the line's bytes as latin1, starting at file offset `base`) with the edits applied, from
 * the last to the first. In one pass: `raw` up to `cut` is untouched, and what follows it is held
 * as pieces (last piece first), so each edit costs what it reads: the separators next to it.
 */
export function editLine(raw: string, base: number, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.offset - a.span.offset);
  const tail: Piece[] = [];
  let cut = raw.length;
  const put = (piece: Piece): void => {
    if (piece.to > piece.from) tail.push(piece);
  };
  for (let k = 0; k < sorted.length; k++) {
    const { span, text } = sorted[k] as Edit;
    const s = span.offset - base;
    const e = s + span.length;
    if (s < 0 || e < s || e > cut) {
      // Overlapping edits (none that the planner makes): applied one by one as they always were.
      return editSlowly(raw.slice(0, cut) + joined(tail), base, sorted.slice(k));
    }
    const between: Piece = { text: raw, from: e, to: cut };
    if (text !== undefined) {
      put(between);
      const bytes = Buffer.from(text, 'utf8').toString('latin1');
      put({ text: bytes, from: 0, to: bytes.length });
      cut = s;
      continue;
    }
    const ahead = sepAhead(between, tail);
    if (ahead.length > 0 && ahead.next !== undefined && !CLOSERS.has(ahead.next)) {
      // The separator after it goes: from raw up to the cut, then from the pieces.
      let drop = ahead.length - (cut - e);
      if (drop < 0) put({ text: raw, from: e + ahead.length, to: cut });
      while (drop > 0) {
        const p = tail.pop() as Piece;
        const left = p.to - p.from;
        if (left > drop) tail.push({ text: p.text, from: p.from + drop, to: p.to });
        drop -= left;
      }
      cut = s;
    } else {
      put(between);
      cut = s - sepBehind(raw, s);
    }
  }
  return raw.slice(0, cut) + joined(tail);
}

/** text[from, to), with what SEP_AFTER matches at its start, each computed once. */
interface Piece {
  text: string;
  from: number;
  to: number;
  /** The blanks it starts with. */
  blanks?: number;
  /** Those blanks, a comma and the blanks after it, when a comma follows the first blanks. */
  sep?: number;
}

const blanksAt = (text: string, at: number, to: number): number => {
  let k = at;
  while (k < to && isBlank(text.charCodeAt(k))) k++;
  return k - at;
};

/**
 * What SEP_AFTER matches of `first` followed by the pieces, and the character after
 * it. Each piece's own match is remembered, so a long run of blanks is read once, not per edit.
 */
function sepAhead(first: Piece, tail: Piece[]): { length: number; next?: string } {
  let length = 0;
  let comma = false;
  for (let k = tail.length; k >= 0; k--) {
    const p = k === tail.length ? first : (tail[k] as Piece);
    if (p.to === p.from) continue;
    let n: number;
    if (comma) n = p.blanks ??= blanksAt(p.text, p.from, p.to);
    else {
      n = p.blanks ??= blanksAt(p.text, p.from, p.to);
      if (n < p.to - p.from && p.text.charCodeAt(p.from + n) === 0x2c) {
        p.sep ??= n + 1 + blanksAt(p.text, p.from + n + 1, p.to);
        n = p.sep;
        comma = true;
      }
    }
    length += n;
    if (n < p.to - p.from) return { length, next: p.text[p.from + n] };
  }
  return { length };
}

/** How many characters before `s` /[ \t]*,?[ \t]*$/ matches: blanks, one comma, blanks. */
function sepBehind(raw: string, s: number): number {
  let k = s;
  while (k > 0 && isBlank(raw.charCodeAt(k - 1))) k--;
  if (k > 0 && raw.charCodeAt(k - 1) === 0x2c) {
    k--;
    while (k > 0 && isBlank(raw.charCodeAt(k - 1))) k--;
  }
  return s - k;
}

const joined = (tail: Piece[]): string => {
  const parts: string[] = [];
  for (let k = tail.length - 1; k >= 0; k--) {
    const p = tail[k] as Piece;
    parts.push(p.text.slice(p.from, p.to));
  }
  return parts.join('');
};

const SEP_AFTER = /^[ \t]*,?[ \t]*/;

/** The edits applied one by one on the whole line (the original code), for edits that overlap. */
function editSlowly(raw: string, base: number, sorted: readonly Edit[]): string {
  let line = raw;
  for (const { span, text } of sorted) {
    const s = span.offset - base;
    const e = s + span.length;
    if (text !== undefined) {
      line = line.slice(0, s) + Buffer.from(text, 'utf8').toString('latin1') + line.slice(e);
      continue;
    }
    const after = (SEP_AFTER.exec(line.slice(e)) as RegExpExecArray)[0].length;
    const next = line[e + after];
    if (after > 0 && next !== undefined && !CLOSERS.has(next)) {
      line = line.slice(0, s) + line.slice(e + after);
    } else {
      const prefix = line.slice(0, s);
      line = line.slice(0, s - sepBehind(prefix, prefix.length)) + line.slice(e);
    }
  }
  return line;
}

/** A line left with no value: its markup (<font …>, </font>) stays so tags still pair up; else nothing. */
export const markupOf = (line: string): string => (line.match(MARKUP_TAGS) ?? []).join('');

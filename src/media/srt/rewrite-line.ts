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

const SEP_AFTER = /^[ \t]*,?[ \t]*/;
const SEP_BEFORE = /[ \t]*,?[ \t]*$/;
/** What closes a group or a line's markup: a token before it takes its separator from the left. */
const CLOSERS = new Set(['<', ']', ')']);

const contains = (outer: Range, inner: Range): boolean =>
  inner.offset >= outer.offset && inner.offset + inner.length <= outer.offset + outer.length;

/** The edits without duplicates and without those inside a removed span (a pair inside a removed group). */
export function outermost(edits: readonly Edit[]): Edit[] {
  const unique = new Map<string, Edit>();
  for (const e of edits) unique.set(`${e.span.offset}:${e.span.length}:${e.text ?? '\u0000'}`, e);
  const list = [...unique.values()];
  const removed = list.filter((e) => e.text === undefined);
  return list.filter((e) => !removed.some((r) => r !== e && contains(r.span, e.span)));
}

/** `raw` (the line's bytes as latin1, starting at file offset `base`) with the edits applied. */
export function editLine(raw: string, base: number, edits: readonly Edit[]): string {
  let line = raw;
  const sorted = [...edits].sort((a, b) => b.span.offset - a.span.offset);
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
      const before = (SEP_BEFORE.exec(line.slice(0, s)) as RegExpExecArray)[0].length;
      line = line.slice(0, s - before) + line.slice(e);
    }
  }
  return line;
}

/** A line left with no value: its markup (<font …>, </font>) stays so tags still pair up; else nothing. */
export const markupOf = (line: string): string => (line.match(MARKUP_TAGS) ?? []).join('');

/** Small readers shared by the layout parsers: numbers, dates, tuples, items with byte ranges. */

import { byteAt, byteLength, type Line } from '../../core/lines.js';
import type { Range } from '../../findings/model.js';
import type { Item, Tuple } from './frame.js';

/**
 * Subtitle markup, and only what a player needs of it: <font> with a numeric size or a colour,
 * <b>, <i>, <u>, and their end tags (DJI writes <font size="28">…</font>). Markup is display data,
 * kept as it is, so any other tag or attribute (face="…", a data-* attribute) is text to report:
 * an attribute value can carry a position as well as a line can.
 */
const MARKUP_TAG = String.raw`<\/?(?:font(?:\s+(?:size="\d{1,3}"|color="#?[0-9A-Za-z]{1,20}"))*|b|i|u)\s*>`;
/** Every markup tag of a line. Global: for matchAll, match and replace, which never share its lastIndex. */
export const MARKUP_TAGS = new RegExp(MARKUP_TAG, 'gi');
/** A line of markup only. */
export const MARKUP_ONLY = new RegExp(String.raw`^\s*(?:${MARKUP_TAG}\s*)+$`, 'i');

const NUMBER = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:\s*(?:m\/s|ms|m|°|Â°|km\/h))?$/;

/** The number a value text holds, units (m, m/s, ms, °) allowed after it; undefined otherwise. */
export function numberOf(text: string): number | undefined {
  const m = NUMBER.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

/** An item for `text` found at character `index` of `line`. */
export function itemAt(line: Line, key: string, index: number, text: string): Item {
  const item: Item = {
    key,
    text,
    range: { offset: byteAt(line, index), length: byteLength(line, index, text.length) },
  };
  const n = numberOf(text);
  if (n !== undefined) item.num = n;
  return item;
}

/** The bytes of characters [start, end) of `line`. */
export const spanOf = (line: Line, start: number, end: number): Range => ({
  offset: byteAt(line, start),
  length: byteLength(line, start, end - start),
});

const DATE = /\d{4}[-./]\d{1,2}[-./]\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,:]\d+)*/;
/** A line that is a date and nothing else (what scrub's date-only leaves of a date-time line). */
const DATE_ONLY = /^\s*(?:<[^<>]{0,200}>\s*)*(\d{4}[-./]\d{1,2}[-./]\d{1,2})\s*(?:<[^<>]{0,200}>\s*)*$/;

/** The capture date-time a line holds, as written; or, failing that, a line that is only a date. */
export function dateIn(line: Line): Item | undefined {
  const m = DATE.exec(line.text);
  if (m) return itemAt(line, 'DateTime', m.index, m[0]);
  const d = DATE_ONLY.exec(line.text);
  return d ? itemAt(line, 'DateTime', line.text.indexOf(d[1] as string), d[1] as string) : undefined;
}

// Bounded key length and spacing keep the scan linear on hostile lines.
const TUPLE = /([A-Za-z][A-Za-z._]{0,40})\s{0,8}\(([^()]*)\)/g;

/** Every KEY(a, b, c) group of a line, each value with its own range. */
export function tuplesIn(line: Line): { tuple: Tuple; start: number; end: number }[] {
  const out: { tuple: Tuple; start: number; end: number }[] = [];
  for (const m of line.text.matchAll(TUPLE)) {
    const key = m[1] as string;
    const body = m[2] as string;
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const bodyStart = start + m[0].indexOf('(') + 1;
    const token = spanOf(line, start, end);
    const values = splitValues(line, key, body, bodyStart);
    for (const v of values) v.group = token;
    out.push({ tuple: { key, values, token }, start, end });
  }
  return out;
}

/** Comma-separated values of a tuple body, trimmed, with their positions. */
function splitValues(line: Line, key: string, body: string, bodyStart: number): Item[] {
  const items: Item[] = [];
  let from = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === ',') {
      const raw = body.slice(from, i);
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      items.push(itemAt(line, key, bodyStart + from + lead, text));
      from = i + 1;
    }
  }
  return items;
}

/** `key: value` pairs of a text (keys may hold spaces: "shift x"), positions relative to `base`. */
export function pairsIn(
  line: Line,
  text: string,
  base: number,
  pattern: RegExp,
): { key: string; item: Item }[] {
  const out: { key: string; item: Item }[] = [];
  for (const m of text.matchAll(pattern)) {
    const key = (m[1] as string).trim();
    const value = m[2] as string;
    const at = m.index ?? 0;
    const valueIndex = at + m[0].length - value.length;
    const item = itemAt(line, key, base + valueIndex, value);
    item.token = spanOf(line, base + at, base + at + m[0].length);
    out.push({ key, item });
  }
  return out;
}

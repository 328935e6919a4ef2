/**
 * One SRT frame under scrub: the frame's findings (mapFrame, exactly as inspect reports them)
 * each get a Decision, which becomes edits on the items that carry it.
 *
 * - position kept: untouched; replaced (coarsened): latitude and longitude printed with 7
 *   decimals in the file's own order and place, altitude with the decimals and unit it had;
 *   dropped: the whole GPS(...) / HOME(...) tuple goes, or the [latitude]/[longitude]/altitude
 *   tokens (their bracket group once nothing is left in it).
 * - heights above the launch point (rel_alt, H, BAROMETER, Hb, Hs) follow the drone position
 *   when attitude is kept: rounded to 100 m with a coarsened position, removed with a dropped one.
 * - time, attitude, other: removed, or their text replaced (date only).
 * - the cue timing is the format's own structure: never edited, whatever 'other' gets.
 */
import type { Finding, Range, Value } from '../../findings/model.js';
import { coarsenAltitude, formatCoarseDegrees } from '../../scrub/coarsen.js';
import type { Decide, Decision } from '../../scrub/types.js';
import { Collector } from '../types.js';
import type { Cue } from './cues.js';
import { type Frame, type Item, looseItems, type Tuple, tuplesOf } from './frame.js';
import { mapFrame } from './map.js';
import type { Reading } from './order.js';
import type { Edit } from './rewrite-line.js';

/** Heights above the launch point: say where the drone was once a position is known. */
const HEIGHTS = new Set(['rel_alt', 'H', 'BAROMETER', 'Hb', 'Hs']);

export interface FramePlan {
  edits: Edit[];
  /** Every item of the frame, and whether it survives the edits. */
  items: { item: Item; kept: boolean }[];
}

/** Every item of a frame once, in no particular order. */
function itemsOf(f: Frame): Item[] {
  const all = [...tuplesOf(f).flatMap((t) => t?.values ?? []), ...looseItems(f)].filter(
    (i): i is Item => i !== undefined,
  );
  return [...new Map(all.map((i) => [i.range.offset, i])).values()];
}

interface Slots {
  lat: Item;
  lon: Item;
  alt?: Item;
  tuple?: Tuple;
}

/** Which items hold a position finding's latitude, longitude and altitude. */
function slotsOf(f: Frame, finding: Finding, reading: Reading): Slots | undefined {
  const operator = finding.category === 'location.operator';
  const tuple = operator ? f.home : f.gps;
  let slots: Slots | undefined;
  if (tuple) {
    const [a, b, c] = tuple.values;
    const [lat, lon] = reading.order === 'lon,lat' ? [b, a] : [a, b];
    if (lat && lon) slots = { lat, lon, tuple };
    if (slots && c && finding.ranges.length > 2) slots.alt = c;
  } else if (operator) {
    if (f.homeLat && f.homeLon) slots = { lat: f.homeLat, lon: f.homeLon };
  } else if (f.lat && f.lon) {
    slots = { lat: f.lat, lon: f.lon };
    if (f.alt && finding.ranges.length > 2) slots.alt = f.alt;
  }
  // The slots must be the finding's own bytes; anything else is removed, never guessed at.
  const held = new Set(finding.ranges.map((r) => r.offset));
  if (!slots || !held.has(slots.lat.range.offset) || !held.has(slots.lon.range.offset)) return undefined;
  return slots;
}

/** A number written in place of another, with the decimals, sign style and unit the old text had. */
export function sameStyle(old: string, n: number): string {
  const m = /^\s*([+-]?)\d*(?:\.(\d*))?/.exec(old) as RegExpExecArray;
  const decimals = m[2]?.length ?? 0;
  const text = n.toFixed(decimals);
  return (m[1] === '+' && n >= 0 ? '+' : '') + text + old.slice(m[0].length);
}

/** The text a replaced non-position value is written as, or undefined when it has none. */
function textOf(v: Value, old: Item): string | undefined {
  if (v.kind === 'time' || v.kind === 'text') return v.text;
  if (v.kind === 'number') return sameStyle(old.text, v.value);
  return undefined;
}

/**
 * `findings`: the frame's findings as the analysis made them (its mapFrame of this very frame),
 * when the caller has them: the plan answers for those without an index (plan.ts), and none
 * are mapped again. Otherwise the frame is mapped here.
 */
export function planFrame(
  f: Frame,
  cue: Cue,
  reading: Reading,
  decide: Decide,
  notes: Set<string>,
  findings?: readonly Finding[],
): FramePlan {
  let mine = findings;
  if (!mine) {
    const out = new Collector();
    mapFrame(f, reading, out, { withFix: 0, noFix: 0 });
    mine = out.findings;
  }
  const items = itemsOf(f);
  const byOffset = new Map(items.map((i) => [i.range.offset, i]));
  const timing = cue.timing?.offset;
  const removed = new Set<number>();
  const replaced = new Map<number, string>();
  const edits: Edit[] = [];
  let drone: Decision['action'] | undefined;

  const remove = (i: Item): void => {
    removed.add(i.range.offset);
    replaced.delete(i.range.offset);
  };
  const removeRanges = (ranges: Range[]): void => {
    for (const r of ranges) {
      const i = byOffset.get(r.offset);
      if (i && i.range.offset !== timing) remove(i);
    }
  };

  for (const finding of mine) {
    const d = decide(finding);
    if (finding.category === 'other' && d.action !== 'keep' && timing !== undefined)
      notes.add('SRT cue numbers and timings kept: the format needs them');
    if (finding.value.kind === 'position') {
      if (finding.category === 'location.drone') drone = d.action;
      if (d.action === 'keep') continue;
      const slots = slotsOf(f, finding, reading);
      if (!slots) {
        // Not the frame's own GPS/HOME (a duplicate tuple): removed whole, never guessed at.
        const held = new Set(finding.ranges.map((r) => r.offset));
        const tuple = [f.gps, f.home, ...f.dupes].find((t) =>
          t?.values.some((v) => held.has(v.range.offset)),
        );
        if (tuple?.token) {
          for (const v of tuple.values) remove(v);
          edits.push({ span: tuple.token });
        }
        removeRanges(finding.ranges);
        if (finding.category === 'location.drone') drone = 'drop';
        continue;
      }
      if (d.action === 'replace' && d.value.kind === 'position') {
        const p = d.value.position;
        replaced.set(slots.lat.range.offset, formatCoarseDegrees(p.lat));
        replaced.set(slots.lon.range.offset, formatCoarseDegrees(p.lon));
        if (slots.alt && p.alt !== undefined)
          replaced.set(slots.alt.range.offset, sameStyle(slots.alt.text, p.alt));
        else if (slots.alt) remove(slots.alt);
        if (reading.radians)
          notes.add('SRT coordinates written in radians by the drone are written back in degrees');
        continue;
      }
      if (finding.category === 'location.drone') drone = 'drop';
      if (slots.tuple?.token) {
        // A tuple never loses only its coordinates: GPS(16) would read as a longitude.
        for (const v of slots.tuple.values) remove(v);
        edits.push({ span: slots.tuple.token });
      } else {
        removeRanges(finding.ranges);
      }
      continue;
    }
    if (d.action === 'keep') continue;
    const first = finding.ranges.length === 1 ? (finding.ranges[0] as Range).offset : undefined;
    const only = first !== undefined && first !== timing ? byOffset.get(first) : undefined;
    const text = d.action === 'replace' && only ? textOf(d.value, only) : undefined;
    if (only && text !== undefined) replaced.set(only.range.offset, text);
    else removeRanges(finding.ranges);
  }

  if (drone === 'replace' || drone === 'drop') {
    for (const i of items) {
      if (!HEIGHTS.has(i.key) || removed.has(i.range.offset) || i.num === undefined) continue;
      if (drone === 'drop') remove(i);
      else if (!replaced.has(i.range.offset))
        replaced.set(i.range.offset, sameStyle(i.text, coarsenAltitude(i.num)));
    }
  }

  // A bracket group or tuple whose every item goes is removed whole, brackets and all.
  const groups = new Map<number, { span: Range; all: boolean }>();
  for (const i of items) {
    if (!i.group) continue;
    const g = groups.get(i.group.offset) ?? { span: i.group, all: true };
    g.all &&= removed.has(i.range.offset);
    groups.set(i.group.offset, g);
  }
  for (const g of groups.values()) if (g.all) edits.push({ span: g.span });
  for (const i of items) {
    if (removed.has(i.range.offset)) edits.push({ span: i.token ?? i.range });
    const text = replaced.get(i.range.offset);
    if (text !== undefined) edits.push({ span: i.range, text });
  }
  return { edits, items: items.map((item) => ({ item, kept: !removed.has(item.range.offset) })) };
}

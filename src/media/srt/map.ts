/** Frames → findings, once the file-wide reading (tuple order, radians) is decided. */
import type { Finding, Position, Range } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { type Frame, type Item, isHomeKey, type LayoutName, type Tuple } from './frame.js';
import { isFix, type Reading } from './order.js';

const DEG = 180 / Math.PI;

export interface MapStats {
  withFix: number;
  noFix: number;
  firstNoFix?: number;
}

/** One path per layout, shared by every finding of that layout (findings are never edited). */
const PATHS: Record<LayoutName, string[]> = {
  'home-gps': ['SRT', 'home-gps'],
  'one-line': ['SRT', 'one-line'],
  bracketed: ['SRT', 'bracketed'],
  unknown: ['SRT', 'unknown'],
};

export function mapFrame(f: Frame, reading: Reading, out: Collector, stats: MapStats): void {
  const path = PATHS[f.layout];
  const frame = f.cue;
  const other: Item[] = [...f.other, ...f.otherTuples.flatMap((t) => t.values)];
  // Built field by field: a spread made this the reader's costliest line on long files.
  const add = (x: Omit<Finding, 'path' | 'frame'>): void =>
    out.add({ category: x.category, tag: out.name(x.tag), ranges: x.ranges, value: x.value, path, frame });

  const drone = dronePosition(f, reading, other);
  if (drone === 'no-fix') {
    stats.noFix++;
    stats.firstNoFix ??= f.offset;
    // The aircraft's altitude is still where it flew, fix or not.
    if (f.alt?.num !== undefined)
      add({
        category: 'location.drone',
        tag: f.alt.key,
        ranges: [f.alt.range],
        value: { kind: 'number', value: f.alt.num, unit: 'm' },
      });
  } else if (!drone && f.alt?.num !== undefined) {
    // An altitude without a latitude and longitude the layout knows: still where it flew.
    add({
      category: 'location.drone',
      tag: f.alt.key,
      ranges: [f.alt.range],
      value: { kind: 'number', value: f.alt.num, unit: 'm' },
    });
  } else if (drone) {
    stats.withFix++;
    add({
      category: 'location.drone',
      tag: drone.tag,
      ranges: drone.ranges,
      value: { kind: 'position', position: drone.position },
    });
  }
  const operatorAt = (home: Located): void => {
    if (home && home !== 'no-fix')
      add({
        category: 'location.operator',
        tag: home.tag,
        ranges: home.ranges,
        value: { kind: 'position', position: home.position },
      });
  };
  if (f.home) operatorAt(tuplePosition(f.home, reading, true, other));
  if (f.homeLat || f.homeLon) operatorAt(namedPosition(f.homeLat, f.homeLon, undefined, reading, other));
  if (f.homeDistance) {
    // Distances from home beside the drone's positions give the home point by trilateration.
    const d = f.homeDistance;
    add({
      category: 'location.operator',
      tag: d.key,
      ranges: [d.range],
      value: d.num !== undefined ? numberValue(d) : { kind: 'text', text: d.text },
    });
  }
  for (const t of f.dupes) {
    const p = tuplePosition(t, reading, isHomeKey(t.key), other);
    if (p && p !== 'no-fix') {
      const category = isHomeKey(t.key) ? 'location.operator' : 'location.drone';
      add({ category, tag: p.tag, ranges: p.ranges, value: { kind: 'position', position: p.position } });
    }
  }
  if (f.timing)
    add({
      category: 'display',
      tag: 'timing',
      ranges: [f.timing.range],
      value: { kind: 'text', text: f.timing.text },
    });
  if (f.time)
    add({
      category: 'time',
      tag: f.time.key,
      ranges: [f.time.range],
      value: { kind: 'time', text: f.time.text },
    });
  for (const a of f.attitude) {
    add({
      category: 'attitude',
      tag: a.key,
      ranges: [a.range],
      value: a.num !== undefined ? numberValue(a) : { kind: 'text', text: a.text },
    });
  }
  for (const t of f.attitudeTuples) {
    add({
      category: 'attitude',
      tag: t.key,
      ranges: t.values.map((v) => v.range),
      value: { kind: 'text', text: t.values.map((v) => v.text).join(', ') },
    });
  }
  if (other.length) {
    add({
      category: 'other',
      tag: other.map((o) => o.key).join(','),
      ranges: other.map((o) => o.range),
      value: { kind: 'text', text: other.map((o) => `${o.key}=${o.text}`).join('; ') },
    });
  }
}

type Located = { tag: string; position: Position; ranges: Range[] } | 'no-fix' | undefined;

function dronePosition(f: Frame, reading: Reading, other: Item[]): Located {
  if (f.gps) return tuplePosition(f.gps, reading, false, other);
  return namedPosition(f.lat, f.lon, f.alt, reading, other);
}

/**
 * A position from named coordinates ([latitude: …] [longitude: …]). One it cannot read — a
 * value that is no plain decimal (52°22'14"N, N52.37, 5.2e1), or a latitude without its
 * longitude — is other data: reported and dropped unless kept, never passed on as clean.
 */
function namedPosition(
  latItem: Item | undefined,
  lonItem: Item | undefined,
  alt: Item | undefined,
  reading: Reading,
  other: Item[],
): Located {
  if (latItem?.num === undefined || lonItem?.num === undefined) {
    if (latItem) other.push(latItem);
    if (lonItem) other.push(lonItem);
    return undefined;
  }
  let lat = latItem.num;
  let lon = lonItem.num;
  if (!isFix(lat, lon)) {
    // 0,0 is no fix, not a position; still reported, never silent.
    other.push(latItem, lonItem);
    return 'no-fix';
  }
  if (reading.radians) {
    lat *= DEG;
    lon *= DEG;
  }
  const tag = `${latItem.key}+${lonItem.key}`;
  // Ranges made at their final length: a push would leave room for 16 more in every finding.
  if (alt?.num !== undefined) {
    const position: Position = { lat, lon, alt: alt.num };
    return { tag, position, ranges: [latItem.range, lonItem.range, alt.range] };
  }
  return { tag, position: { lat, lon }, ranges: [latItem.range, lonItem.range] };
}

/**
 * GPS(a, b, n): the third GPS value is not an altitude (DJI_SRT_Parser reads it as a satellite
 * count), so it goes to "other"; HOME's third value is an altitude in metres ("7.60m").
 */
function tuplePosition(t: Tuple, reading: Reading, thirdIsAltitude: boolean, other: Item[]): Located {
  const [a, b, c, ...rest] = t.values;
  other.push(...rest);
  if (a?.num === undefined || b?.num === undefined) {
    other.push(...t.values.slice(0, 3).filter((v): v is Item => v !== undefined));
    return undefined;
  }
  const [latItem, lonItem] = reading.order === 'lon,lat' ? [b, a] : [a, b];
  const lat = latItem.num as number;
  const lon = lonItem.num as number;
  if (!isFix(lat, lon)) {
    other.push(a, b);
    if (c) other.push(c);
    return 'no-fix';
  }
  if (c && thirdIsAltitude && c.num !== undefined) {
    const position: Position = { lat, lon, alt: c.num };
    return { tag: t.key, position, ranges: [a.range, b.range, c.range] };
  }
  if (c) other.push({ ...c, key: `${t.key}[3]` });
  return { tag: t.key, position: { lat, lon }, ranges: [a.range, b.range] };
}

function numberValue(i: Item): { kind: 'number'; value: number; unit?: string } {
  const unit = /(m\/s|ms|m|°)\s*$/.exec(i.text)?.[1];
  return unit ? { kind: 'number', value: i.num as number, unit } : { kind: 'number', value: i.num as number };
}

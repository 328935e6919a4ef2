/**
 * What one SRT cue says, in layout-neutral form: each layout parser fills it, the mapper turns
 * it into findings. Every item keeps the file bytes it came from so scrub can edit them.
 */
import type { Range } from '../../findings/model.js';

/** One value as written in the file. */
export interface Item {
  /** The key as the file writes it: 'GPS', 'latitude', 'H.S', 'gb_yaw'… */
  key: string;
  /** The value text as written. */
  text: string;
  /** The value as a number when it is one (units stripped). */
  num?: number;
  range: Range;
  /** The whole token the value sits in ("latitude: 53.3", "D 49.21m", "BAROMETER:1.9"), when wider than the value: what a rewriter removes. */
  token?: Range;
  /** The group holding the token ("[rel_alt: 5.4 abs_alt: 1.2]", "GPS(lon,lat,n)"): removed once none of its items is left. */
  group?: Range;
}

/** A coordinate group written as a tuple, e.g. GPS(lon,lat,n) or HOME (lon, lat, alt m). */
export interface Tuple {
  key: string;
  values: Item[];
  /** KEY(...) as written. */
  token?: Range;
}

export interface Frame {
  /** Cue number as written (falls back to the cue's ordinal). */
  cue: number;
  /** Byte offset and line number of the cue's first line. */
  offset: number;
  line: number;
  layout: LayoutName;
  /** GPS(...) / RTK(...): order decided file-wide by the mapper. */
  gps?: Tuple;
  home?: Tuple;
  /** Earlier GPS/HOME tuples of a cue that holds more than one (damage): reported too, never lost. */
  dupes: Tuple[];
  /**
   * Named coordinates of the bracketed layout: the drone's only when the cue names one latitude
   * and one longitude outside any home group (a second pair leaves both in `other`: which is the
   * drone's cannot be told, and no home point may pass for it).
   */
  lat?: Item;
  lon?: Item;
  /** Named coordinates in a bracket group whose keys say home, RC, pilot, takeoff…: the operator's. */
  homeLat?: Item;
  homeLon?: Item;
  /** Absolute altitude in metres when the layout gives one. */
  alt?: Item;
  time?: Item;
  /**
   * The drone's distance from its home point (the one-line family's `D`): with the drone's
   * positions it locates the home point, where the pilot stood, so it is the operator's location.
   */
  homeDistance?: Item;
  attitude: Item[];
  /** Tuple-valued attitude (F.PRY, G.PRY, gimbal yaw/pitch/roll). */
  attitudeTuples: Tuple[];
  /**
   * KEY(…) tuples the layout does not read (RC (…), PILOT (…), SN (…), OWNER (…)): their values
   * are other data. Held whole, so the KEY( … ) around them is read text, not residue that would
   * run from one tuple into the next.
   */
  otherTuples: Tuple[];
  /** The cue's timing line: what a player needs to show the cue ('display', always kept). */
  timing?: Item;
  other: Item[];
  /** Text lines the layout expects but this cue lacks (the truncation signal). */
  missing: string[];
}

export type LayoutName = 'home-gps' | 'one-line' | 'bracketed' | 'unknown';

export const newFrame = (cue: number, offset: number, line: number, layout: LayoutName): Frame => ({
  cue,
  offset,
  line,
  layout,
  attitude: [],
  attitudeTuples: [],
  otherTuples: [],
  other: [],
  missing: [],
  dupes: [],
});

/** The frame's items held on their own (not inside a tuple); some may be absent. */
export const looseItems = (f: Frame): (Item | undefined)[] => [
  f.lat,
  f.lon,
  f.homeLat,
  f.homeLon,
  f.alt,
  f.time,
  f.homeDistance,
  ...f.attitude,
  ...f.other,
];

/** The frame's tuples; some may be absent. */
export const tuplesOf = (f: Frame): (Tuple | undefined)[] => [
  f.gps,
  f.home,
  ...f.dupes,
  ...f.attitudeTuples,
  ...f.otherTuples,
];

/** A HOME(…) tuple's key, however it is cased ("Home (…)" too): the launch point, where the pilot stood. */
export const isHomeKey = (key: string): boolean => key.toUpperCase() === 'HOME';

/** Sets the frame's GPS or HOME tuple; one already set is kept in `dupes`. */
export function setPositionTuple(f: Frame, slot: 'gps' | 'home', t: Tuple): void {
  const old = f[slot];
  if (old) f.dupes.push(old);
  f[slot] = t;
}

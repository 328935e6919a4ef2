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
}

/** A coordinate group written as a tuple, e.g. GPS(lon,lat,n) or HOME (lon, lat, alt m). */
export interface Tuple {
  key: string;
  values: Item[];
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
  /** Named coordinates of the bracketed layout. */
  lat?: Item;
  lon?: Item;
  /** Absolute altitude in metres when the layout gives one. */
  alt?: Item;
  time?: Item;
  attitude: Item[];
  /** Tuple-valued attitude (F.PRY, G.PRY, gimbal yaw/pitch/roll). */
  attitudeTuples: Tuple[];
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
  other: [],
  missing: [],
});

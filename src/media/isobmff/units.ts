/**
 * Which piece of the file carries each finding, so the rewriter edits exactly what the reader
 * reported (the reader fills this in when handed a UnitCollector; inspect never pays for it).
 */
import type { Finding } from '../../findings/model.js';
import { Collector } from '../types.js';
import type { Box } from './boxes.js';

export type Unit =
  /** A box that goes whole when its finding goes (a user-data item, an opaque or padding box). */
  | { kind: 'box'; box: Box }
  /** One 'data' atom of an item-list item. */
  | { kind: 'data'; item: Box; data: Box }
  /** Free text or spare bytes inside a box kept for playback (a handler's name): zeroed in place. */
  | { kind: 'bytes'; box: Box; at: number; length: number }
  /** One compatible brand of ftyp (4 bytes at `at`): cut from the list. */
  | { kind: 'brand'; box: Box; at: number }
  /** A fixed-width time field inside mvhd, tkhd or mdhd, at an absolute offset. */
  | { kind: 'field'; box: Box; at: number; width: 4 | 8 }
  /** A track beyond picture and sound: it goes whole, its samples zeroed. */
  | { kind: 'track'; trak: Box; stbl?: Box }
  /** A property of the XMP packet that is the body of `box` (after a uuid's extended type). */
  | { kind: 'xmp'; box: Box };

export class UnitCollector extends Collector {
  readonly units = new Map<Finding, Unit>();
}

/** Marks every finding added to `out` since `first` (and not yet marked) as carried by `unit`. */
export function carriedBy(out: Collector, first: number, unit: Unit): void {
  if (!(out instanceof UnitCollector)) return;
  for (let i = first; i < out.findings.length; i++) {
    const f = out.findings[i] as Finding;
    if (!out.units.has(f)) out.units.set(f, unit);
  }
}

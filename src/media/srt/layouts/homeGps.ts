/**
 * Mavic Pro / Phantom 4 era, three lines per cue:
 *   HOME(lon,lat) 2017.08.05 14:11:51
 *   GPS(lon,lat,n) BAROMETER:1.9        (older firmware: Hb:1.9 Hs:1.9)
 *   ISO:100 Shutter:60 EV: Fnum:2.2
 */
import type { Cue } from '../cues.js';
import { type Frame, isHomeKey, newFrame, setPositionTuple } from '../frame.js';
import { dateIn, pairsIn, tuplesIn } from '../tokens.js';

// Bounded repeats: a hostile 1 MB line must not make this regex quadratic.
const PAIR = /([A-Za-z][A-Za-z_]{0,40})\s{0,8}:\s{0,8}([^\s]*)/g;
/** Heights above the launch point: flight state, not a place. */
const HEIGHTS = new Set(['BAROMETER', 'Hb', 'Hs']);

export function parseHomeGps(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'home-gps');
  for (const line of cue.text) {
    let rest = line.text;
    for (const { tuple, start, end } of tuplesIn(line)) {
      if (isHomeKey(tuple.key)) setPositionTuple(f, 'home', tuple);
      else if (tuple.key === 'GPS' || tuple.key === 'RTK') setPositionTuple(f, 'gps', tuple);
      else f.otherTuples.push(tuple);
      rest = rest.slice(0, start) + ' '.repeat(end - start) + rest.slice(end);
    }
    const date = dateIn(line);
    if (date) {
      f.time = date;
      const at = line.text.indexOf(date.text);
      rest = rest.slice(0, at) + ' '.repeat(date.text.length) + rest.slice(at + date.text.length);
    }
    for (const { key, item } of pairsIn(line, rest, 0, PAIR)) {
      if (item.text === '') continue;
      (HEIGHTS.has(key) ? f.attitude : f.other).push(item);
    }
  }
  return f;
}

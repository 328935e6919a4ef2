/**
 * Mavic Air / Mavic 2 / Air 2 / Air 2S / Mini 2+ / Avata / Neo / Air 3S…: three lines per cue,
 *   <font size="28">FrameCnt: 1, DiffTime: 41ms          (or "SrtCnt : 1, DiffTime : 33ms")
 *   2026-05-27 13:10:00.015                              (or "2022-08-07 13:40:40,774,808")
 *   [iso: 200] … [latitude: 53.365080] [longitude: 6.460739] [rel_alt: 5.400 abs_alt: -124.744]
 *   [gb_yaw: -162.8 gb_pitch: 0.0 gb_roll: 0.0] …</font>
 * Mavic 2 firmware misspells "longtitude" and writes "[altitude: …]" instead of abs_alt.
 */
import type { Cue } from '../cues.js';
import { type Frame, newFrame } from '../frame.js';
import { dateIn, pairsIn, spanOf } from '../tokens.js';

const GROUP = /\[([^[\]]*)\]/g;
// Bounded repeats: a hostile 1 MB line must not make these regexes quadratic.
const IN_GROUP = /([A-Za-z_][A-Za-z_ ]{0,40}?)\s{0,8}:\s{0,8}([^\s,\]]*)/g;
const OUTSIDE = /([A-Za-z_]{1,40})\s{0,8}:\s{0,8}([^\s,<]+)/g;
const GIMBAL = new Set(['gb_yaw', 'gb_pitch', 'gb_roll']);

export function parseBracketed(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'bracketed');
  let altitude: Frame['alt'];
  for (const line of cue.text) {
    const date = dateIn(line);
    if (date) {
      f.time = date;
      continue;
    }
    if (!line.text.includes('[')) {
      for (const { item } of pairsIn(line, line.text, 0, OUTSIDE)) f.other.push(item);
      continue;
    }
    const gimbal: Frame['attitude'] = [];
    for (const g of line.text.matchAll(GROUP)) {
      const base = (g.index ?? 0) + 1;
      const group = spanOf(line, g.index ?? 0, (g.index ?? 0) + g[0].length);
      for (const { key, item } of pairsIn(line, g[1] as string, base, IN_GROUP)) {
        item.group = group;
        if (key === 'latitude') f.lat = item;
        else if (key === 'longitude' || key === 'longtitude') f.lon = item;
        else if (key === 'abs_alt') f.alt = item;
        else if (key === 'altitude') altitude = item;
        else if (key === 'rel_alt') f.attitude.push(item);
        else if (GIMBAL.has(key)) gimbal.push(item);
        else f.other.push(item);
      }
    }
    if (gimbal.length) f.attitudeTuples.push({ key: gimbal.map((i) => i.key).join(','), values: gimbal });
  }
  if (!f.alt && altitude) f.alt = altitude;
  return f;
}

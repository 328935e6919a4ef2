/**
 * Mavic Air / Mavic 2 / Air 2 / Air 2S / Mini 2+ / Avata / Neo / Air 3S…: three lines per cue,
 *   <font size="28">FrameCnt: 1, DiffTime: 41ms          (or "SrtCnt : 1, DiffTime : 33ms")
 *   2026-05-27 13:10:00.015                              (or "2022-08-07 13:40:40,774,808")
 *   [iso: 200] … [latitude: 53.365080] [longitude: 6.460739] [rel_alt: 5.400 abs_alt: -124.744]
 *   [gb_yaw: -162.8 gb_pitch: 0.0 gb_roll: 0.0] …</font>
 * Mavic 2 firmware misspells "longtitude" and writes "[altitude: …]" instead of abs_alt.
 *
 * Whose place a latitude is: the drone's only when the cue names one [latitude] and one
 * [longitude]. A group whose keys say home, RC, pilot, takeoff… ("[home latitude: … longitude:
 * …]", "[home_latitude: …]"), or any group after a bare label that says so on the same line
 * ("[home] [latitude: …]"), holds the operator's place; everything else in it is other data.
 * A second pair of either kind leaves every pair of that kind as other data: a reader cannot
 * tell which one is whose, and a home point must never pass for the drone's position (which
 * the mapping profile keeps exactly).
 */
import type { Cue } from '../cues.js';
import { type Frame, type Item, newFrame } from '../frame.js';
import { dateIn, pairsIn, spanOf } from '../tokens.js';

const GROUP = /\[([^[\]]*)\]/g;
// Bounded repeats: a hostile 1 MB line must not make these regexes quadratic.
const IN_GROUP = /([A-Za-z_][A-Za-z_ ]{0,40}?)\s{0,8}:\s{0,8}([^\s,\]]*)/g;
const OUTSIDE = /([A-Za-z_]{1,40})\s{0,8}:\s{0,8}([^\s,<]+)/g;
const GIMBAL = new Set(['gb_yaw', 'gb_pitch', 'gb_roll']);
/** Words that make a group someone else's place than the drone's (matched in keys and labels). */
const OPERATOR_WORD = /(?<![A-Za-z])(?:home|rc|pilot|take_?off|operator|launch|remote|controller)/i;
/** A key's last word naming a latitude or a longitude, in a group that is the operator's. */
const LAT_WORD = /(?:^|[\s_.])lat(?:itude)?$/i;
const LON_WORD = /(?:^|[\s_.])(?:lon|lng|long|longt?itude)$/i;

export function parseBracketed(cue: Cue): Frame {
  const f = newFrame(cue.number, cue.head.offset, cue.head.number, 'bracketed');
  let altitude: Frame['alt'];
  const drone: { lat: Item[]; lon: Item[] } = { lat: [], lon: [] };
  const home: { lat: Item[]; lon: Item[] } = { lat: [], lon: [] };
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
    // Set by a bare "[home]" label: the groups after it on this line are the operator's.
    let labelled = false;
    for (const g of line.text.matchAll(GROUP)) {
      const base = (g.index ?? 0) + 1;
      const group = spanOf(line, g.index ?? 0, (g.index ?? 0) + g[0].length);
      const pairs = pairsIn(line, g[1] as string, base, IN_GROUP);
      if (pairs.length === 0) {
        labelled ||= OPERATOR_WORD.test(g[1] as string);
        continue;
      }
      const operator = labelled || pairs.some(({ key }) => OPERATOR_WORD.test(key));
      for (const { key, item } of pairs) {
        item.group = group;
        if (operator) {
          if (LAT_WORD.test(key)) home.lat.push(item);
          else if (LON_WORD.test(key)) home.lon.push(item);
          else f.other.push(item);
        } else if (key === 'latitude') drone.lat.push(item);
        else if (key === 'longitude' || key === 'longtitude') drone.lon.push(item);
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
  if (drone.lat.length > 1 || drone.lon.length > 1) f.other.push(...drone.lat, ...drone.lon);
  else {
    if (drone.lat[0]) f.lat = drone.lat[0];
    if (drone.lon[0]) f.lon = drone.lon[0];
  }
  if (home.lat.length > 1 || home.lon.length > 1) f.other.push(...home.lat, ...home.lon);
  else {
    if (home.lat[0]) f.homeLat = home.lat[0];
    if (home.lon[0]) f.homeLon = home.lon[0];
  }
  return f;
}

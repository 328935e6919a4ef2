/** dji_srt_parser (dev dependency) as the independent reader of SRT files, before and after scrub. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Raw = Record<string, unknown>;
const DJISRTParser = require('dji_srt_parser') as (
  data: string,
  name: string,
) => { setSmoothing(n: number): unknown; rawMetadata(): Raw[] } | null;

export interface OracleCue {
  drone?: { lat: number; lon: number };
  home?: { lat: number; lon: number };
}

/** dji_srt_parser's raw per-cue records (smoothing off); undefined when it cannot parse the text. */
export function rawCues(text: string, name = 'clip.SRT'): Raw[] | undefined {
  const silence = console.error;
  console.error = () => {};
  try {
    const p = DJISRTParser(text, name);
    if (!p) return undefined;
    p.setSmoothing(0);
    return p.rawMetadata();
  } catch {
    return undefined;
  } finally {
    console.error = silence;
  }
}

/** Per cue, what dji_srt_parser reads (0,0 is "no fix"); undefined when it cannot parse the text. */
export function oracleCues(text: string, name = 'clip.SRT'): OracleCue[] | undefined {
  return rawCues(text, name)?.map((raw) => positionsOf(raw, num));
}

const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);

/** Drone (GPS tuple is lon,lat; 0,0 = no fix) and HOME positions of one raw record, numbers read by `n`. */
export function positionsOf(raw: Raw, n: (x: unknown) => number | undefined): OracleCue {
  const out: OracleCue = {};
  const gps = raw.GPS as unknown[] | undefined;
  let lat = n(raw.latitude ?? raw.LATITUDE);
  let lon = n(raw.longitude ?? raw.longtitude ?? raw.LONGITUDE);
  if (gps) [lon, lat] = [n(gps[0]), n(gps[1])];
  if (lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0)) out.drone = { lat, lon };
  const home = raw.HOME as unknown[] | undefined;
  const hlon = n(home?.[0]);
  const hlat = n(home?.[1]);
  if (hlat !== undefined && hlon !== undefined) out.home = { lat: hlat, lon: hlon };
  return out;
}

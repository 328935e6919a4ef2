/**
 * File-wide decisions about how to read coordinates, taken once over every frame so one odd
 * frame cannot flip a track.
 *
 * GPS/HOME tuple order. DJI writes GPS(lon, lat, …) and DJI_SRT_Parser always reads it that way.
 * Airlock checks the file: a first value beyond ±90 can only be a longitude, a second value
 * beyond ±90 can only be a longitude too. If only the second kind of evidence appears, the
 * file is read (lat, lon); otherwise (lon, lat), DJI's order. Conflicting evidence keeps
 * DJI's order and is reported as a warning.
 *
 * Radians. Some Mavic 2 / Air 2 firmware wrote [latitude]/[longitude] in radians. As in
 * DJI_SRT_Parser, a bracketed file is taken to be in radians when every fixed frame lies
 * within ±π/2, ±π and the whole track spans under 0.001 in both (0.001 rad ≈ 6 km: a flight
 * in degrees that small and that close to 0°,0° is far less likely than the firmware bug).
 */
import type { Frame } from './frame.js';

export type GpsOrder = 'lon,lat' | 'lat,lon';

export interface Reading {
  order: GpsOrder;
  orderConflict: boolean;
  radians: boolean;
}

const isFix = (lat: number | undefined, lon: number | undefined): boolean =>
  lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0);

export function decideReading(frames: readonly Frame[]): Reading {
  let lonFirst = 0;
  let latFirst = 0;
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLon = Infinity;
  let maxLon = -Infinity;
  let named = 0;
  for (const f of frames) {
    for (const t of [f.gps, f.home]) {
      const a = t?.values[0]?.num;
      const b = t?.values[1]?.num;
      if (a === undefined || b === undefined) continue;
      if (Math.abs(a) > 90) lonFirst++;
      if (Math.abs(b) > 90) latFirst++;
    }
    const lat = f.lat?.num;
    const lon = f.lon?.num;
    if (isFix(lat, lon)) {
      named++;
      minLat = Math.min(minLat, lat as number);
      maxLat = Math.max(maxLat, lat as number);
      minLon = Math.min(minLon, lon as number);
      maxLon = Math.max(maxLon, lon as number);
    }
  }
  const radians =
    named > 0 &&
    Math.max(Math.abs(minLat), Math.abs(maxLat)) <= Math.PI / 2 &&
    Math.max(Math.abs(minLon), Math.abs(maxLon)) <= Math.PI &&
    maxLat - minLat < 0.001 &&
    maxLon - minLon < 0.001;
  return {
    order: latFirst > 0 && lonFirst === 0 ? 'lat,lon' : 'lon,lat',
    orderConflict: latFirst > 0 && lonFirst > 0,
    radians,
  };
}

export { isFix };

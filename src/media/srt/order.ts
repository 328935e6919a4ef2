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

/** DJI's own reading: what a file is read as until its frames say otherwise. */
export const DJI_READING: Reading = { order: 'lon,lat', orderConflict: false, radians: false };

/** Whether frames read under `a` map as under `b` (a conflict only adds a warning). */
export const sameReading = (a: Reading, b: Reading): boolean =>
  a.order === b.order && a.radians === b.radians;

/** The evidence for the file-wide reading, gathered one frame at a time (no frame is held). */
export class ReadingEvidence {
  private lonFirst = 0;
  private latFirst = 0;
  private minLat = Infinity;
  private maxLat = -Infinity;
  private minLon = Infinity;
  private maxLon = -Infinity;
  private named = 0;

  add(f: Frame): void {
    for (const t of [f.gps, f.home]) {
      const a = t?.values[0]?.num;
      const b = t?.values[1]?.num;
      if (a === undefined || b === undefined) continue;
      if (Math.abs(a) > 90) this.lonFirst++;
      if (Math.abs(b) > 90) this.latFirst++;
    }
    const lat = f.lat?.num;
    const lon = f.lon?.num;
    if (isFix(lat, lon)) {
      this.named++;
      this.minLat = Math.min(this.minLat, lat as number);
      this.maxLat = Math.max(this.maxLat, lat as number);
      this.minLon = Math.min(this.minLon, lon as number);
      this.maxLon = Math.max(this.maxLon, lon as number);
    }
  }

  reading(): Reading {
    const radians =
      this.named > 0 &&
      Math.max(Math.abs(this.minLat), Math.abs(this.maxLat)) <= Math.PI / 2 &&
      Math.max(Math.abs(this.minLon), Math.abs(this.maxLon)) <= Math.PI &&
      this.maxLat - this.minLat < 0.001 &&
      this.maxLon - this.minLon < 0.001;
    return {
      order: this.latFirst > 0 && this.lonFirst === 0 ? 'lat,lon' : 'lon,lat',
      orderConflict: this.latFirst > 0 && this.lonFirst > 0,
      radians,
    };
  }
}

export { isFix };

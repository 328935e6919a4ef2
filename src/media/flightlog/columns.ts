/**
 * What each column of a flight-log CSV export carries, from its header alone. Covers the DJI
 * exports ExifTool geotags from ("Latitude","Longitude"), Phantom Help / DJI "CUSTOM.updateTime",
 * "OSD.latitude", "HOME.latitude", "RC.latitude", "APP.latitude", "OSD.height [ft]", and AirData
 * ("latitude", "altitude(feet)", "altitude_above_seaLevel(feet)").
 */
export type Role =
  | { kind: 'lat' | 'lon'; group: string; operator: boolean }
  | { kind: 'alt'; group: string; operator: boolean; toMetres: number }
  /**
   * A distance (AirData's distance(feet) is from the home point): beside the drone's positions it
   * gives the home point by trilateration, so it is the operator's location. Every distance
   * column is read so: a flight's total distance is lost to a policy that drops the operator.
   */
  | { kind: 'time' | 'attitude' | 'serial' | 'other' | 'distance' };

const OPERATOR_GROUPS = new Set(['home', 'rc', 'app', 'rc_gps', 'app_gps', 'mobile', 'pilot']);
const DRONE_GROUPS = new Set(['', 'osd', 'gps', 'aircraft', 'drone']);

export function roleOf(header: string): Role {
  const lower = header.toLowerCase();
  const toMetres = /\[ft\]|\(feet\)|\bfeet\b|\bft\b/.test(lower) ? 0.3048 : 1;
  const bare = lower.replace(/\[[^\]]*\]|\([^)]*\)/g, '').trim();
  const dot = bare.lastIndexOf('.');
  const group = dot < 0 ? '' : bare.slice(0, dot);
  const key = dot < 0 ? bare : bare.slice(dot + 1);
  const operator = OPERATOR_GROUPS.has(group);
  const known = operator || DRONE_GROUPS.has(group);
  if (known && (key === 'latitude' || key === 'lat')) return { kind: 'lat', group, operator };
  if (known && (key === 'longitude' || key === 'lon' || key === 'lng'))
    return { kind: 'lon', group, operator };
  // Only altitudes above sea level make a position; heights above the launch point are flight state.
  if (
    known &&
    /^(altitude_above_sealevel|altitude|alt)$/.test(key) &&
    (group !== '' || key.includes('sealevel'))
  ) {
    return { kind: 'alt', group, operator, toMetres };
  }
  if (/(^|[_.])sn$|sn$|serial/.test(key)) return { kind: 'serial' };
  if (/time|date/.test(key)) return { kind: 'time' };
  if (/distance/.test(key)) return { kind: 'distance' };
  if (/yaw|pitch|roll|speed|heading|compass|velocity|height|altitude/.test(key)) return { kind: 'attitude' };
  return { kind: 'other' };
}

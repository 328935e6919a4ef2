/**
 * What each column of a flight-log CSV export carries, from its header alone. Covers the DJI
 * exports ExifTool geotags from ("Latitude","Longitude"), Phantom Help / DJI "CUSTOM.updateTime",
 * "OSD.latitude", "HOME.latitude", "RC.latitude", "APP.latitude", "OSD.height [ft]",
 * "DETAILS.latitude" (the launch point), "RECOVER.aircraftName", "DETAILS.city", AirData
 * ("latitude", "altitude(feet)", "altitude_above_seaLevel(feet)", "home_latitude",
 * "Home Latitude", "pilot_lat", "Flyer", "user_email"), CsvView/DatCon ("GPS(0):Lat",
 * "IMU_ATTI(0):Longitude", "HOME:Latitude", "HP:Lat", "RC:Lon") and qualified headers such as
 * "Latitude (Home)" or "Longitude [RC]".
 *
 * A header is a group and a key: the group comes before the last '.' or ':' ("HOME.latitude",
 * "GPS(0):Lat"), or, for a coordinate, before or after it with '_' or a space ("home_latitude",
 * "Home Latitude", "latitude_home"), or in a bracket ("Latitude (Home)"). Brackets that hold a unit
 * ("(m)", "[ft]", "(m/s)", "[°]", "[local]") or an index ("GPS(0)") are dropped; any other bracket
 * names the group. A latitude or longitude whose group is neither the drone's (none, OSD, GPS,
 * IMU…) nor the operator's (HOME, RC, APP, takeoff, pilot, DETAILS…) is read as the
 * operator's: a position Airlock cannot place is never the drone's, and never "other" (which a
 * keep list could keep).
 */
export type Role =
  | { kind: 'lat' | 'lon'; group: string; operator: boolean }
  | { kind: 'alt'; group: string; operator: boolean; toMetres: number }
  /**
   * Text that names a device, a person or a place: reported once per distinct value (a log
   * repeats its aircraft's serial on every row).
   */
  | { kind: 'tally'; category: 'identity.device' | 'identity.person' | 'location.text' }
  /**
   * A distance (AirData's distance(feet) is from the home point): beside the drone's positions it
   * gives the home point by trilateration, so it is the operator's location. Every distance
   * column is read so: a flight's total distance is lost to a policy that drops the operator.
   */
  | { kind: 'time' | 'attitude' | 'other' | 'distance' };

/** Group words that name where the operator is (or was: the launch point, the home point). */
const OPERATOR_WORDS = new Set([
  'home',
  'hp',
  'homepoint',
  'rc',
  'app',
  'mobile',
  'phone',
  'tablet',
  'pilot',
  'flyer',
  'user',
  'operator',
  'takeoff',
  'launch',
  'details',
  'remote',
  'controller',
  'gcs',
  // An RTK base station stands beside the pilot; "RTK.latitude" alone does not say whose it is.
  'base',
  'station',
]);
/** Group words that name the aircraft's own position. */
const DRONE_WORDS = new Set(['osd', 'gps', 'aircraft', 'drone', 'uav', 'imu', 'atti', 'fc', 'flyc']);

const COORDINATE: Record<string, 'lat' | 'lon'> = {
  lat: 'lat',
  latitude: 'lat',
  lon: 'lon',
  lng: 'lon',
  long: 'lon',
  longitude: 'lon',
};

/** Bracketed qualifiers that are units, reference frames or time zones: they name no group. */
const UNITS = new Set(
  (
    'm ft feet meter meters metre metres km mi mile miles mm cm in s sec secs second seconds ms ' +
    'millisecond milliseconds us m/s km/h kmh kph mph kn kt knots ° °c °f c f k deg degree degrees ' +
    'deg/s °/s rad rad/s rpm v mv a ma mah wh w % hz utc local gmt z wgs84 wgs-84 wgs 84 dd ' +
    'decimal degrees msl amsl asl agl e7 raw'
  )
    .split(' ')
    .filter((u) => u !== ''),
);
/** Words after a coordinate key that qualify it without naming a group ("latitude_deg"). */
const UNIT_WORDS = new Set(['deg', 'degree', 'degrees', 'dd', 'e7', 'wgs84', 'decimal', 'raw']);

const words = (s: string): string[] => s.split(/[^a-z0-9]+/).filter((w) => w !== '');

type Side = 'drone' | 'operator' | 'unknown';
function sideOf(group: string[]): Side {
  if (group.length === 0) return 'drone';
  if (group.some((w) => OPERATOR_WORDS.has(w))) return 'operator';
  return group.every((w) => DRONE_WORDS.has(w) || /^\d+$/.test(w)) ? 'drone' : 'unknown';
}

/**
 * A coordinate key alone ("lat", "Long"), or with its group before or after it ("home_latitude",
 * "Home Latitude", "latitude_home", "homeLat"). The whole words latitude and longitude are
 * coordinates whatever the words beside them; the short lat, lon and lng only beside a group
 * word Airlock knows ("pilot_lat", not "accel_lat"), and long only alone ("GPS(0):Long").
 */
function coordinateOf(key: string, rawKey: string): { kind: 'lat' | 'lon'; extra: string[] } | undefined {
  const ws = words(key);
  const only = ws.length === 1 ? COORDINATE[ws[0] as string] : undefined;
  if (only) return { kind: only, extra: [] };
  const pick = (word: string, extra: string[]) => {
    const kind = word === 'long' ? undefined : COORDINATE[word];
    if (!kind || extra.length === 0) return undefined;
    const full = word === 'latitude' || word === 'longitude';
    return full || sideOf(extra) !== 'unknown' ? { kind, extra } : undefined;
  };
  const rest = ws.slice(1).filter((w) => !UNIT_WORDS.has(w));
  const plain = ws[0] === 'long' ? undefined : COORDINATE[ws[0] ?? ''];
  // "latitude_deg": a unit after the key.
  if (plain && rest.length === 0) return { kind: plain, extra: [] };
  const found = pick(ws[ws.length - 1] ?? '', ws.slice(0, -1)) ?? pick(ws[0] ?? '', rest);
  if (found) return found;
  // camelCase: "homeLatitude", "pilotLon" (a capital marks the word: "flat" is no latitude).
  const camel = /^([A-Za-z0-9]*[a-z0-9])(Latitude|Longitude|Lat|Lng|Lon)$/.exec(rawKey.trim());
  return camel
    ? pick((camel[2] as string).toLowerCase(), words((camel[1] as string).toLowerCase()))
    : undefined;
}

export function roleOf(header: string): Role {
  const lower = header.toLowerCase();
  const toMetres = /\[ft\]|\(feet\)|\bfeet\b|\bft\b/.test(lower) ? 0.3048 : 1;
  // Brackets: an index or a unit is dropped, anything else names the group.
  const qualifiers: string[] = [];
  let aboveSeaLevel = false;
  const strip = (s: string): string =>
    s.replace(/\[([^\]]*)\]|\(([^)]*)\)/g, (_m, a: string | undefined, b: string | undefined) => {
      const q = (a ?? b ?? '').trim().toLowerCase();
      if (/^a?msl$|^asl$/.test(q)) aboveSeaLevel = true;
      else if (!/^\d*$/.test(q) && !UNITS.has(q)) qualifiers.push(...words(q));
      return '';
    });
  const bareRaw = strip(header).trim();
  const bare = bareRaw.toLowerCase();
  const sep = Math.max(bare.lastIndexOf('.'), bare.lastIndexOf(':'));
  const dotGroup = sep < 0 ? [] : words(bare.slice(0, sep));
  const key = (sep < 0 ? bare : bare.slice(sep + 1)).trim();
  const rawKey = sep < 0 ? bareRaw : bareRaw.slice(sep + 1);
  /** The key with spaces and punctuation as '_': "Aircraft Name" → "aircraft_name". */
  const k = words(key).join('_');

  const coordinate = coordinateOf(key, rawKey);
  if (coordinate) {
    const group = [...dotGroup, ...qualifiers, ...coordinate.extra];
    // A position no group places is read as the operator's: fail closed.
    const operator = sideOf(group) !== 'drone';
    return { kind: coordinate.kind, group: group.join('_'), operator };
  }

  const group = [...dotGroup, ...qualifiers];
  const side = sideOf(group);
  // Only altitudes above sea level make a drone position; heights above the launch point are
  // flight state. The operator's height (HOME.height) is the operator's.
  if (side !== 'unknown') {
    const msl = aboveSeaLevel || /sealevel|msl/.test(k);
    const altKey =
      /^(altitude_above_sealevel|altitude|alt|height_?msl|altitude_?msl|alt_?msl|msl_?alt(itude)?)$/.test(k);
    if (side === 'operator' && (altKey || /^(height|elevation)$/.test(k)))
      return { kind: 'alt', group: group.join('_'), operator: true, toMetres };
    if (altKey && (group.length > 0 || msl))
      return { kind: 'alt', group: group.join('_'), operator: false, toMetres };
  }
  // "home_altitude", "pilot_height": the group before the key.
  const ws = words(key);
  if (ws.length > 1 && /^(altitude|alt|height|elevation)$/.test(ws[ws.length - 1] as string)) {
    const before = [...group, ...ws.slice(0, -1)];
    if (sideOf(before) === 'operator')
      return { kind: 'alt', group: before.join('_'), operator: true, toMetres };
  }

  if (/(^|[_.])sn$|sn$|serial/.test(key)) return { kind: 'tally', category: 'identity.device' };
  if (/(aircraft|drone|uav|device|camera|battery|rc)_?(nick)?name$/.test(k))
    return { kind: 'tally', category: 'identity.device' };
  if (
    /(^|_)(e_?mail(_?address)?|flyer|pilot(_?name)?|user(_?name|_?id)?|username|owner(_?name)?|account(_?name|_?id)?|author|creator)(_|$)/.test(
      k,
    ) ||
    k === 'operator' ||
    k === 'operator_name'
  )
    return { kind: 'tally', category: 'identity.person' };
  if (
    /^(sub_?street|street|city|area|country|state|province|region|district|address|place(_?name)?|location(_?name)?|locality|town|county|postcode|zip(_?code)?)$/.test(
      k,
    )
  )
    return { kind: 'tally', category: 'location.text' };
  if (/time|date/.test(key)) return { kind: 'time' };
  if (/distance/.test(key)) return { kind: 'distance' };
  if (/yaw|pitch|roll|speed|heading|compass|velocity|height|altitude/.test(key)) return { kind: 'attitude' };
  return { kind: 'other' };
}

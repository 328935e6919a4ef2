/**
 * The one findings model every analyser reports into (DESIGN.md, "One findings model").
 * Inspect prints findings, scrub turns them into edits, the dashboard lists them.
 */

/** What a datum reveals. Scrub's policy controls map onto these one to one. */
export const CATEGORIES = [
  'location.drone', // where the aircraft was
  'location.operator', // launch point / home / RC / app position: where the pilot stood
  'location.target', // what was photographed (laser range finder target)
  'location.text', // place names: City, Sub-location, State, Country…
  'infrastructure', // the organisation's own systems, e.g. the RTK caster (NTRIP host/port/mount)
  'identity.device', // device-unique: serials, ImageUniqueID, CaptureUUID, SensorID
  'identity.person', // people: Artist, Copyright, OwnerName, creator, By-line
  'camera.model', // Make/Model/Software: identifies no one, photogrammetry needs it
  'camera.calibration', // DewarpData, CalibratedFocalLength…: photogrammetry needs it
  'time', // capture and GPS times
  'attitude', // gimbal/flight yaw-pitch-roll, speeds
  'imagery.embedded', // thumbnails, MPF previews, other pictures of the scene
  'imagery.thermal', // radiometric thermal data (DJI APP3–APP5, FLIR RawThermalImage)
  'face', // a person's face in the picture itself (found by the detector, src/faces/)
  'display', // what the picture needs to display correctly: ICC, orientation, JFIF/Adobe
  'opaque', // a vendor block Airlock cannot decode: an identity risk, never ignored
  'other', // every other metadata block or tag, named with its size
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What the policy will do with a finding. */
export type Action = 'keep' | 'drop' | 'coarsen' | 'date-only' | 'withhold' | 'mask';

/** A decoded position. Degrees are signed (south and west negative); altitude in metres. */
export interface Position {
  lat: number;
  lon: number;
  alt?: number;
}

export type Value =
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number; unit?: string }
  | { kind: 'position'; position: Position }
  | { kind: 'time'; text: string }
  /** A block of bytes (a thumbnail, a vendor block): its size, and what it looks like. */
  | { kind: 'block'; size: number; mime?: string; width?: number; height?: number; note?: string }
  /** A rectangle of the picture, in pixels as stored, and the detector's confidence (0..1). */
  | { kind: 'region'; x: number; y: number; width: number; height: number; score: number };

/** A byte range in the file that carries the datum. */
export interface Range {
  offset: number;
  length: number;
}

export interface Finding {
  category: Category;
  /** Native name, as ExifTool users know it where one exists: 'GPSLatitude', 'drone-dji:GpsLatitude'. */
  tag: string;
  /** Container path, outermost first, e.g. ['APP1 Exif', 'IFD0', 'ExifIFD', 'MakerNote(DJI)']. */
  path: string[];
  /** The bytes that carry it (a position spans its latitude, longitude and reference tags). */
  ranges: Range[];
  value: Value;
  /** Frame or record number inside a sequence (SRT frame, flight-log row), 1-based. */
  frame?: number;
  /** Filled in by the policy: what inspect says scrub will do. */
  action?: Action;
  /** Why the policy chose that action, when it is not just the category's default. */
  actionReason?: string;
}

/** A recoverable oddity: a stable name, where, and detail (Zeek's weird.log, not a string). */
export interface Warning {
  name: string;
  offset?: number;
  detail: string;
}

/** Path separator used when a container path is printed. */
export const PATH_SEP = ' › ';
export const formatPath = (path: readonly string[]): string => path.join(PATH_SEP);

/**
 * formatPath for a run of findings: a reader gives all the findings of one IFD or packet the same
 * path array, so each array is joined once, not once per finding (an SRT holds 500,000).
 */
export function pathFormatter(): (path: readonly string[]) => string {
  let last: readonly string[] | undefined;
  let text = '';
  return (path) => {
    if (path !== last) {
      last = path;
      text = formatPath(path);
    }
    return text;
  };
}

/** The categories that make a file "sensitive" for exit code 1. Display data is not sensitive. */
export const isSensitive = (c: Category): boolean => c !== 'display';

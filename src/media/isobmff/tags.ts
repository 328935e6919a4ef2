/**
 * What QuickTime/MP4 metadata items reveal, by their native name, with the names ExifTool users
 * know them by (its QuickTime UserData, ItemList and Keys tables). An item not listed here is
 * still reported: as 'other' text, or 'opaque' when Airlock cannot say what its bytes are.
 */
import type { Category } from '../../findings/model.js';

export interface TagInfo {
  name: string;
  category: Category;
}

const t = (name: string, category: Category): TagInfo => ({ name, category });

/** moov › udta children ('©' items are Mac-Roman-prefixed four-character codes). */
export const USER_DATA: Record<string, TagInfo> = {
  '©xyz': t('GPSCoordinates', 'location.drone'),
  '©day': t('ContentCreateDate', 'time'),
  '©mak': t('Make', 'camera.model'),
  '©mod': t('Model', 'camera.model'),
  // DJI writes the camera model here without the item header other '©' items have.
  '©mdl': t('Model', 'camera.model'),
  '©swr': t('SoftwareVersion', 'camera.model'),
  '©too': t('Encoder', 'camera.model'),
  '©ART': t('Artist', 'identity.person'),
  '©aut': t('Author', 'identity.person'),
  '©cpy': t('Copyright', 'identity.person'),
  '©prd': t('Producer', 'identity.person'),
  '©dir': t('Director', 'identity.person'),
  '©wrt': t('Composer', 'identity.person'),
  '©com': t('Composer', 'identity.person'),
  '©prf': t('Performers', 'identity.person'),
  '©src': t('Source', 'identity.person'),
  '©hst': t('HostComputer', 'identity.device'),
  '©uid': t('UserData_uid', 'identity.device'),
  '©enc': t('EncoderID', 'identity.device'),
  // DJI Phantom flight state.
  '©xsp': t('SpeedX', 'attitude'),
  '©ysp': t('SpeedY', 'attitude'),
  '©zsp': t('SpeedZ', 'attitude'),
  '©fpt': t('Pitch', 'attitude'),
  '©fyw': t('Yaw', 'attitude'),
  '©frl': t('Roll', 'attitude'),
  '©gpt': t('CameraPitch', 'attitude'),
  '©gyw': t('CameraYaw', 'attitude'),
  '©grl': t('CameraRoll', 'attitude'),
  '©nam': t('Title', 'other'),
  '©alb': t('Album', 'other'),
  '©cmt': t('Comment', 'other'),
  '©des': t('Description', 'other'),
  '©gen': t('Genre', 'other'),
  '©fmt': t('Format', 'other'),
  '©inf': t('Information', 'other'),
  name: t('Name', 'other'),
  SNum: t('SerialNumber', 'identity.device'),
  slno: t('SerialNumber', 'identity.device'),
  // 3GPP (TS 26.244) user data: full boxes with a language and a string.
  titl: t('Title', 'other'),
  dscp: t('Description', 'other'),
  cprt: t('Copyright', 'identity.person'),
  perf: t('Performer', 'identity.person'),
  auth: t('Author', 'identity.person'),
  gnre: t('Genre', 'other'),
  albm: t('Album', 'other'),
  kywd: t('Keywords', 'other'),
  yrrc: t('Year', 'time'),
  loci: t('LocationInformation', 'location.drone'),
  thmb: t('ThumbnailImage', 'imagery.embedded'),
  CNTH: t('ThumbnailImage', 'imagery.embedded'),
};

/** meta (handler 'mdir') › ilst items, iTunes style. */
export const ITEM_LIST: Record<string, TagInfo> = {
  '©xyz': t('GPSCoordinates', 'location.drone'),
  '©nam': t('Title', 'other'),
  '©ART': t('Artist', 'identity.person'),
  aART: t('AlbumArtist', 'identity.person'),
  '©alb': t('Album', 'other'),
  '©wrt': t('Composer', 'identity.person'),
  '©grp': t('Grouping', 'other'),
  '©gen': t('Genre', 'other'),
  gnre: t('Genre', 'other'),
  trkn: t('TrackNumber', 'other'),
  disk: t('DiskNumber', 'other'),
  '©day': t('ContentCreateDate', 'time'),
  '©cmt': t('Comment', 'other'),
  '©des': t('Description', 'other'),
  desc: t('Description', 'other'),
  tmpo: t('BeatsPerMinute', 'other'),
  '©lyr': t('Lyrics', 'other'),
  covr: t('CoverArt', 'imagery.embedded'),
  '©too': t('Encoder', 'camera.model'),
  cprt: t('Copyright', 'identity.person'),
  '©mak': t('Make', 'camera.model'),
  '©mod': t('Model', 'camera.model'),
};

/**
 * meta (handler 'mdta') keys, by the part after 'com.apple.quicktime.' (Apple's, also written by
 * Android and drones); any other key is reported under its own name.
 */
const KEYS: Record<string, TagInfo> = {
  'location.ISO6709': t('GPSCoordinates', 'location.drone'),
  'location.name': t('LocationName', 'location.text'),
  'location.body': t('LocationBody', 'location.text'),
  'location.note': t('LocationNote', 'location.text'),
  'location.role': t('LocationRole', 'other'),
  'location.date': t('LocationDate', 'time'),
  'location.accuracy.horizontal': t('LocationAccuracyHorizontal', 'location.drone'),
  make: t('Make', 'camera.model'),
  model: t('Model', 'camera.model'),
  software: t('Software', 'camera.model'),
  creationdate: t('CreationDate', 'time'),
  author: t('Author', 'identity.person'),
  artist: t('Artist', 'identity.person'),
  copyright: t('Copyright', 'identity.person'),
  displayname: t('DisplayName', 'identity.person'),
  'content.identifier': t('ContentIdentifier', 'identity.device'),
};

const APPLE = 'com.apple.quicktime.';

export function keyInfo(key: string): TagInfo {
  const short = key.startsWith(APPLE) ? key.slice(APPLE.length) : undefined;
  const known = short === undefined ? undefined : KEYS[short];
  if (known) return known;
  const name = (short ?? key)
    .split(/[.\s_-]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  const lower = key.toLowerCase();
  if (/serial|uuid|identifier|\bdevice\b/.test(lower)) return t(name, 'identity.device');
  if (/latitude|longitude|location|gps/.test(lower)) return t(name, 'location.drone');
  return t(name || key, 'other');
}

/** Timed-metadata sample formats known to carry positions or identity (never decoded yet). */
export const TELEMETRY_FORMATS: Record<string, string> = {
  djmd: 'DJI per-frame telemetry (GPS, attitude, camera serial)',
  dbgi: 'DJI debug data',
  gpmd: 'GoPro GPMF telemetry (GPS, IMU)',
  camm: 'camera motion metadata (may hold GPS)',
  mebx: 'timed metadata (may hold location)',
  rtmd: 'Sony real-time metadata (may hold GPS)',
  mett: 'text timed metadata',
};

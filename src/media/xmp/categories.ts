/**
 * What each XMP property reveals. Keyed by 'prefix:LocalName' (conventional prefix, see
 * namespaces.ts); struct fields are flattened ExifTool-style ('Iptc4xmpExt:LocationShownCity').
 * Positions are combined separately (positions.ts); this table says what single properties are.
 */
import type { Category } from '../../findings/model.js';

const EXACT: Record<string, Category> = {
  'drone-dji:AbsoluteAltitude': 'location.drone',
  'drone-dji:RelativeAltitude': 'location.drone',
  'drone-dji:GpsLatitude': 'location.drone',
  'drone-dji:GpsLongitude': 'location.drone',
  'drone-dji:GpsLongtitude': 'location.drone',
  'drone-dji:LRFTargetLat': 'location.target',
  'drone-dji:LRFTargetLon': 'location.target',
  'drone-dji:LRFTargetAlt': 'location.target',
  'drone-dji:LRFTargetAbsAlt': 'location.target',
  'drone-dji:LRFTargetDistance': 'location.target',
  'drone-dji:Make': 'camera.model',
  'drone-dji:Model': 'camera.model',
  'drone-dji:DroneModel': 'camera.model',
  'drone-dji:CameraModel': 'camera.model',
  'exif:GPSLatitude': 'location.drone',
  'exif:GPSLongitude': 'location.drone',
  'exif:GPSAltitude': 'location.drone',
  'exif:GPSAltitudeRef': 'location.drone',
  'exif:GPSDestLatitude': 'location.target',
  'exif:GPSDestLongitude': 'location.target',
  'exif:GPSAreaInformation': 'location.text',
  'exif:GPSTimeStamp': 'time',
  'exif:GPSImgDirection': 'attitude',
  'exif:GPSTrack': 'attitude',
  'exif:GPSSpeed': 'attitude',
  'exif:DateTimeOriginal': 'time',
  'exif:DateTimeDigitized': 'time',
  'exif:ImageUniqueID': 'identity.device',
  'exif:CameraOwnerName': 'identity.person',
  'exifEX:BodySerialNumber': 'identity.device',
  'exifEX:LensSerialNumber': 'identity.device',
  'exifEX:ImageUniqueID': 'identity.device',
  'exifEX:CameraOwnerName': 'identity.person',
  'exifEX:LensModel': 'camera.model',
  'tiff:Make': 'camera.model',
  'tiff:Model': 'camera.model',
  'tiff:Software': 'camera.model',
  'tiff:Artist': 'identity.person',
  'tiff:Copyright': 'identity.person',
  'tiff:DateTime': 'time',
  'xmp:CreateDate': 'time',
  'xmp:ModifyDate': 'time',
  'xmp:MetadataDate': 'time',
  'xmp:CreatorTool': 'camera.model',
  'xmp:Author': 'identity.person',
  'xmpRights:Owner': 'identity.person',
  'dc:creator': 'identity.person',
  'dc:rights': 'identity.person',
  'dc:contributor': 'identity.person',
  'dc:publisher': 'identity.person',
  'dc:date': 'time',
  'photoshop:City': 'location.text',
  'photoshop:State': 'location.text',
  'photoshop:Country': 'location.text',
  'photoshop:Credit': 'identity.person',
  'photoshop:AuthorsPosition': 'identity.person',
  'photoshop:CaptionWriter': 'identity.person',
  'photoshop:DateCreated': 'time',
  'Iptc4xmpCore:Location': 'location.text',
  'Iptc4xmpCore:CountryCode': 'location.text',
  'aux:SerialNumber': 'identity.device',
  'aux:LensSerialNumber': 'identity.device',
  'aux:Lens': 'camera.model',
  'aux:OwnerName': 'identity.person',
  'xmpNote:HasExtendedXMP': 'other',
};

/** Categories decided by a pattern over the flattened tag, tried in order. */
const PATTERNS: [RegExp, Category][] = [
  [/^drone-dji:NTRIP/, 'infrastructure'],
  [/^drone-dji:.*(SerialNumber|UUID|SensorID|DeviceID)/i, 'identity.device'],
  [/^drone-dji:(Gimbal|Flight).*(Yaw|Pitch|Roll|Speed)|^drone-dji:Flight[XYZ]Speed/, 'attitude'],
  [/^drone-dji:(Dewarp|Calibrat|Vignetting)|OpticalCenter/, 'camera.calibration'],
  [/^drone-dji:.*(UTC|Time|Date)/, 'time'],
  [/^xmpMM:.*(DocumentID|InstanceID)/, 'identity.device'],
  [
    /^Iptc4xmpExt:Location(Shown|Created)(City|CountryName|CountryCode|ProvinceState|Sublocation|WorldRegion|LocationName)/,
    'location.text',
  ],
  [/^Iptc4xmpExt:Location(Shown|Created)GPS/, 'location.target'],
  [/^Iptc4xmpCore:CreatorContactInfo/, 'identity.person'],
  // Any namespace's serial or unique id is the device's (Pix4D's Camera:SerialNumber, Parrot's,
  // Skydio's, Autel's, MicrosoftPhoto:CameraSerialNumber), before Camera: reads as calibration,
  // which the mapping profile keeps (QA).
  [/:[A-Za-z]*(SerialNumber|SerialNo|UUID|SensorID|DeviceID)$/i, 'identity.device'],
  // The home point, the take-off point, the remote or the pilot: where the operator stood, in any
  // drone maker's namespace (DJI's HomeLatitude, Skydio's, Parrot's TakeoffLatitude).
  [
    /:(Home|Takeoff|TakeOff|RC|Pilot|Operator)[A-Za-z]*(Latitude|Longitude|Altitude|Lat|Lon)$/,
    'location.operator',
  ],
  // Other drone makers' own coordinates: the aircraft's (a lone coordinate goes under coarsen).
  [/^(drone-[a-z]+|autel):[A-Za-z]*(Latitude|Longitude|Altitude)$/, 'location.drone'],
  [/^Camera:/, 'camera.calibration'],
  [/^GPano:/, 'other'],
];

/** Answers already worked out: the same tags recur in every file of a run, the patterns cost. */
const known = new Map<string, Category>();
/** Bounds the memo: a hostile packet may name any number of distinct properties. */
const MAX_KNOWN = 4096;

export function categoryOf(tag: string): Category {
  const exact = EXACT[tag];
  if (exact) return exact;
  let cat = known.get(tag);
  if (cat !== undefined) return cat;
  cat = 'other';
  for (const [re, c] of PATTERNS) {
    if (re.test(tag)) {
      cat = c;
      break;
    }
  }
  if (known.size < MAX_KNOWN) known.set(tag, cat);
  return cat;
}

/** Units for properties reported as numbers. */
export const NUMBER_UNITS: Record<string, string> = {
  'drone-dji:AbsoluteAltitude': 'm',
  'drone-dji:RelativeAltitude': 'm',
  'drone-dji:LRFTargetAlt': 'm',
  'drone-dji:LRFTargetAbsAlt': 'm',
  'drone-dji:LRFTargetDistance': 'm',
};

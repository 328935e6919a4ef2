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

/**
 * Pix4D's Camera namespace (http://pix4d.com/camera/1.0/), as Pix4D specifies it ("Specifications
 * of XMP Camera tags", "Exif/Xmp tags for radiometric correction") and ExifTool's pix4d.config
 * lists it, and as MicaSense cameras write it. An allowlist: any other name in this namespace is
 * no calibration (QA: Camera:SN, OwnerName, OperatorEmail, LaunchLatitude and a Controller struct
 * read as calibration, which the mapping profile keeps).
 */
const PIX4D_CAMERA: Record<string, Category> = {
  // Interior orientation and the rig.
  ModelType: 'camera.calibration',
  PrincipalPoint: 'camera.calibration',
  PerspectiveFocalLength: 'camera.calibration',
  PerspectiveFocalLengthUnits: 'camera.calibration',
  PerspectiveDistortion: 'camera.calibration',
  FisheyeAffineMatrix: 'camera.calibration',
  FisheyeAffineSymmetric: 'camera.calibration',
  FisheyePolynomial: 'camera.calibration',
  RigName: 'camera.calibration',
  RigCameraIndex: 'camera.calibration',
  RigRelatives: 'camera.calibration',
  RigRelativesReferenceFrame: 'camera.calibration',
  // Radiometric correction.
  BandName: 'camera.calibration',
  CentralWavelength: 'camera.calibration',
  CentralWaveLength: 'camera.calibration',
  WavelengthFWHM: 'camera.calibration',
  BlackCurrent: 'camera.calibration',
  BlackLevel: 'camera.calibration',
  BandSensitivity: 'camera.calibration',
  ColorTransform: 'camera.calibration',
  IsNormalized: 'camera.calibration',
  InvalidPixel: 'camera.calibration',
  VignettingCenter: 'camera.calibration',
  VignettingPolynomial: 'camera.calibration',
  VignettingPolynomial2DName: 'camera.calibration',
  VignettingPolynomial2D: 'camera.calibration',
  SensorBitDepth: 'camera.calibration',
  SensorTemperature: 'camera.calibration',
  TransformAlpha: 'camera.calibration',
  TransformBeta: 'camera.calibration',
  TransformGamma: 'camera.calibration',
  // Radiometric calibration target.
  Albedo: 'camera.calibration',
  ReflectArea: 'camera.calibration',
  CalibrationPicture: 'camera.calibration',
  // The sun sensor: irradiance, and the sensor's own orientation.
  Irradiance: 'camera.calibration',
  IrradianceExposureTime: 'camera.calibration',
  IrradianceGain: 'camera.calibration',
  IrradianceYaw: 'camera.calibration',
  IrradiancePitch: 'camera.calibration',
  IrradianceRoll: 'camera.calibration',
  IrradianceRelativeRotation: 'camera.calibration',
  SunSensor: 'camera.calibration',
  SunSensorExposureTime: 'camera.calibration',
  SunSensorSensitivity: 'camera.calibration',
  SunSensorYaw: 'camera.calibration',
  SunSensorPitch: 'camera.calibration',
  SunSensorRoll: 'camera.calibration',
  SunSensorRelativeRotation: 'camera.calibration',
  // Accuracy of the position and orientation, the rolling shutter and the IMU's timing.
  GPSXYAccuracy: 'camera.calibration',
  GPSZAccuracy: 'camera.calibration',
  IMUPitchAccuracy: 'camera.calibration',
  IMURollAccuracy: 'camera.calibration',
  IMUYawAccuracy: 'camera.calibration',
  LineReadoutTime: 'camera.calibration',
  IMUFrequency: 'camera.calibration',
  IMUSampleSize: 'camera.calibration',
  IMUTimeOffset: 'camera.calibration',
  NominalCameraDistance: 'camera.calibration',
  // The camera's orientation and motion.
  Yaw: 'attitude',
  Pitch: 'attitude',
  Roll: 'attitude',
  GyroRate: 'attitude',
  IMULinearVelocity: 'attitude',
  IMUAngularVelocity: 'attitude',
  // The aircraft's height above ground: kept under mapping, dropped under coarsen (no grid value).
  AboveGroundAltitude: 'location.drone',
  // Unique per capture, per flight, per image.
  CaptureUUID: 'identity.device',
  FlightUUID: 'identity.device',
  UID: 'identity.device',
};
for (const [name, cat] of Object.entries(PIX4D_CAMERA)) EXACT[`Camera:${name}`] = cat;

/**
 * A property's local name as lower-case words: camelCase, digits-to-capitals, '_', '-' and '.'
 * split ('RemoteControllerLatitude' → remote controller latitude, 'RCLat' → rc lat,
 * 'BatterySN' → battery sn, 'Take-offAltitude' → take off altitude).
 */
const wordsOf = (local: string): string[] =>
  local
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z\d]+/)
    .filter((w) => w !== '');

/** Where the operator is: home, take-off or launch point, remote, pilot, base or ground station. */
const OPERATOR_RUN = /home|takeoff|launch|remote|controller|pilot|operator|basestation|groundstation/;
const OPERATOR_WORDS = new Set(['rc', 'gcs', 'dock']);
/** A coordinate, a point or an altitude. */
const COORD_RUN = /latitude|longitude|longtitude|altitude|elevation|position|location|coordinate|gps/;
const COORD_WORDS = new Set([
  'lat',
  'lon',
  'lng',
  'long',
  'alt',
  'pos',
  'loc',
  'point',
  'coord',
  'coords',
  'height',
  'distance',
  'dist',
  'x',
  'y',
  'z',
]);
/** Device-unique: serials, UUIDs, device and sensor ids, IMEI. */
const DEVICE_RUN = /serial|uuid|deviceid|sensorid|imei/;
const DEVICE_WORDS = new Set(['sn', 'guid']);
/** People: their name, e-mail, account or phone; the owner, pilot or operator named alone. */
const PERSON_RUN =
  /email|mailaddress|account|telephone|phonenumber|phoneno|(owner|pilot|operator|user|author|creator|artist|person|contact|customer)(name|nick|phone|tel|id)/;
const PERSON_ALONE = new Set([
  'owner',
  'pilot',
  'operator',
  'user',
  'username',
  'author',
  'creator',
  'artist',
]);

/**
 * What a property's name says about it in any namespace, before any namespace's own rules (a
 * struct field flattens into its parent's name: 'Camera:Controller' + 'Latitude'). Undefined when
 * the name says nothing sensitive.
 */
function byName(tag: string): Category | undefined {
  const words = wordsOf(tag.slice(tag.indexOf(':') + 1));
  const run = words.join('');
  const anyWord = (set: Set<string>): boolean => words.some((w) => set.has(w));
  const operator = OPERATOR_RUN.test(run) || anyWord(OPERATOR_WORDS);
  if (operator && (COORD_RUN.test(run) || anyWord(COORD_WORDS))) return 'location.operator';
  if (DEVICE_RUN.test(run) || anyWord(DEVICE_WORDS)) return 'identity.device';
  if (PERSON_RUN.test(run) || (words.length === 1 && PERSON_ALONE.has(run))) return 'identity.person';
  return undefined;
}

/** Categories decided by a pattern over the flattened tag, tried in order after byName. */
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
  // Other drone makers' coordinates of the aircraft itself (a lone coordinate goes under coarsen).
  // Only names that say so: another point (a waypoint, a target) is not the drone's, and would
  // keep its exact value under the mapping profile (QA).
  [
    /^(drone-[a-z]+|autel):(Gps|GPS|Drone|Aircraft|Uav|UAV|Absolute|Relative)?(Latitude|Longitude|Longtitude|Altitude)$/,
    'location.drone',
  ],
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
  cat = byName(tag) ?? PATTERNS.find(([re]) => re.test(tag))?.[1] ?? 'other';
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

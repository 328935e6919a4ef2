/**
 * Native tag names (ExifTool's, from its Exif.pm/GPS.pm tables) and what each reveals.
 * Tags not listed are still reported, as 'Tag0xNNNN' in category 'other'.
 */
import type { Category } from '../../findings/model.js';

/** How a value is shown: text, a time, a UCS-2 Windows XP string, a charset-prefixed comment, a block, a version, hex digits. */
export type Shape = 'auto' | 'time' | 'ucs2' | 'comment' | 'block' | 'version' | 'hex';

export interface TagInfo {
  name: string;
  category: Category;
  shape?: Shape;
  /**
   * A display tag of fixed size: the most values its specification gives it (TIFF 6, Exif 2.3,
   * DNG 1.6). More is no display data, and the entry is reported as other (exif.ts placedTag):
   * six rationals under XResolution are a position, not a resolution.
   */
  maxCount?: number;
}

export const tagInfo = (name: string, category: Category, shape?: Shape): TagInfo =>
  shape ? { name, category, shape } : { name, category };
const t = tagInfo;
/** A display tag of at most `maxCount` values. */
const fixed = (name: string, maxCount: number, shape?: Shape): TagInfo => ({
  ...tagInfo(name, 'display', shape),
  maxCount,
});

/**
 * IFD0/IFD1/SubIFD/ExifIFD/InteropIFD share one numbering. 'display' also covers what the format
 * needs to stay valid or decodable (ExifVersion, GPSVersionID, a DNG's CFA and black levels): the
 * policy always keeps it, so a scrubbed file still opens and validates.
 */
export const EXIF_TAGS: ReadonlyMap<number, TagInfo> = new Map<number, TagInfo>([
  [0x0001, fixed('InteropIndex', 4)],
  [0x0002, fixed('InteropVersion', 4, 'version')],
  [0x000b, t('ProcessingSoftware', 'camera.model')],
  [0x00fe, fixed('SubfileType', 1)],
  [0x00ff, t('OldSubfileType', 'other')],
  [0x0100, fixed('ImageWidth', 1)],
  [0x0101, fixed('ImageHeight', 1)],
  [0x0102, fixed('BitsPerSample', 16)], // one per sample
  [0x0103, fixed('Compression', 1)],
  [0x0106, fixed('PhotometricInterpretation', 1)],
  [0x0107, fixed('Thresholding', 1)],
  [0x010a, fixed('FillOrder', 1)],
  [0x010d, t('DocumentName', 'other')],
  [0x010e, t('ImageDescription', 'other')],
  [0x010f, t('Make', 'camera.model')],
  [0x0110, t('Model', 'camera.model')],
  [0x0111, t('StripOffsets', 'display')],
  [0x0112, fixed('Orientation', 1)],
  [0x0115, fixed('SamplesPerPixel', 1)],
  [0x0116, fixed('RowsPerStrip', 1)],
  [0x0117, t('StripByteCounts', 'display')],
  [0x011a, fixed('XResolution', 1)],
  [0x011b, fixed('YResolution', 1)],
  [0x011c, fixed('PlanarConfiguration', 1)],
  [0x011d, t('PageName', 'other')],
  [0x0128, fixed('ResolutionUnit', 1)],
  [0x0129, t('PageNumber', 'other')],
  [0x012d, t('TransferFunction', 'display', 'block')],
  [0x0131, t('Software', 'camera.model')],
  [0x0132, t('ModifyDate', 'time', 'time')],
  [0x013b, t('Artist', 'identity.person')],
  [0x013c, t('HostComputer', 'identity.device')],
  [0x013d, fixed('Predictor', 1)],
  [0x013e, fixed('WhitePoint', 2)],
  [0x013f, fixed('PrimaryChromaticities', 6)],
  [0x0140, t('ColorMap', 'display', 'block')],
  [0x0142, fixed('TileWidth', 1)],
  [0x0143, fixed('TileLength', 1)],
  [0x0144, t('TileOffsets', 'display')],
  [0x0145, t('TileByteCounts', 'display')],
  [0x014a, t('SubIFD', 'other')],
  [0x0152, fixed('ExtraSamples', 16)], // one per sample
  [0x015b, t('JPEGTables', 'display', 'block')],
  [0x0153, fixed('SampleFormat', 16)], // one per sample
  [0x0201, t('ThumbnailOffset', 'imagery.embedded')],
  [0x0202, t('ThumbnailLength', 'imagery.embedded')],
  [0x0211, fixed('YCbCrCoefficients', 3)],
  [0x0212, fixed('YCbCrSubSampling', 2)],
  [0x0213, fixed('YCbCrPositioning', 1)],
  [0x0214, fixed('ReferenceBlackWhite', 6)],
  [0x02bc, t('ApplicationNotes', 'other', 'block')],
  [0x4746, t('Rating', 'other')],
  [0x4749, t('RatingPercent', 'other')],
  [0x828d, fixed('CFARepeatPatternDim', 2)],
  [0x828e, t('CFAPattern2', 'display')],
  [0x8298, t('Copyright', 'identity.person')],
  [0x829a, t('ExposureTime', 'other')],
  [0x829d, t('FNumber', 'other')],
  [0x83bb, t('IPTC-NAA', 'other', 'block')],
  [0x8649, t('PhotoshopSettings', 'other', 'block')],
  [0x8769, t('ExifOffset', 'other')],
  [0x8773, t('ICC_Profile', 'display', 'block')],
  [0x8822, t('ExposureProgram', 'other')],
  [0x8824, t('SpectralSensitivity', 'other')],
  [0x8825, t('GPSInfo', 'other')],
  [0x8827, t('ISO', 'other')],
  [0x8828, t('Opto-ElectricConvFactor', 'other', 'block')],
  [0x8830, t('SensitivityType', 'other')],
  [0x8831, t('StandardOutputSensitivity', 'other')],
  [0x8832, t('RecommendedExposureIndex', 'other')],
  [0x8833, t('ISOSpeed', 'other')],
  [0x9000, fixed('ExifVersion', 4, 'version')],
  [0x9003, t('DateTimeOriginal', 'time', 'time')],
  [0x9004, t('CreateDate', 'time', 'time')],
  [0x9010, t('OffsetTime', 'time', 'time')],
  [0x9011, t('OffsetTimeOriginal', 'time', 'time')],
  [0x9012, t('OffsetTimeDigitized', 'time', 'time')],
  [0x9101, fixed('ComponentsConfiguration', 4)],
  [0x9102, t('CompressedBitsPerPixel', 'other')],
  [0x9201, t('ShutterSpeedValue', 'other')],
  [0x9202, t('ApertureValue', 'other')],
  [0x9203, t('BrightnessValue', 'other')],
  [0x9204, t('ExposureCompensation', 'other')],
  [0x9205, t('MaxApertureValue', 'other')],
  [0x9206, t('SubjectDistance', 'other')],
  [0x9207, t('MeteringMode', 'other')],
  [0x9208, t('LightSource', 'other')],
  [0x9209, t('Flash', 'other')],
  [0x920a, t('FocalLength', 'camera.calibration')],
  [0x9214, t('SubjectArea', 'other')],
  [0x927c, t('MakerNote', 'opaque', 'block')],
  [0x9286, t('UserComment', 'other', 'comment')],
  [0x9290, t('SubSecTime', 'time', 'time')],
  [0x9291, t('SubSecTimeOriginal', 'time', 'time')],
  [0x9292, t('SubSecTimeDigitized', 'time', 'time')],
  [0x9400, t('AmbientTemperature', 'other')],
  [0x9401, t('Humidity', 'other')],
  [0x9402, t('Pressure', 'other')],
  [0x9403, t('WaterDepth', 'other')],
  [0x9404, t('Acceleration', 'other')],
  [0x9405, t('CameraElevationAngle', 'attitude')],
  [0x9c9b, t('XPTitle', 'other', 'ucs2')],
  [0x9c9c, t('XPComment', 'other', 'ucs2')],
  [0x9c9d, t('XPAuthor', 'identity.person', 'ucs2')],
  [0x9c9e, t('XPKeywords', 'other', 'ucs2')],
  [0x9c9f, t('XPSubject', 'other', 'ucs2')],
  [0xa000, fixed('FlashpixVersion', 4, 'version')],
  [0xa001, fixed('ColorSpace', 1)],
  [0xa002, fixed('ExifImageWidth', 1)],
  [0xa003, fixed('ExifImageHeight', 1)],
  [0xa004, t('RelatedSoundFile', 'other')],
  [0xa005, t('InteropOffset', 'other')],
  [0xa20b, t('FlashEnergy', 'other')],
  [0xa20e, t('FocalPlaneXResolution', 'camera.calibration')],
  [0xa20f, t('FocalPlaneYResolution', 'camera.calibration')],
  [0xa210, t('FocalPlaneResolutionUnit', 'camera.calibration')],
  [0xa214, t('SubjectLocation', 'other')],
  [0xa215, t('ExposureIndex', 'other')],
  [0xa217, t('SensingMethod', 'other')],
  [0xa300, t('FileSource', 'other')],
  [0xa301, t('SceneType', 'other')],
  [0xa302, t('CFAPattern', 'other', 'block')],
  [0xa401, t('CustomRendered', 'other')],
  [0xa402, t('ExposureMode', 'other')],
  [0xa403, t('WhiteBalance', 'other')],
  [0xa404, t('DigitalZoomRatio', 'other')],
  [0xa405, t('FocalLengthIn35mmFormat', 'camera.calibration')],
  [0xa406, t('SceneCaptureType', 'other')],
  [0xa407, t('GainControl', 'other')],
  [0xa408, t('Contrast', 'other')],
  [0xa409, t('Saturation', 'other')],
  [0xa40a, t('Sharpness', 'other')],
  [0xa40b, t('DeviceSettingDescription', 'other', 'block')],
  [0xa40c, t('SubjectDistanceRange', 'other')],
  [0xa420, t('ImageUniqueID', 'identity.device')],
  [0xa430, t('OwnerName', 'identity.person')],
  [0xa431, t('SerialNumber', 'identity.device')],
  [0xa432, t('LensInfo', 'camera.model')],
  [0xa433, t('LensMake', 'camera.model')],
  [0xa434, t('LensModel', 'camera.model')],
  [0xa435, t('LensSerialNumber', 'identity.device')],
  [0xa460, t('CompositeImage', 'other')],
  [0xa500, fixed('Gamma', 1)],
  [0xc4a5, t('PrintIM', 'other', 'block')],
  [0xea1c, t('Padding', 'other', 'block')],
  [0xea1d, t('OffsetSchema', 'other')],
  // DNG (Adobe's DNG specification; ExifTool's names)
  [0xc612, fixed('DNGVersion', 4)],
  [0xc613, fixed('DNGBackwardVersion', 4)],
  [0xc614, t('UniqueCameraModel', 'camera.model')],
  [0xc615, t('LocalizedCameraModel', 'camera.model')],
  [0xc616, t('CFAPlaneColor', 'display')],
  [0xc617, fixed('CFALayout', 1)],
  [0xc618, t('LinearizationTable', 'display', 'block')],
  [0xc619, fixed('BlackLevelRepeatDim', 2)],
  [0xc61a, t('BlackLevel', 'display')],
  [0xc61b, t('BlackLevelDeltaH', 'display')],
  [0xc61c, t('BlackLevelDeltaV', 'display')],
  [0xc61d, t('WhiteLevel', 'display')],
  [0xc61e, fixed('DefaultScale', 2)],
  [0xc61f, fixed('DefaultCropOrigin', 2)],
  [0xc620, fixed('DefaultCropSize', 2)],
  [0xc621, fixed('ColorMatrix1', 12)], // ColorPlanes × 3
  [0xc622, fixed('ColorMatrix2', 12)], // ColorPlanes × 3
  [0xc623, t('CameraCalibration1', 'camera.calibration')],
  [0xc624, t('CameraCalibration2', 'camera.calibration')],
  // How a raw converter renders the picture (white balance, exposure, noise and sharpening
  // defaults): display, so a scrubbed DNG renders as the original did. CameraCalibration1/2/3
  // stay calibration: they are this one camera's own measurement, which the policy decides.
  [0xc627, fixed('AnalogBalance', 4)], // ColorPlanes
  [0xc628, fixed('AsShotNeutral', 4)], // ColorPlanes
  [0xc629, fixed('AsShotWhiteXY', 2)],
  [0xc62a, fixed('BaselineExposure', 1)],
  [0xc62b, fixed('BaselineNoise', 1)],
  [0xc62c, fixed('BaselineSharpness', 1)],
  [0xc62d, fixed('BayerGreenSplit', 1)],
  [0xc62e, fixed('LinearResponseLimit', 1)],
  [0xc62f, t('CameraSerialNumber', 'identity.device')],
  [0xc630, t('DNGLensInfo', 'camera.model')],
  [0xc631, fixed('ChromaBlurRadius', 1)],
  [0xc632, fixed('AntiAliasStrength', 1)],
  [0xc633, fixed('ShadowScale', 1)],
  [0xc634, t('DNGPrivateData', 'opaque', 'block')],
  [0xc635, t('MakerNoteSafety', 'other')],
  [0xc65a, fixed('CalibrationIlluminant1', 1)],
  [0xc65b, fixed('CalibrationIlluminant2', 1)],
  [0xc65c, fixed('BestQualityScale', 1)],
  [0xc65d, t('RawDataUniqueID', 'identity.device', 'hex')],
  [0xc68b, t('OriginalRawFileName', 'other')],
  [0xc68c, t('OriginalRawFileData', 'opaque', 'block')],
  [0xc68d, fixed('ActiveArea', 4)],
  [0xc68e, t('MaskedAreas', 'display')],
  [0xc6bf, fixed('ColorimetricReference', 1)],
  [0xc6f3, t('CameraCalibrationSig', 'camera.calibration')],
  [0xc6fd, fixed('ProfileEmbedPolicy', 1)],
  [0xc6fe, t('ProfileCopyright', 'identity.person')],
  [0xc714, fixed('ForwardMatrix1', 12)], // 3 × ColorPlanes
  [0xc715, fixed('ForwardMatrix2', 12)],
  [0xc71b, t('PreviewDateTime', 'time', 'time')],
  [0xc740, t('OpcodeList1', 'display', 'block')],
  [0xc741, t('OpcodeList2', 'display', 'block')],
  [0xc74e, t('OpcodeList3', 'display', 'block')],
  [0xc761, fixed('NoiseProfile', 8)], // 2 × ColorPlanes
  [0xc7a5, fixed('BaselineExposureOffset', 1)],
  [0xc7a6, fixed('DefaultBlackRender', 1)],
  [0xc7b5, fixed('DefaultUserCrop', 4)],
  // DNG 1.6: a third illuminant
  [0xcd31, fixed('CalibrationIlluminant3', 1)],
  [0xcd32, t('CameraCalibration3', 'camera.calibration')],
  [0xcd33, fixed('ColorMatrix3', 12)],
  [0xcd34, fixed('ForwardMatrix3', 12)],
]);

/** GPS IFD numbering (ExifTool GPS.pm). Categories by meaning. */
export const GPS_TAGS: ReadonlyMap<number, TagInfo> = new Map<number, TagInfo>([
  [0x0000, t('GPSVersionID', 'display')],
  [0x0001, t('GPSLatitudeRef', 'location.drone')],
  [0x0002, t('GPSLatitude', 'location.drone')],
  [0x0003, t('GPSLongitudeRef', 'location.drone')],
  [0x0004, t('GPSLongitude', 'location.drone')],
  [0x0005, t('GPSAltitudeRef', 'location.drone')],
  [0x0006, t('GPSAltitude', 'location.drone')],
  [0x0007, t('GPSTimeStamp', 'time', 'time')],
  [0x0008, t('GPSSatellites', 'other')],
  [0x0009, t('GPSStatus', 'other')],
  [0x000a, t('GPSMeasureMode', 'other')],
  [0x000b, t('GPSDOP', 'other')],
  [0x000c, t('GPSSpeedRef', 'attitude')],
  [0x000d, t('GPSSpeed', 'attitude')],
  [0x000e, t('GPSTrackRef', 'attitude')],
  [0x000f, t('GPSTrack', 'attitude')],
  [0x0010, t('GPSImgDirectionRef', 'attitude')],
  [0x0011, t('GPSImgDirection', 'attitude')],
  [0x0012, t('GPSMapDatum', 'other')],
  [0x0013, t('GPSDestLatitudeRef', 'location.target')],
  [0x0014, t('GPSDestLatitude', 'location.target')],
  [0x0015, t('GPSDestLongitudeRef', 'location.target')],
  [0x0016, t('GPSDestLongitude', 'location.target')],
  [0x0017, t('GPSDestBearingRef', 'location.target')],
  [0x0018, t('GPSDestBearing', 'location.target')],
  [0x0019, t('GPSDestDistanceRef', 'location.target')],
  [0x001a, t('GPSDestDistance', 'location.target')],
  [0x001b, t('GPSProcessingMethod', 'other', 'comment')],
  [0x001c, t('GPSAreaInformation', 'location.text', 'comment')],
  [0x001d, t('GPSDateStamp', 'time', 'time')],
  [0x001e, t('GPSDifferential', 'other')],
  [0x001f, t('GPSHPositioningError', 'other')],
]);

/** Serials and unique IDs identify the device, whatever table they come from. */
export function categoryFor(name: string, fallback: Category): Category {
  if (/Serial/i.test(name) && !/SerialNumberFormat/i.test(name)) return 'identity.device';
  if (/UniqueID|SensorID/i.test(name)) return 'identity.device';
  return fallback;
}

/**
 * Blocks that name themselves, wherever a maker files them: Print Image Matching data starts
 * "PrintIM\0" under 0xC4A5 in IFD0 and under 0x0E00 in most maker notes (ExifTool checks the
 * same signature). Used for entries no table names.
 */
const SIGNED_BLOCKS: readonly { magic: string; info: TagInfo }[] = [
  { magic: 'PrintIM\0', info: t('PrintIM', 'other', 'block') },
];
export const SIGNATURE_BYTES = 8;

export function tagBySignature(head: Uint8Array): TagInfo | undefined {
  const text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  return SIGNED_BLOCKS.find((b) => text.startsWith(b.magic))?.info;
}

export const hexName = (tag: number): string => `Tag0x${tag.toString(16).padStart(4, '0')}`;

/**
 * What an APPn/COM segment is, from its marker and first bytes, named as ExifTool names it
 * (JPEG.pm's APPn tables). DJI's thermal segments carry no signature: ExifTool recognises them
 * by the camera make, and so do we (`dji`).
 */
import type { Category } from '../../findings/model.js';

export type AppKind =
  | 'jfif'
  | 'adobe' // APP14 Adobe: 12 bytes of colour-transform flags the decoder needs
  | 'jfxx'
  | 'exif'
  | 'xmp'
  | 'xmp-extension'
  | 'flir'
  | 'icc'
  | 'mpf'
  | 'photoshop'
  | 'dji-thermal' // APP3 ThermalData: coalesced over consecutive segments
  | 'preview' // a JPEG split over APP2…APP5 (HP, Samsung, BenQ)
  | 'comment'
  | 'tiff' // a TIFF structure of its own after a signature (APP6 EPPIM: Epson's PrintIM IFD)
  | 'text-pairs' // APP12 PictureInfo: "key=value" lines (Olympus, Agfa…), a camera serial among them
  | 'block'; // a named block reported by category and size

export interface AppClass {
  kind: AppKind;
  /** ExifTool's name for the segment. */
  name: string;
  category: Category;
  /** Bytes of signature to skip before the payload proper. */
  header: number;
}

const ascii = (b: Uint8Array, n: number, at = 0): string =>
  String.fromCharCode(...b.subarray(at, Math.min(at + n, b.length)));
/**
 * Whether `b` holds `sig` (one byte per character) at `at`: compared byte by byte, as the
 * segment walk asks this of every APPn of every file and a string per question was garbage.
 */
function starts(b: Uint8Array, sig: string, at = 0): boolean {
  if (b.length - at < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig.charCodeAt(i)) return false;
  return true;
}

export const XMP_SIG = 'http://ns.adobe.com/xap/1.0/\0';
export const XMP_EXT_SIG = 'http://ns.adobe.com/xmp/extension/\0';
const isJpegStart = (b: Uint8Array, at = 0): boolean =>
  b[at] === 0xff && b[at + 1] === 0xd8 && b[at + 2] === 0xff;

const block = (name: string, category: Category, header = 0): AppClass => ({
  kind: 'block',
  name,
  category,
  header,
});

/** `head` is the start of the payload (at least 64 bytes when the segment has them). */
export function classify(marker: number, head: Uint8Array, dji: boolean): AppClass {
  if (marker === 0xfe) return { kind: 'comment', name: 'Comment', category: 'other', header: 0 };
  const n = marker - 0xe0;
  switch (n) {
    case 0:
      if (starts(head, 'JFIF\0')) return { kind: 'jfif', name: 'JFIF', category: 'display', header: 5 };
      if (starts(head, 'JFXX\0'))
        return { kind: 'jfxx', name: 'JFXX', category: 'imagery.embedded', header: 6 };
      if (starts(head, 'HEAPJPGM', 6)) return block('CIFF', 'opaque');
      if (starts(head, 'AVI1')) return block('AVI1', 'other');
      if (starts(head, 'Ocad')) return block('Ocad', 'other');
      break;
    case 1:
      if (starts(head, 'Exif\0')) return { kind: 'exif', name: 'EXIF', category: 'other', header: 6 };
      if (starts(head, XMP_EXT_SIG))
        return { kind: 'xmp-extension', name: 'ExtendedXMP', category: 'other', header: 35 };
      if (starts(head, XMP_SIG))
        return { kind: 'xmp', name: 'XMP', category: 'other', header: XMP_SIG.length };
      if (starts(head, 'FLIR\0'))
        return { kind: 'flir', name: 'FLIR', category: 'imagery.thermal', header: 8 };
      if (starts(head, 'PARROT\0')) return block('RawThermalImage', 'imagery.thermal', 7);
      if (starts(head, 'QVCI\0')) return block('QVCI', 'opaque');
      break;
    case 2:
      if (starts(head, 'ICC_PROFILE\0')) return block('ICC_Profile', 'display', 14);
      if (starts(head, 'MPF\0')) return { kind: 'mpf', name: 'MPF', category: 'other', header: 4 };
      // FlashPix streams: ExifTool extracts a PreviewImage from them.
      if (starts(head, 'FPXR\0'))
        return { kind: 'preview', name: 'FPXR', category: 'imagery.embedded', header: 0 };
      if (
        isJpegStart(head) ||
        (starts(head, 'QVGA\0') && isJpegStart(head, 5)) ||
        (starts(head, 'BGTH') && isJpegStart(head, 4))
      )
        return { kind: 'preview', name: 'PreviewImage', category: 'imagery.embedded', header: 0 };
      break;
    case 3:
      if (/^(Meta|META|Exif)\0\0/.test(ascii(head, 6))) return block('Meta', 'opaque');
      if (starts(head, 'Stim\0')) return block('Stim', 'other');
      if (starts(head, '_JPSJPS_')) return block('JPS', 'other');
      if (dji) return { kind: 'dji-thermal', name: 'ThermalData', category: 'imagery.thermal', header: 0 };
      if (isJpegStart(head))
        return { kind: 'preview', name: 'PreviewImage', category: 'imagery.embedded', header: 0 };
      break;
    case 4:
      if (starts(head, 'SCALADO\0')) return block('Scalado', 'opaque');
      if (starts(head, 'FPXR\0')) return block('FPXR', 'opaque');
      if (dji && head[0] === 0xaa && head[1] === 0x55 && head[2] === 0x12 && head[3] === 0x06)
        return block('ThermalParams', 'imagery.thermal');
      break;
    case 5:
      if (starts(head, 'RMETA\0')) return block('RMETA', 'opaque');
      if (ascii(head, 64).includes('ssuniqueid\0')) return block('SamsungUniqueID', 'identity.device');
      if (dji) return block('ThermalCalibration', 'imagery.thermal');
      break;
    case 6:
      if (starts(head, 'EPPIM\0')) return { kind: 'tiff', name: 'EPPIM', category: 'other', header: 6 };
      if (starts(head, 'NTIF\0')) return block('NITF', 'other');
      if (starts(head, 'TDHD\x01\0\0\0')) return block('HP_TDHD', 'opaque');
      if (starts(head, 'GoPro\0')) return block('GoPro', 'opaque', 6);
      if (/^DTAT\0\0.\{/s.test(ascii(head, 8))) return block('DJI_DTAT', 'imagery.thermal');
      break;
    case 7:
      if (starts(head, 'PENTAX \0')) return block('Pentax', 'opaque');
      if (starts(head, 'HUAWEI\0\0')) return block('Huawei', 'opaque');
      if (starts(head, '\x1aQualcomm Camera Attributes')) return block('Qualcomm', 'opaque');
      break;
    case 8:
      if (starts(head, 'SPIFF\0')) return block('SPIFF', 'display');
      break;
    case 9:
      if (starts(head, 'Media Jukebox\0')) return block('MediaJukebox', 'other');
      break;
    case 10:
      if (starts(head, 'UNICODE\0'))
        return { kind: 'comment', name: 'Comment', category: 'other', header: 8 };
      break;
    case 11:
      if (starts(head, 'HDR_RI ')) return block('JPEG-HDR', 'opaque');
      if (starts(head, 'JP')) return block('JUMBF', 'opaque');
      break;
    case 12:
      if (/(\[picture info\]|Type=)/.test(ascii(head, head.length)))
        return { kind: 'text-pairs', name: 'PictureInfo', category: 'other', header: 0 };
      if (starts(head, 'Ducky')) return block('Ducky', 'other');
      break;
    case 13:
      if (starts(head, 'Photoshop 3.0\0'))
        return { kind: 'photoshop', name: 'Photoshop', category: 'other', header: 14 };
      if (starts(head, 'Adobe_Photoshop2.5'))
        return { kind: 'photoshop', name: 'Photoshop', category: 'other', header: 18 };
      if (starts(head, 'Adobe_CM')) return block('Adobe_CM', 'other');
      break;
    case 14:
      if (starts(head, 'Adobe')) return { kind: 'adobe', name: 'Adobe', category: 'display', header: 0 };
      break;
    case 15:
      if (/^Q\s*\d/.test(ascii(head, 8))) return block('GraphicConverter', 'other');
      break;
  }
  // An APPn preview continuing after APP3 (HP R837, Samsung, BenQ): ExifTool's PreviewImage.
  if (n >= 2 && n <= 5 && isJpegStart(head))
    return { kind: 'preview', name: 'PreviewImage', category: 'imagery.embedded', header: 0 };
  return block(`APP${n}`, 'opaque');
}

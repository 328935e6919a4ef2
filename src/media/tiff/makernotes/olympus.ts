/**
 * Olympus / OM System: three headers with different base rules. "OLYMP\0"/"EPSON\0" keep the
 * parent base; "OLYMPUS\0II" and "OM SYSTEM\0\0\0II" count offsets from the note's own start.
 * Serials live in the main IFD (old models) and in the Equipment sub-IFD.
 */
import { byteOrderMark } from '../format.js';
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import {
  guessLittleEndian,
  type MakerNoteVendor,
  readVendorIfd,
  startsWith,
  type VendorTable,
} from './note.js';

const EQUIPMENT: VendorTable = {
  tags: new Map<number, TagInfo>([
    [0x0000, t('EquipmentVersion', 'other')],
    [0x0100, t('CameraType2', 'camera.model')],
    [0x0101, t('SerialNumber', 'identity.device')],
    [0x0102, t('InternalSerialNumber', 'identity.device')],
    [0x0201, t('LensType', 'camera.model')],
    [0x0202, t('LensSerialNumber', 'identity.device')],
    [0x0203, t('LensModel', 'camera.model')],
    [0x0302, t('ExtenderSerialNumber', 'identity.device')],
    [0x1003, t('FlashSerialNumber', 'identity.device')],
  ]),
};
const NO_NAMES: VendorTable = { tags: new Map() };

const MAIN: VendorTable = {
  tags: new Map<number, TagInfo>([
    [0x0100, t('ThumbnailImage', 'imagery.embedded', 'block')],
    [0x0200, t('SpecialMode', 'other')],
    [0x0201, t('Quality', 'other')],
    [0x0202, t('Macro', 'other')],
    [0x0207, t('CameraType', 'camera.model')],
    [0x0209, t('CameraID', 'camera.model')],
    [0x0404, t('SerialNumber', 'identity.device')],
    [0x0405, t('Firmware', 'camera.model')],
    [0x0e00, t('PrintIM', 'other', 'block')],
    [0x101a, t('SerialNumber', 'identity.device')],
  ]),
  subIfds: new Map([
    [0x2010, { seg: 'Equipment', table: EQUIPMENT }],
    [0x2020, { seg: 'CameraSettings', table: NO_NAMES }],
    [0x2030, { seg: 'RawDevelopment', table: NO_NAMES }],
    [0x2040, { seg: 'ImageProcessing', table: NO_NAMES }],
    [0x2050, { seg: 'FocusInfo', table: NO_NAMES }],
  ]),
};

export const olympus: MakerNoteVendor = {
  name: 'Olympus',
  matches: (head) =>
    startsWith(head, 'OLYMP\0') ||
    startsWith(head, 'EPSON\0') ||
    startsWith(head, 'OLYMPUS\0') ||
    startsWith(head, 'OM SYSTEM\0'),
  read({ ctx, offset, head, path, out }) {
    if (startsWith(head, 'OLYMPUS\0') || startsWith(head, 'OM SYSTEM\0')) {
      const skip = startsWith(head, 'OLYMPUS\0') ? 12 : 16;
      const le = byteOrderMark(head, skip - 4) ?? guessLittleEndian(ctx, offset + skip);
      readVendorIfd(rebased(ctx, offset, le), offset + skip, MAIN, path, out);
      return;
    }
    readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, offset + 8)), offset + 8, MAIN, path, out);
  },
};

/** Panasonic: "Panasonic\0\0\0" then an IFD; offsets relative to the parent TIFF header. */
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import { guessLittleEndian, type MakerNoteVendor, readVendorIfd, startsWith } from './note.js';

const TAGS: ReadonlyMap<number, TagInfo> = new Map([
  [0x0001, t('ImageQuality', 'other')],
  [0x0002, t('FirmwareVersion', 'camera.model', 'version')],
  [0x0025, t('InternalSerialNumber', 'identity.device')],
  [0x0051, t('LensType', 'camera.model')],
  [0x0052, t('LensSerialNumber', 'identity.device')],
  [0x0054, t('AccessorySerialNumber', 'identity.device')],
]);

export const panasonic: MakerNoteVendor = {
  name: 'Panasonic',
  matches: (head) => startsWith(head, 'Panasonic'),
  read({ ctx, offset, path, out }) {
    readVendorIfd(
      rebased(ctx, ctx.base, guessLittleEndian(ctx, offset + 12)),
      offset + 12,
      { tags: TAGS },
      path,
      out,
    );
  },
};

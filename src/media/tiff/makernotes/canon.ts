/** Canon: an IFD at the start of the note, offsets relative to the parent TIFF header. */
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import { guessLittleEndian, type MakerNoteVendor, readVendorIfd } from './note.js';

const TAGS: ReadonlyMap<number, TagInfo> = new Map([
  [0x0001, t('CanonCameraSettings', 'other')],
  [0x0002, t('CanonFocalLength', 'other')],
  [0x0003, t('CanonFlashInfo', 'other')],
  [0x0004, t('CanonShotInfo', 'other')],
  [0x0006, t('CanonImageType', 'camera.model')],
  [0x0007, t('CanonFirmwareVersion', 'camera.model')],
  [0x0008, t('FileNumber', 'other')],
  [0x0009, t('OwnerName', 'identity.person')],
  [0x000c, t('SerialNumber', 'identity.device')],
  // Camera info holds per-model binary records (some with lens serials): never decoded, never dropped silently.
  [0x000d, t('CanonCameraInfo', 'opaque', 'block')],
  [0x000e, t('CanonFileLength', 'other')],
  [0x0010, t('CanonModelID', 'camera.model')],
  [0x0015, t('SerialNumberFormat', 'other')],
  [0x0028, t('ImageUniqueID', 'identity.device')],
  [0x0095, t('LensModel', 'camera.model')],
  [0x0096, t('InternalSerialNumber', 'identity.device')],
]);

export const canon: MakerNoteVendor = {
  name: 'Canon',
  matches: (_head, cam) => /^Canon/.test(cam.make),
  read({ ctx, offset, path, out }) {
    readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, offset)), offset, { tags: TAGS }, path, out);
  },
};

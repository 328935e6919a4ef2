/** Apple iOS: "Apple iOS\0" + version + "MM", IFD at +14, offsets from the note's start. */
import { byteOrderMark } from '../format.js';
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import { type MakerNoteVendor, readVendorIfd, startsWith } from './note.js';

const TAGS: ReadonlyMap<number, TagInfo> = new Map([
  [0x0001, t('MakerNoteVersion', 'other')],
  [0x0002, t('AEMatrix', 'other', 'block')],
  [0x0003, t('RunTime', 'other')],
  [0x0008, t('AccelerationVector', 'attitude')],
  [0x000a, t('HDRImageType', 'other')],
  [0x000b, t('BurstUUID', 'identity.device')],
  [0x000c, t('FocusDistanceRange', 'other')],
  [0x000f, t('OISMode', 'other')],
  [0x0011, t('MediaGroupUUID', 'identity.device')],
  [0x0014, t('ImageCaptureType', 'other')],
  [0x0015, t('ImageUniqueID', 'identity.device')],
  [0x0017, t('LivePhotoVideoIndex', 'other')],
]);

export const apple: MakerNoteVendor = {
  name: 'Apple',
  matches: (head) => startsWith(head, 'Apple iOS\0'),
  read({ ctx, offset, head, path, out }) {
    const le = byteOrderMark(head, 12) ?? false;
    readVendorIfd(rebased(ctx, offset, le), offset + 14, { tags: TAGS }, path, out);
  },
};

/** Sony: "SONY DSC \0\0\0"-style 12-byte header or none; offsets relative to the parent TIFF header. */
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import { guessLittleEndian, type MakerNoteVendor, readVendorIfd, startsWith } from './note.js';

const TAGS: ReadonlyMap<number, TagInfo> = new Map([
  [0x0102, t('Quality', 'other')],
  [0x0e00, t('PrintIM', 'other', 'block')],
  [0x2001, t('PreviewImage', 'imagery.embedded', 'block')],
  [0x2031, t('SerialNumber', 'identity.device')],
]);

const HEADERS = ['SONY DSC', 'SONY CAM', 'SONY MOBILE', '\0\0SONY PIC\0', 'VHAB     \0'];

export const sony: MakerNoteVendor = {
  name: 'Sony',
  matches: (head, cam) =>
    HEADERS.some((h) => startsWith(head, h)) || (/^SONY/.test(cam.make) && !(head[0] === 1 && head[1] === 0)),
  read({ ctx, offset, head, path, out }) {
    const start = HEADERS.some((h) => startsWith(head, h)) ? offset + 12 : offset;
    readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, start)), start, { tags: TAGS }, path, out);
  },
};

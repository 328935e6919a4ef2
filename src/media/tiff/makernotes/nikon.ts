/**
 * Nikon: "Nikon\0\x02" holds a TIFF header of its own (offsets from it), "Nikon\0\x01" is an
 * old little-endian IFD after 8 bytes, and headerless notes start with the IFD.
 */
import { malformed } from '../../../core/errors.js';
import { byteOrderMark, endian } from '../format.js';
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import {
  guessLittleEndian,
  type MakerNoteVendor,
  readVendorIfd,
  startsWith,
  type VendorTable,
} from './note.js';

const PREVIEW: VendorTable = {
  tags: new Map(),
  preview: { start: 0x0201, length: 0x0202, name: 'PreviewImage' },
};

const MAIN: VendorTable = {
  tags: new Map<number, TagInfo>([
    [0x0001, t('MakerNoteVersion', 'other', 'version')],
    [0x0002, t('ISO', 'other')],
    [0x0004, t('Quality', 'other')],
    [0x0005, t('WhiteBalance', 'other')],
    [0x001d, t('SerialNumber', 'identity.device')],
    [0x0039, t('LocationInfo', 'location.text', 'block')],
    [0x00a0, t('SerialNumber', 'identity.device')],
    [0x00a7, t('ShutterCount', 'other')],
  ]),
  subIfds: new Map([[0x0011, { seg: 'PreviewIFD', table: PREVIEW }]]),
};

export const nikon: MakerNoteVendor = {
  name: 'Nikon',
  matches: (head, cam) => startsWith(head, 'Nikon\0') || /^NIKON/i.test(cam.make),
  read({ ctx, offset, head, path, out }) {
    if (startsWith(head, 'Nikon\0\x02')) {
      const le = byteOrderMark(head, 10);
      if (le === undefined) throw malformed('Nikon maker note: no byte order mark', offset + 10);
      const ifd0 = endian(le).u32(head, 14);
      readVendorIfd(rebased(ctx, offset + 10, le), offset + 10 + ifd0, MAIN, path, out);
    } else if (startsWith(head, 'Nikon\0\x01')) {
      readVendorIfd(rebased(ctx, ctx.base, true), offset + 8, MAIN, path, out);
    } else {
      readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, offset)), offset, MAIN, path, out);
    }
  },
};

/** FLIR: an IFD at the start of the note (temperatures, emissivity); serials live in the APP1 FLIR records. */
import { rebased } from '../ifd.js';
import { type TagInfo, tagInfo as t } from '../tags.js';
import { guessLittleEndian, type MakerNoteVendor, readVendorIfd } from './note.js';

const TAGS: ReadonlyMap<number, TagInfo> = new Map([
  [0x01, t('ImageTemperatureMax', 'imagery.thermal')],
  [0x02, t('ImageTemperatureMin', 'imagery.thermal')],
  [0x03, t('Emissivity', 'imagery.thermal')],
  [0x04, t('UnknownTemperature', 'imagery.thermal')],
  [0x05, t('CameraTemperatureRangeMax', 'imagery.thermal')],
  [0x06, t('CameraTemperatureRangeMin', 'imagery.thermal')],
]);

export const flir: MakerNoteVendor = {
  name: 'FLIR',
  matches: (_head, cam) => /^FLIR Systems/.test(cam.make),
  read({ ctx, offset, path, out }) {
    readVendorIfd(rebased(ctx, ctx.base, guessLittleEndian(ctx, offset)), offset, { tags: TAGS }, path, out);
  },
};

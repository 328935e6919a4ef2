/**
 * IPTC IIM (records 1 and 2): datasets "1C rec ds len value", named as ExifTool names them.
 * Strings are UTF-8 when record 1 says so (CodedCharacterSet ESC % G), else Latin-1.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { Category, Value } from '../../findings/model.js';
import type { Collector } from '../types.js';

type Spec = [name: string, category: Category];

const RECORD1: Record<number, Spec> = {
  0: ['EnvelopeRecordVersion', 'other'],
  5: ['Destination', 'other'],
  20: ['FileFormat', 'other'],
  30: ['ServiceIdentifier', 'other'],
  40: ['EnvelopeNumber', 'other'],
  50: ['ProductID', 'other'],
  60: ['EnvelopePriority', 'other'],
  70: ['DateSent', 'time'],
  80: ['TimeSent', 'time'],
  90: ['CodedCharacterSet', 'other'],
  100: ['UniqueObjectName', 'identity.device'],
};

const RECORD2: Record<number, Spec> = {
  0: ['ApplicationRecordVersion', 'other'],
  5: ['ObjectName', 'other'],
  7: ['EditStatus', 'other'],
  10: ['Urgency', 'other'],
  15: ['Category', 'other'],
  20: ['SupplementalCategories', 'other'],
  25: ['Keywords', 'other'],
  26: ['ContentLocationCode', 'location.text'],
  27: ['ContentLocationName', 'location.text'],
  30: ['ReleaseDate', 'time'],
  35: ['ReleaseTime', 'time'],
  40: ['SpecialInstructions', 'other'],
  55: ['DateCreated', 'time'],
  60: ['TimeCreated', 'time'],
  62: ['DigitalCreationDate', 'time'],
  63: ['DigitalCreationTime', 'time'],
  65: ['OriginatingProgram', 'camera.model'],
  70: ['ProgramVersion', 'camera.model'],
  80: ['By-line', 'identity.person'],
  85: ['By-lineTitle', 'identity.person'],
  90: ['City', 'location.text'],
  92: ['Sub-location', 'location.text'],
  95: ['Province-State', 'location.text'],
  100: ['Country-PrimaryLocationCode', 'location.text'],
  101: ['Country-PrimaryLocationName', 'location.text'],
  103: ['OriginalTransmissionReference', 'other'],
  105: ['Headline', 'other'],
  110: ['Credit', 'identity.person'],
  115: ['Source', 'identity.person'],
  116: ['CopyrightNotice', 'identity.person'],
  118: ['Contact', 'identity.person'],
  120: ['Caption-Abstract', 'other'],
  122: ['Writer-Editor', 'identity.person'],
  125: ['RasterizedCaption', 'other'],
  130: ['ImageType', 'other'],
  131: ['ImageOrientation', 'other'],
  135: ['LanguageIdentifier', 'other'],
  200: ['ObjectPreviewFileFormat', 'other'],
  201: ['ObjectPreviewFileVersion', 'other'],
  202: ['ObjectPreviewData', 'imagery.embedded'],
};

/** Binary (non-text) datasets. */
const BINARY = new Set(['2:0', '1:0', '1:20', '1:90', '2:125', '2:200', '2:201', '2:202', '1:70', '1:80']);

export function readIptc(bytes: Uint8Array, fileOffset: number, path: string[], out: Collector): void {
  bound(bytes.length, LIMITS.maxBlockBytes, 'IPTC block bytes', fileOffset);
  let pos = 0;
  let utf8 = false;
  let count = 0;
  while (pos < bytes.length) {
    const tagMarker = bytes[pos];
    if (tagMarker === 0x00) break; // padding to the end of the block
    if (tagMarker !== 0x1c) throw malformed('IPTC: expected a 0x1C dataset marker', fileOffset + pos);
    if (pos + 5 > bytes.length) throw truncated('IPTC dataset header', fileOffset + pos);
    bound(++count, LIMITS.maxIfdEntries * 16, 'IPTC dataset count', fileOffset + pos);
    const rec = bytes[pos + 1] as number;
    const ds = bytes[pos + 2] as number;
    let len = ((bytes[pos + 3] as number) << 8) | (bytes[pos + 4] as number);
    let start = pos + 5;
    if (len & 0x8000) {
      // Extended dataset: the low 15 bits say how many length bytes follow.
      const n = len & 0x7fff;
      if (n > 4) throw malformed(`IPTC extended length of ${n} bytes`, fileOffset + pos + 3);
      if (start + n > bytes.length) throw truncated('IPTC extended length', fileOffset + start);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (bytes[start + i] as number);
      start += n;
    }
    if (start + len > bytes.length) throw truncated(`IPTC dataset ${rec}:${ds}`, fileOffset + pos);
    const raw = bytes.subarray(start, start + len);
    if (rec === 1 && ds === 90) utf8 = raw[0] === 0x1b && raw[1] === 0x25 && raw[2] === 0x47;
    const spec = (rec === 1 ? RECORD1 : rec === 2 ? RECORD2 : undefined)?.[ds];
    const name = spec?.[0] ?? `IPTC_${rec}_${ds}`;
    const category: Category = spec?.[1] ?? (rec === 2 ? 'other' : 'opaque');
    const value: Value =
      BINARY.has(`${rec}:${ds}`) || !spec
        ? { kind: 'block', size: len }
        : category === 'time'
          ? { kind: 'time', text: decode(raw, utf8) }
          : { kind: 'text', text: decode(raw, utf8) };
    out.add({ category, tag: name, path, ranges: [{ offset: fileOffset + start, length: len }], value });
    pos = start + len;
  }
}

const decode = (b: Uint8Array, utf8: boolean): string =>
  Buffer.from(b.buffer, b.byteOffset, b.length)
    .toString(utf8 ? 'utf8' : 'latin1')
    .replace(/\0+$/, '');

/**
 * MP4 and QuickTime MOV (ISO/IEC 14496-12 boxes): the movie's times, user data ('©xyz' position,
 * make, model, encoder, people), item lists (iTunes-style and keyed, as Apple, Android and drones
 * write them), XMP, and tracks that are more than the picture and sound (DJI's djmd telemetry,
 * subtitles, a preview video track). Boxes Airlock cannot name are reported whole ('opaque'),
 * so nothing is passed over in silence. HEIF/AVIF still images keep their metadata in items
 * (iinf/iloc) that are not read yet: they are refused as unsupported, never reported clean.
 */
import { AirlockError, malformed } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import type { Analyser, Collector } from '../types.js';
import { type Box, BoxBudget, bodyOf, boxesIn, fourcc, printable, wholeOf } from './boxes.js';
import { handlerType, metaChildren, otherBox, padding, readMeta } from './items.js';
import { readMovie, type TrackSummary } from './movie.js';
import { carriedBy } from './units.js';

/**
 * Major brands of still images (HEIF, AVIF, Canon's CR3 raw, whose EXIF sits in uuid boxes):
 * left to recogniseUnsupported until their metadata is read.
 */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'crx']);
/** A QuickTime file may start without ftyp. */
const QUICKTIME_FIRST = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);
/** Top-level boxes that lay out fragments and media: nothing to report. */
const LAYOUT = new Set(['mdat', 'moof', 'mfra', 'sidx', 'ssix', 'styp', 'pdin']);

/**
 * Compatible brands of the registered ISO, MP4, QuickTime, 3GPP and DASH families (mp4ra.org):
 * any other four bytes in the list are a vendor's, or anything at all.
 */
const BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'iso7',
  'iso8',
  'iso9',
  'avc1',
  'hvc1',
  'hev1',
  'av01',
  'mp41',
  'mp42',
  'mp71',
  'qt  ',
  'M4V ',
  'M4VH',
  'M4VP',
  'M4A ',
  'M4B ',
  'M4P ',
  'f4v ',
  'mmp4',
  'XAVC',
  'MSNV',
  'CAEP',
  'dash',
  'msdh',
  'msix',
  'cmfc',
  'cmf2',
  '3gp4',
  '3gp5',
  '3gp6',
  '3gp7',
  '3gp8',
  '3gp9',
  '3g2a',
  '3g2b',
  '3g2c',
  '3ge6',
  '3gg6',
  'dby1',
]);

/** ftyp's compatible brands past the major brand and minor version: each unknown one a finding. */
function brands(src: ByteSource, ftyp: Box, out: Collector): void {
  const body = bodyOf(ftyp);
  if (body.length > 4096) throw malformed(`'ftyp' of ${body.length} bytes`, ftyp.offset);
  const b = src.read(body.offset, body.length);
  for (let at = 8; at < b.length; at += 4) {
    const brand = fourcc(b, at);
    if (at + 4 <= b.length && BRANDS.has(brand)) continue;
    out.add({
      category: 'other',
      tag: 'CompatibleBrand',
      path: ['ftyp'],
      ranges: [{ offset: body.offset + at, length: Math.min(4, b.length - at) }],
      value: { kind: 'text', text: printable(brand) },
    });
    carriedBy(out, out.findings.length - 1, { kind: 'brand', box: ftyp, at: body.offset + at });
  }
}

export const isobmffAnalyser: Analyser = {
  id: 'isobmff',
  detect(head) {
    if (head.length < 12) return false;
    const type = fourcc(head, 4);
    if (type === 'ftyp') return !IMAGE_BRANDS.has(fourcc(head, 8).trim());
    const size = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    return QUICKTIME_FIRST.has(type) && (size === 0 || size === 1 || size >= 8);
  },
  analyse(src, out) {
    analyseIsobmff(src, out);
  },
};

export function analyseIsobmff(src: ByteSource, out: Collector): void {
  const budget = new BoxBudget();
  let tracks: TrackSummary[] = [];
  let movies = 0;
  out.format = 'mp4';
  for (const box of boxesIn(src, 0, src.size, budget)) {
    switch (box.type) {
      case 'ftyp': {
        const b = src.read(box.offset + box.header, Math.min(8, box.size - box.header));
        const brand = fourcc(b, 0).trim();
        out.facts.brand = printable(brand);
        if (brand === 'qt') out.format = 'mov';
        brands(src, box, out);
        break;
      }
      case 'moov':
        movies++;
        tracks = readMovie(src, box, out, budget);
        break;
      case 'meta': {
        const hdlr = metaChildren(src, box, budget).find((b) => b.type === 'hdlr');
        if (hdlr && handlerType(src, hdlr) === 'pict')
          throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'HEIF image items are not read yet', box.offset);
        readMeta(src, box, ['meta'], out, budget);
        break;
      }
      case 'free':
      case 'skip':
      case 'wide':
        padding(src, box, [], out);
        break;
      case 'PICT':
        out.add({
          category: 'imagery.embedded',
          tag: 'PreviewPICT',
          path: [],
          ranges: [wholeOf(box)],
          value: { kind: 'block', size: box.size - box.header },
        });
        carriedBy(out, out.findings.length - 1, { kind: 'box', box });
        break;
      case 'pnot':
        // QuickTime's preview reference: a date and which atom holds the preview; nothing plays from it.
        out.add({
          category: 'other',
          tag: 'PreviewReference',
          path: [],
          ranges: [wholeOf(box)],
          value: { kind: 'block', size: box.size - box.header, note: 'QuickTime preview, with its date' },
        });
        carriedBy(out, out.findings.length - 1, { kind: 'box', box });
        break;
      default:
        if (!LAYOUT.has(box.type)) otherBox(src, box, [], out);
    }
  }
  // A file without ftyp is QuickTime's own (MOV).
  if (out.facts.brand === undefined) out.format = 'mov';
  if (movies === 0)
    throw new AirlockError(
      'AIRLOCK_ERR_TRUNCATED',
      'no movie box (moov): the recording was not finished',
      src.size,
    );
  out.facts.tracks = tracks.map((t) => `${printable(t.handler)}:${printable(t.format)}`).join(', ');
}

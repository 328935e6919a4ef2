/**
 * MP4 and QuickTime MOV (ISO/IEC 14496-12 boxes): the movie's times, user data ('©xyz' position,
 * make, model, encoder, people), item lists (iTunes-style and keyed, as Apple, Android and drones
 * write them), XMP, and tracks that are more than the picture and sound (DJI's djmd telemetry,
 * subtitles, a preview video track). Boxes Airlock cannot name are reported whole ('opaque'),
 * so nothing is passed over in silence. HEIF/AVIF still images keep their metadata in items
 * (iinf/iloc) that are not read yet: they are refused as unsupported, never reported clean.
 */
import { AirlockError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import type { Analyser, Collector } from '../types.js';
import { BoxBudget, boxesIn, fourcc, printable, wholeOf } from './boxes.js';
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

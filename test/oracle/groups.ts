/**
 * Which Airlock findings stand for an ExifTool group ("nothing silent"). ExifTool names groups
 * by what they are (IFD0, XMP-dc, Photoshop, MPF0…); Airlock names container paths. The map is
 * tolerant about spelling (a group may be matched by its own name or by the JPEG segment that
 * carries it) but real: a group is represented only by a finding inside that structure.
 */
import type { Finding } from '../../src/findings/model.js';

/** ExifTool groups that describe the file or are computed, not metadata the file carries. */
export const NOT_METADATA = new Set(['SourceFile', 'ExifTool', 'System', 'File', 'Composite']);

/** Maker-note groups (ExifTool names them for the maker; Airlock's path says 'MakerNote(…)'). */
const MAKER_NOTES = new Set([
  'DJI',
  'Canon',
  'CanonCustom',
  'Nikon',
  'Sony',
  'Olympus',
  'Apple',
  'GoPro',
  'Pentax',
]);

/** JPEG APPn that carries a group ExifTool names by content (ExifTool's JPEG tag table). */
const APP_OF: Record<string, number> = {
  JFIF: 0,
  JFXX: 0,
  AVI1: 0,
  CIFF: 0,
  ICC_Profile: 2,
  'ICC-header': 2,
  'ICC-meas': 2,
  'ICC-view': 2,
  FlashPix: 2,
  MPF0: 2,
  MetaIFD: 3,
  RMETA: 5,
  NITF: 6,
  Qualcomm: 7,
  SPIFF: 8,
  MediaJukebox: 9,
  'JPEG-HDR': 11,
  JUMBF: 11,
  JSON: 11,
  Ducky: 12,
  PictureInfo: 12,
  Photoshop: 13,
  IPTC: 13,
  AdobeCM: 13,
  Adobe: 14,
  GraphConv: 15,
};

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A name as a token: not glued to other letters or digits ('APP1' never matches 'APP13'). */
const token = (name: string, digits = false): RegExp =>
  new RegExp(`(^|[^A-Za-z0-9])${esc(name)}${digits ? '\\d*' : ''}(?![A-Za-z0-9])`, 'i');

const XMP_PREFIX_ALIASES: Record<string, string> = { Container: 'GContainer' };

/** The patterns any one of which, found in a path segment or the tag, represents the group. */
export function patternsFor(group: string): RegExp[] {
  const out: RegExp[] = [token(group)];
  if (group.startsWith('XMP-')) {
    const ns = group.slice(4);
    // rdf:about and x:xmptk belong to the packet itself: any finding inside the XMP packet shows it.
    if (ns === 'rdf' || ns === 'x') return [/XMP/i];
    // ExifTool 12.57 has no table for Google's container namespace and names the group by the
    // file's own prefix ('Container'); Airlock (like ExifTool 13) uses the conventional 'GContainer'.
    const alias = XMP_PREFIX_ALIASES[ns];
    return [new RegExp(`^${esc(ns)}:`, 'i'), ...(alias ? [new RegExp(`^${esc(alias)}:`, 'i')] : [])];
  }
  if (group === 'ExifIFD') out.push(/(^|[^A-Za-z])Exif ?IFD(?![A-Za-z0-9])/i);
  if (group === 'GPS') out.push(/(^|[^A-Za-z])GPS ?IFD(?![A-Za-z0-9])/i);
  if (group === 'InteropIFD') out.push(/Interop/i);
  if (/^SubIFD\d*$/.test(group)) out.push(token('SubIFD', true));
  if (/^MPImage\d+$/.test(group)) out.push(token('MPF', true), token('MPImage', true));
  if (group.startsWith('ICC')) out.push(/ICC/i);
  // A maker's block in a video's user data (Pentax 'TAGS'): Airlock reports it whole, opaque.
  if (MAKER_NOTES.has(group)) out.push(/MakerNote/i, /^UserData_[A-Za-z]{4}$/);
  // ISO-BMFF: ExifTool's QuickTime group is the movie (moov), TrackN its Nth trak, UserData the
  // udta box, ItemList and Keys the item lists (meta › ilst).
  if (group === 'QuickTime') out.push(/^moov$/);
  const track = /^Track(\d+)$/.exec(group);
  if (track) out.push(new RegExp(`^trak ${track[1]}$`));
  if (group === 'UserData') out.push(/^udta$/);
  if (group === 'ItemList' || group === 'Keys') out.push(/^ilst$/);
  // ExifTool 13 decodes Google's HDR+ maker note, carried in (extended) XMP as GCamera:HdrPlusMakernote.
  if (group === 'Google') out.push(/HdrPlusMakernote/i);
  const app = APP_OF[group];
  if (app !== undefined) out.push(new RegExp(`(^|[^A-Za-z0-9])APP${app}(?![0-9])`, 'i'));
  return out;
}

/** True when some finding's path segment or tag matches one of the group's patterns. */
export function represents(findings: readonly Finding[], group: string): boolean {
  const pats = patternsFor(group);
  return findings.some((f) => [...f.path, f.tag].some((s) => pats.some((p) => p.test(s))));
}

/** The metadata-carrying groups of one ExifTool record (keys are 'Group:Tag' with -G1). */
export function groupsOf(rec: Record<string, unknown>): string[] {
  const groups = new Set<string>();
  for (const k of Object.keys(rec)) {
    const i = k.indexOf(':');
    if (i > 0) groups.add(k.slice(0, i));
  }
  return [...groups].filter((g) => !NOT_METADATA.has(g)).sort();
}

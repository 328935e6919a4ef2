/**
 * The bytes of an ICC colour profile that a colour-managed viewer never reads to draw a
 * picture: the description, copyright, maker and model texts, the creation date, private tags,
 * and bytes no tag points to. A profile kept for display would otherwise carry anything written
 * there (a serial, a name) past a scrub that keeps only what the picture needs. Pure: profile bytes
 * in, spans (offsets within the profile) out; `blankIcc` zeroes spans in a copy and recomputes
 * the profile ID. Layouts from ICC.1:2010 (v4) and ICC.1:2001-04 (v2 `desc`).
 */
import { createHash } from 'node:crypto';
import type { Range } from '../../findings/model.js';

export interface IccFreeText {
  /** ExifTool's name where it has one ('ProfileDescription'), else 'ICC-' and the signature. */
  tag: string;
  /** The text as read ('' for data that is no text: a private tag, unreferenced bytes). */
  text: string;
  spans: Range[];
}

const HEADER = 128;
const DATE = { offset: 24, length: 12 };
const RESERVED = { offset: 100, length: 28 };
const ID = { offset: 84, length: 16 };
/** Characters of a text shown in a finding. */
const MAX_SHOWN = 1024;
/** At most this many tags are read: ICC profiles in the wild have about 20. */
const MAX_TAGS = 1000;

/** ExifTool's names for the tags that hold text (Image::ExifTool::ICC_Profile). */
const NAMES: Record<string, string> = {
  desc: 'ProfileDescription',
  cprt: 'ProfileCopyright',
  dmnd: 'DeviceMfgDesc',
  dmdd: 'DeviceModelDesc',
  vued: 'ViewingCondDesc',
  scrd: 'ScreeningDesc',
  targ: 'CharTarget',
  meta: 'Metadata',
  calt: 'CalibrationDateTime',
  pseq: 'ProfileSequenceDesc',
  clrt: 'ColorantTable',
  clot: 'ColorantTableOut',
  ncl2: 'NamedColor2',
};

/**
 * Tag types that hold colour data only: numbers, curves, tables. A tag of any other type, known
 * (text, dates, names) or private, is not needed to draw the picture.
 */
const COLOUR_TYPES = new Set([
  'curv',
  'para',
  'XYZ ',
  'sf32',
  'uf32',
  'ui08',
  'ui16',
  'ui32',
  'ui64',
  'mft1',
  'mft2',
  'mAB ',
  'mBA ',
  'mpet',
  'chrm',
  'clro',
  'meas',
  'view',
  'sig ',
  'cicp',
]);

const sigAt = (p: Uint8Array, at: number): string => String.fromCharCode(...p.subarray(at, at + 4));
const u32 = (p: Uint8Array, at: number): number => new DataView(p.buffer, p.byteOffset + at, 4).getUint32(0);
const nonZero = (p: Uint8Array, r: Range): boolean => {
  for (let i = r.offset; i < r.offset + r.length; i++) if (p[i] !== 0) return true;
  return false;
};

/** Whether `p` is a profile this module reads: a header, the 'acsp' signature, a tag table inside it. */
export function isIccProfile(p: Uint8Array): boolean {
  if (p.length < HEADER + 4 || sigAt(p, 36) !== 'acsp') return false;
  const count = u32(p, HEADER);
  return count <= MAX_TAGS && HEADER + 4 + 12 * count <= p.length;
}

/**
 * Every span of free text and unread data that holds a byte other than zero, grouped by tag. A
 * tag whose entry points outside the profile is reported whole as far as the profile goes.
 */
export function iccFreeText(p: Uint8Array): IccFreeText[] {
  if (!isIccProfile(p)) return [];
  const out: IccFreeText[] = [];
  const push = (tag: string, text: string, spans: Range[]): void => {
    const held = spans.filter((r) => r.length > 0 && nonZero(p, r));
    if (held.length) out.push({ tag, text, spans: held });
  };
  if (nonZero(p, DATE)) push('ProfileDateTime', headerDate(p), [DATE]);
  const count = u32(p, HEADER);
  const table = HEADER + 4 + 12 * count;
  // What a tag points at, so the bytes nothing points at can be found after.
  const covered: Range[] = [
    { offset: 0, length: RESERVED.offset },
    { offset: HEADER, length: table - HEADER },
  ];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const e = HEADER + 4 + 12 * i;
    const sig = sigAt(p, e);
    const offset = u32(p, e + 4);
    const size = u32(p, e + 8);
    if (offset >= p.length) continue;
    const data = { offset, length: Math.min(size, p.length - offset) };
    covered.push(data);
    // Tags may share their data (v2 profiles point rTRC, gTRC and bTRC at one curve).
    const key = `${data.offset}:${data.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (data.length < 8) continue;
    const type = sigAt(p, data.offset);
    if (COLOUR_TYPES.has(type)) continue;
    const tag = NAMES[sig] ?? `ICC-${printable(sig)}`;
    const text = textSpans(p, data, type);
    if (text) push(tag, text.text, text.spans);
    else push(tag, '', [{ offset: data.offset + 8, length: data.length - 8 }]);
  }
  push('ICC-unreferenced', '', gaps(p.length, covered));
  return out;
}

/**
 * A copy of `p` with `spans` zeroed; when anything changed and the profile carries an ID (an MD5
 * of the profile), the ID is computed again as the format defines it, so the copy stays valid.
 */
export function blankIcc(p: Uint8Array, spans: readonly Range[]): Uint8Array {
  const q = new Uint8Array(p);
  for (const r of spans) q.fill(0, r.offset, Math.min(q.length, r.offset + r.length));
  if (q.length >= HEADER && nonZero(q, ID)) q.set(profileId(q), ID.offset);
  return q;
}

/** ICC.1:2010 7.2.18: MD5 of the profile with the flags, rendering intent and ID fields zeroed. */
export function profileId(p: Uint8Array): Uint8Array {
  const z = new Uint8Array(p);
  z.fill(0, 44, 48);
  z.fill(0, 64, 68);
  z.fill(0, ID.offset, ID.offset + ID.length);
  return new Uint8Array(createHash('md5').update(z).digest());
}

/** The text spans of the text types; undefined for any other type (its data is blanked whole). */
function textSpans(p: Uint8Array, d: Range, type: string): { text: string; spans: Range[] } | undefined {
  const end = d.offset + d.length;
  const within = (at: number, n: number): Range => ({
    offset: Math.min(at, end),
    length: Math.max(0, Math.min(n, end - at)),
  });
  // What is shown of a text: its start (the spans blanked are the whole of it).
  const shown = (r: Range, n: number) => p.subarray(r.offset, r.offset + Math.min(r.length, n));
  const latin = (r: Range) => Buffer.from(shown(r, MAX_SHOWN)).toString('latin1').replace(/\0+$/, '');
  const utf16 = (r: Range) =>
    Buffer.from(shown(r, 2 * MAX_SHOWN))
      .swap16()
      .toString('utf16le')
      .replace(/\0+$/, '');
  if (type === 'text') {
    const r = within(d.offset + 8, d.length - 8);
    return { text: latin(r), spans: [r] };
  }
  if (type === 'desc') {
    // ASCII count and text, Unicode language, count and UTF-16 text, ScriptCode code, count and 67 bytes.
    if (d.length < 12) return undefined;
    const n = u32(p, d.offset + 8);
    const ascii = within(d.offset + 12, n);
    const spans = [ascii];
    const at = ascii.offset + ascii.length + 4;
    if (at + 4 <= end) {
      const m = u32(p, at);
      const uni = within(at + 4, 2 * m);
      spans.push(uni);
      spans.push(within(uni.offset + uni.length + 3, 67));
    }
    return { text: latin(ascii), spans };
  }
  if (type === 'mluc') {
    if (d.length < 16) return undefined;
    const records = u32(p, d.offset + 8);
    const recordSize = u32(p, d.offset + 12);
    if (recordSize < 12) return undefined;
    const spans: Range[] = [];
    let text = '';
    for (let i = 0; i < records && d.offset + 16 + (i + 1) * recordSize <= end; i++) {
      const rec = d.offset + 16 + i * recordSize;
      const r = within(d.offset + u32(p, rec + 8), u32(p, rec + 4));
      spans.push(r);
      if (i === 0) text = utf16({ offset: r.offset, length: r.length & ~1 });
    }
    return { text, spans };
  }
  return undefined;
}

function headerDate(p: Uint8Array): string {
  const v = new DataView(p.buffer, p.byteOffset + DATE.offset, DATE.length);
  const n = (i: number, w: number) => String(v.getUint16(2 * i)).padStart(w, '0');
  return `${n(0, 4)}:${n(1, 2)}:${n(2, 2)} ${n(3, 2)}:${n(4, 2)}:${n(5, 2)}`;
}

const printable = (sig: string): string => sig.replace(/[^\x20-\x7e]/g, '?');

/** The parts of [0, size) that no range in `covered` holds. */
function gaps(size: number, covered: Range[]): Range[] {
  const sorted = [...covered].sort((a, b) => a.offset - b.offset);
  const out: Range[] = [];
  let at = 0;
  for (const r of sorted) {
    if (r.offset > at) out.push({ offset: at, length: r.offset - at });
    at = Math.max(at, r.offset + r.length);
  }
  if (at < size) out.push({ offset: at, length: size - at });
  return out;
}

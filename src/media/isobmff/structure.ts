/**
 * The boxes a movie needs to play, and the free text and spare bytes inside them. The reader
 * reports what these boxes hide (a handler's or a compressor's name, a data reference naming
 * another file, bytes past a box's defined fields, a child no player reads); the rewriter keeps
 * a child of a structural box only when PLAYBACK names its type or a finding on it is kept by
 * the policy. Anything else goes, reported or not: an allowlist, never a denylist.
 */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Collector } from '../types.js';
import { type Box, type BoxBudget, be16, be32, bodyOf, childrenOf, fourcc, printable } from './boxes.js';
import { otherBox, padding } from './items.js';
import { carriedBy } from './units.js';

const set = (...types: string[]): ReadonlySet<string> => new Set(types);
const PAD = ['free', 'skip', 'wide'];

/**
 * What a player reads from a sample entry beyond its fixed fields: codec configuration (avcC,
 * hvcC, esds…), picture geometry and colour, channel layouts (ISO/IEC 14496-12/-15, QuickTime).
 */
const ENTRY_CHILDREN = set(
  'avcC',
  'hvcC',
  'lhvC',
  'av1C',
  'vpcC',
  'vvcC',
  'dvcC',
  'dvvC',
  'dvwC',
  'pasp',
  'colr',
  'clap',
  'btrt',
  'fiel',
  'gama',
  'mdcv',
  'clli',
  'cclv',
  'amve',
  'SmDm',
  'CoLL',
  'st3d',
  'sv3d',
  'esds',
  'wave',
  'chan',
  'chnl',
  'dOps',
  'dfLa',
  'alac',
  'dac3',
  'dec3',
  'dac4',
  'damr',
  'd263',
  'glbl',
  'SA3D',
);

/** Track reference types (ISO/IEC 14496-12 §8.3.3 and its registry, QuickTime's chap/tmcd…). */
export const REFERENCE_TYPES = set(
  'hint',
  'cdsc',
  'font',
  'hind',
  'vdep',
  'vplx',
  'subt',
  'chap',
  'tmcd',
  'sync',
  'scpt',
  'ssrc',
  'folw',
  'thmb',
  'auxl',
  'mpod',
  'dpnd',
  'ipir',
  'sbas',
  'scal',
  'tbas',
  'sabt',
  'oref',
  'adda',
  'adrc',
  'ilrf',
  'avcp',
  'swto',
  'swfr',
  'forc',
  'cdep',
  'lyra',
);

/** Per parent type: the children a movie plays from. A sample entry's are ENTRY_CHILDREN. */
export const PLAYBACK: Readonly<Record<string, ReadonlySet<string>>> = {
  moov: set('mvhd', 'trak', 'udta', 'meta', ...PAD),
  trak: set('tkhd', 'mdia', 'edts', 'tref', 'udta', 'meta', 'tapt', ...PAD),
  mdia: set('mdhd', 'hdlr', 'minf', ...PAD),
  minf: set('vmhd', 'smhd', 'hmhd', 'nmhd', 'sthd', 'gmhd', 'hdlr', 'dinf', 'stbl', ...PAD),
  // ISO/IEC 14496-12 §8.5–8.9, QuickTime's stps; saiz/saio/senc (encryption) are refused.
  stbl: set(
    'stsd',
    'stts',
    'ctts',
    'cslg',
    'stsc',
    'stsz',
    'stz2',
    'stco',
    'co64',
    'stss',
    'stsh',
    'stdp',
    'sdtp',
    'sbgp',
    'sgpd',
    'subs',
    'padb',
    'stps',
    ...PAD,
  ),
  edts: set('elst'),
  dinf: set('dref'),
  dref: set('url ', 'urn ', 'alis'),
  tapt: set('clef', 'prof', 'enof'),
  meta: set('hdlr', 'keys', 'ilst', ...PAD),
  // QuickTime's sound description extension; '\0\0\0\0' is its terminator atom.
  wave: set('frma', 'mp4a', 'esds', 'chan', 'enda', '\0\0\0\0'),
  gmhd: set('gmin', 'tmcd', 'text'),
  tref: REFERENCE_TYPES,
  entry: ENTRY_CHILDREN,
};

/** Sample-group types whose entries are numbers a decoder uses (roll distances, sync flags…). */
const GROUPS = set('roll', 'prol', 'rap ', 'sync', 'alst', 'tele', 'sap ', 'tscl', 'stsa', 'tsas');

/** Nested boxes the rewriter follows at most (a movie's deepest is ~9: moov›trak›mdia›minf›stbl›stsd›entry›wave›esds). */
export const MAX_DEPTH = 32;
export const depthBound = (depth: number, offset: number): number =>
  bound(depth, MAX_DEPTH, 'nested boxes', offset);

/**
 * Bytes of a sample entry's body before its children: a visual entry's fixed fields (ISO/IEC
 * 14496-12 §12.1.3), an audio entry's by its QuickTime version (0: 28, 1: 44, 2: 64).
 * Undefined for other handlers: their tracks go whole.
 */
export function entryFields(src: ByteSource, entry: Box, handler: string): number | undefined {
  const body = bodyOf(entry);
  let fields: number | undefined;
  if (handler === 'vide') fields = 78;
  else if (handler === 'soun') {
    const version = body.length >= 10 ? be16(src.read(body.offset + 8, 2), 0) : 0;
    fields = version === 1 ? 44 : version === 2 ? 64 : 28;
  }
  if (fields !== undefined && body.length < fields)
    throw malformed(
      `'${printable(entry.type)}' sample entry of ${body.length} bytes: its fields need ${fields}`,
      entry.offset,
    );
  return fields;
}

/**
 * A full box's defined body length (version and flags included) from its first 16 body bytes;
 * undefined where Airlock does not know it. Bytes past it are no field any reader names.
 */
export function definedLength(type: string, b: Uint8Array): number | undefined {
  const v = b[0];
  const count = be32(b, 4);
  switch (type) {
    case 'mvhd':
      return v === 1 ? 112 : 100;
    case 'tkhd':
      return v === 1 ? 96 : 84;
    case 'mdhd':
      return v === 1 ? 36 : 24;
    case 'vmhd':
    case 'clef':
    case 'prof':
    case 'enof':
      return 12;
    case 'smhd':
      return 8;
    case 'hmhd':
      return 20;
    case 'nmhd':
    case 'sthd':
      return 4;
    case 'elst':
      return 8 + count * (v === 1 ? 20 : 12);
    case 'stts':
    case 'ctts':
    case 'stsh':
    case 'co64':
      return 8 + count * 8;
    case 'stsc':
      return 8 + count * 12;
    case 'stco':
    case 'stss':
    case 'stps':
      return 8 + count * 4;
    case 'stsz':
      return count === 0 ? 12 + be32(b, 8) * 4 : 12;
    case 'cslg':
      return v === 1 ? 44 : 24;
    case 'sbgp':
      return v === 1 ? 16 + be32(b, 12) * 8 : 12 + be32(b, 8) * 8;
    default:
      return undefined;
  }
}

/** Which times a full box holds, and under which names. */
export const TIMED: Readonly<Record<string, [string, string]>> = {
  mvhd: ['CreateDate', 'ModifyDate'],
  tkhd: ['TrackCreateDate', 'TrackModifyDate'],
  mdhd: ['MediaCreateDate', 'MediaModifyDate'],
};

/** How much of a run of spare bytes is read to tell zeros from data; longer runs are reported unread. */
const SPARE_CHECK = 64 * 1024;

/**
 * Bytes that carry no field (past a box's defined fields, a blanked name): reported when they
 * are not all zeros, carried as a range the rewriter zeroes.
 */
function spare(
  src: ByteSource,
  box: Box,
  at: number,
  length: number,
  path: string[],
  out: Collector,
  tag: string,
  text?: (b: Uint8Array) => string,
): void {
  if (length <= 0) return;
  const b = length <= SPARE_CHECK ? src.read(at, length) : undefined;
  if (b?.every((x) => x === 0)) return;
  const first = out.findings.length;
  out.add({
    category: 'other',
    tag,
    path: [...path, printable(box.type)],
    ranges: [{ offset: at, length }],
    value:
      b && text
        ? { kind: 'text', text: text(b) }
        : { kind: 'block', size: length, note: `bytes past the '${printable(box.type)}' fields` },
  });
  carriedBy(out, first, { kind: 'bytes', box, at, length });
}

/** Bytes past a known full box's defined fields. */
export function trailing(src: ByteSource, box: Box, path: string[], out: Collector): void {
  const body = bodyOf(box);
  const defined = definedLength(box.type, src.read(body.offset, Math.min(body.length, 16)));
  if (defined === undefined || defined >= body.length) return;
  spare(src, box, body.offset + defined, body.length - defined, path, out, 'TrailingBytes');
}

/**
 * A full box's defined fields must all be there: a short mvhd, tkhd or mdhd would hide a date
 * that ExifTool still reads, so it is refused rather than passed over.
 */
export function requireFields(src: ByteSource, box: Box): void {
  const body = bodyOf(box);
  const defined = definedLength(box.type, src.read(body.offset, Math.min(body.length, 16)));
  if (defined !== undefined && body.length < defined)
    throw malformed(
      `'${printable(box.type)}' of ${body.length} bytes: its fields need ${defined}`,
      box.offset,
    );
}

/** A name as text: a Pascal string (QuickTime) or NUL-terminated (ISO), control bytes dropped. */
const nameText = (b: Uint8Array): string => {
  const pascal = b[0] !== undefined && b[0] > 0 && b[0] < b.length && b[0] < 0x20;
  const s = Buffer.from(pascal ? b.subarray(1, 1 + b[0]!) : b).toString('utf8');
  return s.replace(/[\0-\x1f]+/g, ' ').trim();
};

/** hdlr: the handler's name (free text: 'VideoHandler', a vendor's, anything) after its type. */
export function handlerName(src: ByteSource, hdlr: Box, path: string[], out: Collector): void {
  const body = bodyOf(hdlr);
  if (body.length <= 24) return;
  spare(src, hdlr, body.offset + 24, body.length - 24, path, out, 'HandlerDescription', nameText);
}

/**
 * stsd of a picture or sound track: each entry's free text (a compressor's name, a vendor code)
 * and the children past its fields, of which only codec configuration is named.
 */
export function readSampleEntries(
  src: ByteSource,
  stsd: Box,
  handler: string,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  const here = [...path, 'stsd'];
  for (const entry of childrenOf(src, stsd, budget, 8)) {
    const fields = entryFields(src, entry, handler);
    if (fields === undefined) continue;
    const body = bodyOf(entry);
    const at = [...here, printable(entry.type)];
    // QuickTime's vendor code ('appl', 'FFMP'…), after version and revision (which say how a
    // sound entry is laid out, so they stay).
    spare(src, entry, body.offset + 12, 4, here, out, 'SampleEntryVendor', (b) => printable(fourcc(b, 0)));
    if (handler === 'vide') spare(src, entry, body.offset + 42, 32, here, out, 'CompressorName', nameText);
    for (const child of childrenOf(src, entry, budget, fields)) {
      if (!ENTRY_CHILDREN.has(child.type)) otherBox(src, child, at, out);
      else if (child.type === 'wave')
        for (const w of childrenOf(src, child, budget))
          if (!PLAYBACK.wave?.has(w.type)) otherBox(src, w, [...at, 'wave'], out);
    }
  }
}

/** dinf: one data reference table, whose entries must say "in this file" and nothing more. */
export function readDataInfo(
  src: ByteSource,
  dinf: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  const here = [...path, 'dinf'];
  for (const dref of childrenOf(src, dinf, budget)) {
    if (dref.type !== 'dref') {
      otherBox(src, dref, here, out);
      continue;
    }
    for (const entry of childrenOf(src, dref, budget, 8)) {
      const body = bodyOf(entry);
      const flags = body.length >= 4 ? be32(src.read(body.offset, 4), 0) & 0xffffff : 0;
      // Self-contained (flag 1) and empty: the media is in this file, nothing else said.
      if (PLAYBACK.dref?.has(entry.type) && flags & 1 && body.length === 4) continue;
      const first = out.findings.length;
      const text =
        body.length > 4 ? nameText(src.read(body.offset + 4, Math.min(body.length - 4, 4096))) : '';
      out.add({
        category: 'other',
        tag: 'DataReference',
        path: [...here, 'dref'],
        ranges: [{ offset: entry.offset, length: entry.size }],
        value: text
          ? { kind: 'text', text }
          : { kind: 'block', size: entry.size, note: `'${printable(entry.type)}' reference, flags ${flags}` },
      });
      carriedBy(out, first, { kind: 'box', box: entry });
    }
  }
}

/** edts: the edit list, its entries and nothing past them. */
export function readEdits(
  src: ByteSource,
  edts: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  for (const child of childrenOf(src, edts, budget))
    if (child.type === 'elst') trailing(src, child, [...path, 'edts'], out);
    else otherBox(src, child, [...path, 'edts'], out);
}

/** tref: references of known types, each a list of track IDs. */
export function readReferences(
  src: ByteSource,
  tref: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  for (const child of childrenOf(src, tref, budget))
    if (!REFERENCE_TYPES.has(child.type) || (child.size - child.header) % 4 !== 0)
      otherBox(src, child, [...path, 'tref'], out);
}

/** tapt: QuickTime's track apertures, three fixed boxes. */
export function readApertures(
  src: ByteSource,
  tapt: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  for (const child of childrenOf(src, tapt, budget))
    if (PLAYBACK.tapt?.has(child.type)) trailing(src, child, [...path, 'tapt'], out);
    else otherBox(src, child, [...path, 'tapt'], out);
}

/** A sample table's child: tables checked for bytes past their entries, sample groups by type. */
export function readSampleTable(src: ByteSource, box: Box, path: string[], out: Collector): void {
  if (PAD.includes(box.type)) padding(src, box, path, out);
  else if (!PLAYBACK.stbl?.has(box.type) || !knownGroup(src, box)) otherBox(src, box, path, out);
  else trailing(src, box, path, out);
}

/** A sample-group box's grouping type is one whose entries are numbers a decoder uses (other boxes: true). */
function knownGroup(src: ByteSource, box: Box): boolean {
  if (box.type !== 'sgpd' && box.type !== 'sbgp') return true;
  const body = bodyOf(box);
  return body.length >= 8 && GROUPS.has(fourcc(src.read(body.offset + 4, 4), 0));
}

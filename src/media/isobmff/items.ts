/**
 * Metadata items → findings: QuickTime user data ('©' text items, 3GPP boxes), the iTunes-style
 * item list (meta 'mdir' › ilst) and the keyed item list (meta 'mdta' › keys + ilst). Each item
 * is one finding over its bytes; a value Airlock cannot decode is reported as a block, never
 * passed over.
 */
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Category, Finding, Range, Value } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { readXmpPacket } from '../xmp/read.js';
import { type Box, type BoxBudget, be16, be32, bodyOf, childrenOf, printable, wholeOf } from './boxes.js';
import { parseIso6709 } from './iso6709.js';
import { handlerName } from './structure.js';
import { ITEM_LIST, keyInfo, type TagInfo, USER_DATA } from './tags.js';
import { carriedBy } from './units.js';

const MAC_ROMAN = new TextDecoder('macintosh');
const UTF8 = new TextDecoder('utf-8');
const UTF16BE = new TextDecoder('utf-16be');

/** Box body bytes, bounded like every metadata block (a bigger one is an error, never skipped). */
export function bodyBytes(src: ByteSource, box: Box): Uint8Array {
  const r = bodyOf(box);
  bound(r.length, LIMITS.maxBlockBytes, `bytes in a '${printable(box.type)}' box`, box.offset);
  return src.read(r.offset, r.length);
}

const s32 = (b: Uint8Array, at: number): number => be32(b, at) | 0;

const clean = (s: string): string => s.replace(/\0+$/, '');

function finding(info: TagInfo, path: string[], range: Range, value: Value): Finding {
  return { category: info.category, tag: info.name, path, ranges: [range], value };
}

/** A text value: a position when it is an ISO 6709 point under a position tag. */
function textValue(info: TagInfo, text: string): Value {
  if (info.category === 'location.drone') {
    const p = parseIso6709(text);
    if (p) return { kind: 'position', position: p };
  }
  return info.category === 'time' ? { kind: 'time', text } : { kind: 'text', text };
}

const blockValue = (size: number, note?: string): Value =>
  note === undefined ? { kind: 'block', size } : { kind: 'block', size, note };

/** moov › udta (or trak › udta): every child is an item. */
export function readUserData(
  src: ByteSource,
  udta: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  for (const box of childrenOf(src, udta, budget)) {
    const here = [...path, printable(box.type)];
    if (box.type === 'meta') {
      readMeta(src, box, here, out, budget);
      continue;
    }
    const first = out.findings.length;
    if (box.type === 'XMP_') {
      const r = bodyOf(box);
      readXmpPacket(bodyBytes(src, box), r.offset, here, out);
      carriedBy(out, first, { kind: 'xmp', box });
      continue;
    }
    out.add(userDataFinding(src, box, path));
    carriedBy(out, first, { kind: 'box', box });
  }
}

/** The finding of one user-data item (not 'meta' or 'XMP_', which hold findings of their own). */
export function userDataFinding(src: ByteSource, box: Box, path: string[]): Finding {
  const known = USER_DATA[box.type];
  const info = known ?? { name: `UserData_${printable(box.type)}`, category: unknownCategory(box.type) };
  return userDataItem(src, box, info, path, known !== undefined);
}

/** Unknown '©' items are text by convention; other unknown boxes are vendor data Airlock cannot read. */
const unknownCategory = (type: string): Category => (type.startsWith('©') ? 'other' : 'opaque');

function userDataItem(src: ByteSource, box: Box, info: TagInfo, path: string[], known: boolean): Finding {
  const body = bodyOf(box);
  if (info.category === 'imagery.embedded' || info.category === 'opaque')
    return finding(info, path, wholeOf(box), blockValue(body.length));
  const bytes = bodyBytes(src, box);
  if (box.type.startsWith('©')) {
    const text = intlText(bytes);
    if (text !== undefined) return finding(info, path, wholeOf(box), textValue(info, text));
    // DJI's '©mdl' and a few others hold a bare string.
    if (known || printableText(bytes))
      return finding(info, path, wholeOf(box), textValue(info, clean(MAC_ROMAN.decode(bytes))));
    return finding(info, path, wholeOf(box), blockValue(body.length));
  }
  if (box.type === 'loci') {
    const p = location3gpp(bytes);
    if (p) return finding(info, path, wholeOf(box), p);
  }
  if (box.type === 'yrrc' && bytes.length >= 6)
    return finding(info, path, wholeOf(box), { kind: 'time', text: String(be16(bytes, 4)) });
  const text3gpp = known ? string3gpp(bytes) : undefined;
  if (text3gpp !== undefined) return finding(info, path, wholeOf(box), textValue(info, text3gpp));
  if (known && printableText(bytes))
    return finding(info, path, wholeOf(box), textValue(info, clean(MAC_ROMAN.decode(bytes))));
  return finding(info, path, wholeOf(box), blockValue(body.length));
}

/**
 * QuickTime international text: [u16 size][u16 language][size bytes] repeated. Language codes
 * below 0x400 are Macintosh codes (Mac Roman text); above, packed ISO 639 (UTF-8). Undefined
 * when the bytes are not laid out that way.
 */
function intlText(b: Uint8Array): string | undefined {
  const texts: string[] = [];
  let at = 0;
  while (at + 4 <= b.length) {
    const n = be16(b, at);
    const lang = be16(b, at + 2);
    if (at + 4 + n > b.length) return undefined;
    const bytes = b.subarray(at + 4, at + 4 + n);
    texts.push(clean(lang < 0x400 && lang !== 0x7fff ? MAC_ROMAN.decode(bytes) : UTF8.decode(bytes)));
    at += 4 + n;
  }
  return at === b.length && texts.length > 0 ? texts.join('; ') : undefined;
}

/** A 3GPP string box: version/flags, a packed language, then a UTF-8 or UTF-16 (BOM) string. */
function string3gpp(b: Uint8Array): string | undefined {
  if (b.length < 6) return undefined;
  const s = b.subarray(6);
  if (s[0] === 0xfe && s[1] === 0xff) return clean(UTF16BE.decode(s.subarray(2)));
  return clean(UTF8.decode(s));
}

/** 3GPP 'loci': name, role, then longitude, latitude and altitude as signed 16.16 fixed point. */
function location3gpp(b: Uint8Array): Value | undefined {
  let at = 6;
  if (b[at] === 0xfe && b[at + 1] === 0xff) {
    at += 2;
    while (at + 1 < b.length && (b[at] !== 0 || b[at + 1] !== 0)) at += 2;
    at += 2;
  } else {
    while (at < b.length && b[at] !== 0) at++;
    at++;
  }
  at++; // role
  if (at + 12 > b.length) return undefined;
  const lon = s32(b, at) / 65536;
  const lat = s32(b, at + 4) / 65536;
  const alt = s32(b, at + 8) / 65536;
  return { kind: 'position', position: { lat, lon, alt } };
}

/** Text a person would read: no control bytes but tab/newline, NULs only at the end. */
function printableText(b: Uint8Array): boolean {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/**
 * A 'meta' box of metadata items: QuickTime's is a plain container, ISO's a full box (4 bytes of
 * version and flags first); which one is told by whether a 'hdlr' box starts where a child would.
 */
export function metaChildren(src: ByteSource, meta: Box, budget: BoxBudget): Box[] {
  return [...childrenOf(src, meta, budget, metaSkip(src, meta))];
}

/** Bytes of a 'meta' body before its first child: 4 (an ISO full box) or 0 (QuickTime's). */
export function metaSkip(src: ByteSource, meta: Box): number {
  const start = meta.offset + meta.header;
  return meta.size - meta.header >= 8 && isBoxType(src.read(start + 4, 4)) ? 0 : 4;
}

const isBoxType = (b: Uint8Array): boolean => b.every((c) => (c >= 0x20 && c < 0x7f) || c === 0xa9);

/** The handler type a 'hdlr' box names (after version/flags and pre_defined). */
export function handlerType(src: ByteSource, hdlr: Box): string {
  const body = bodyOf(hdlr);
  if (body.length < 12) return '';
  const b = src.read(body.offset + 8, 4);
  return String.fromCharCode(...b);
}

/** meta › hdlr + keys + ilst: every item of the list. */
export function readMeta(
  src: ByteSource,
  meta: Box,
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  const children = metaChildren(src, meta, budget);
  const keysBox = children.find((b) => b.type === 'keys');
  const keys = keysBox ? readKeys(src, keysBox) : [];
  for (const box of children) {
    if (box.type === 'ilst') readItemList(src, box, keys, [...path, 'ilst'], out, budget);
    else if (box.type === 'free' || box.type === 'skip') padding(src, box, path, out);
    else if (box.type === 'hdlr') handlerName(src, box, path, out);
    else if (box.type !== 'keys') otherBox(src, box, path, out);
  }
}

/** keys: entry_count, then [u32 size][u32 namespace][key] per entry; item n is key n (1-based). */
export function readKeys(src: ByteSource, keys: Box): string[] {
  const b = bodyBytes(src, keys);
  const out: string[] = [];
  let at = 8;
  const count = be32(b, 4);
  for (let i = 0; i < count && at + 8 <= b.length; i++) {
    const n = be32(b, at);
    if (n < 8 || at + n > b.length) break;
    out.push(UTF8.decode(b.subarray(at + 8, at + n)));
    at += n;
  }
  return out;
}

function readItemList(
  src: ByteSource,
  ilst: Box,
  keys: readonly string[],
  path: string[],
  out: Collector,
  budget: BoxBudget,
): void {
  for (const item of childrenOf(src, ilst, budget)) {
    for (const { finding, data } of itemFindings(src, item, keys, path, budget)) {
      out.add(finding);
      carriedBy(
        out,
        out.findings.length - 1,
        data ? { kind: 'data', item, data } : { kind: 'box', box: item },
      );
    }
    // Anything else inside an item is no value of it: reported, and gone unless kept.
    for (const child of childrenOf(src, item, budget))
      if (!itemPart(item, child)) otherBox(src, child, [...path, printable(item.type)], out);
  }
}

/** What an item holds: its values ('data'), and a free-form item's ('----') mean and name. */
export const itemPart = (item: Box, child: Box): boolean =>
  child.type === 'data' || (item.type === '----' && (child.type === 'mean' || child.type === 'name'));

/** An item's type as the 1-based key index a keyed list names it by (its four bytes, big-endian). */
export const itemIndex = (item: Box): number =>
  ((item.type.charCodeAt(0) << 24) |
    (item.type.charCodeAt(1) << 16) |
    (item.type.charCodeAt(2) << 8) |
    item.type.charCodeAt(3)) >>>
  0;

/**
 * One item of a list: a finding per 'data' atom (with the atom), or one for the whole item when
 * it holds none. In a keyed list (`keys` given) an item's type is its 1-based index into keys.
 */
export function itemFindings(
  src: ByteSource,
  item: Box,
  keys: readonly string[],
  path: string[],
  budget: BoxBudget,
): { finding: Finding; data?: Box }[] {
  const key = keys.length > 0 ? keys[itemIndex(item) - 1] : undefined;
  const info: TagInfo =
    key !== undefined
      ? keyInfo(key)
      : (ITEM_LIST[item.type] ?? { name: `ItemList_${printable(item.type)}`, category: 'other' });
  const data = [...childrenOf(src, item, budget)].filter((b) => b.type === 'data');
  if (data.length === 0)
    return [{ finding: finding(info, path, wholeOf(item), blockValue(item.size - item.header)) }];
  return data.map((d) => ({
    finding: finding(info, path, wholeOf(item), dataValue(info, item.type, bodyBytes(src, d))),
    data: d,
  }));
}

/** A 'data' atom: [u32 type][u32 locale][value] (well-known types of the QuickTime spec). */
function dataValue(info: TagInfo, itemType: string, b: Uint8Array): Value {
  const type = be32(b, 0) & 0xffffff;
  const v = b.subarray(8);
  switch (type) {
    case 1:
      return textValue(info, clean(UTF8.decode(v)));
    case 2:
      return textValue(info, clean(UTF16BE.decode(v)));
    case 13:
      return { kind: 'block', size: v.length, mime: 'image/jpeg' };
    case 14:
      return { kind: 'block', size: v.length, mime: 'image/png' };
    case 21:
    case 22:
      if (v.length >= 1 && v.length <= 4) {
        let n = 0;
        for (const c of v) n = n * 256 + c;
        if (type === 21 && (v[0] ?? 0) & 0x80) n -= 2 ** (8 * v.length);
        return { kind: 'number', value: n };
      }
      break;
    case 0:
      // trkn and disk: [pad u16][number u16][of u16]…
      if ((itemType === 'trkn' || itemType === 'disk') && v.length >= 6)
        return { kind: 'text', text: `${be16(v, 2)} of ${be16(v, 4)}` };
      break;
  }
  return blockValue(v.length);
}

/** A box inside a metadata container that is no item Airlock knows: reported whole (XMP read). */
export function otherBox(src: ByteSource, box: Box, path: string[], out: Collector): void {
  const first = out.findings.length;
  if (isXmp(box)) {
    const r = bodyOf(box);
    readXmpPacket(bodyBytes(src, box), r.offset, [...path, 'uuid XMP'], out);
    carriedBy(out, first, { kind: 'xmp', box });
    return;
  }
  out.add(opaqueFinding(box, path));
  carriedBy(out, first, { kind: 'box', box });
}

export const isXmp = (box: Box): boolean => box.type === 'uuid' && box.uuid === XMP_UUID;

export function opaqueFinding(box: Box, path: string[]): Finding {
  const name = box.type === 'uuid' ? `uuid ${box.uuid}` : printable(box.type);
  return { category: 'opaque', tag: name, path, ranges: [wholeOf(box)], value: blockValue(box.size) };
}

/** How much of a padding box is checked for content. */
const PADDING_CHECK = 64 * 1024;

/**
 * free/skip/wide: padding, unless it holds data (a tool that blanked metadata in place may have
 * left it there); checked up to PADDING_CHECK bytes, beyond that reported unchecked.
 */
export function padding(src: ByteSource, box: Box, path: string[], out: Collector): void {
  const f = paddingFinding(src, box, path);
  if (!f) return;
  out.add(f);
  carriedBy(out, out.findings.length - 1, { kind: 'box', box });
}

export function paddingFinding(src: ByteSource, box: Box, path: string[]): Finding | undefined {
  const r = bodyOf(box);
  if (r.length <= 0) return undefined;
  if (r.length <= PADDING_CHECK && src.read(r.offset, r.length).every((b) => b === 0)) return undefined;
  return {
    category: 'other',
    tag: 'Free',
    path,
    ranges: [wholeOf(box)],
    value: { kind: 'block', size: r.length, note: 'padding that holds data' },
  };
}

/** The uuid of an XMP packet in an MP4 (Adobe XMP specification part 3, §1.1.4). */
export const XMP_UUID = 'be7acfcb97a942e89c71999491e3afac';

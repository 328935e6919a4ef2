/**
 * The RDF walk over one XMP packet: namespace-aware XML events (xml.ts) in, flat properties out.
 * Handles the XMP serialisation forms: properties as rdf:Description attributes and as elements,
 * rdf:Seq/Bag/Alt lists, structs (nested rdf:Description, rdf:parseType="Resource", attribute
 * shorthand) and rdf:resource values. Struct fields are flattened the ExifTool way
 * ('Iptc4xmpExt:LocationShown' + 'City' → 'Iptc4xmpExt:LocationShownCity').
 * A DTD is refused outright, so entity expansion cannot happen.
 */
import { malformed } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { Range } from '../../findings/model.js';
import { NS, prefixFor } from './namespaces.js';
import { isOddAttribute } from './odd-attributes.js';
import { decodePacket } from './offsets.js';
import {
  readXml,
  recording,
  XMLNS_NS,
  type XmlAttr,
  type XmlEvents,
  type XmlHandler,
  type XmlTag,
} from './xml.js';
import { isStandardXpacket } from './xpacket.js';

/**
 * Pseudo-properties for what a packet holds outside any property value: processing instructions
 * other than the xpacket wrapper, and character data beside the RDF, between properties or
 * inside a struct or list. No XMP reader gives them a meaning, and the rewriter removes them
 * always (rewrite-spans.ts 'stray'); reported so inspect shows what a writer hid there.
 */
export const STRAY_PI = 'stray:ProcessingInstruction';
export const STRAY_TEXT = 'stray:Text';
/** An attribute that holds no XMP value (odd-attributes.ts), as `name="value"`. */
export const STRAY_ATTR = 'stray:Attribute';
export const isStrayTag = (tag: string): boolean =>
  tag === STRAY_PI || tag === STRAY_TEXT || tag === STRAY_ATTR;

export interface XmpProperty {
  /** 'prefix:Local', struct fields appended: 'xmpMM:HistoryInstanceID'. */
  tag: string;
  /** One entry per value (a list has several). */
  values: string[];
  /** Absolute file ranges of the value bytes, one per value. */
  ranges: Range[];
}

type Frame =
  | { kind: 'wrap' }
  | { kind: 'rdf' }
  | { kind: 'node'; ctx: string | null }
  | { kind: 'list'; tag: string }
  | {
      kind: 'prop';
      tag: string;
      openEnd: number;
      children: number;
      text: string;
      resourceLike: boolean;
      fields: boolean;
      /** Where its character data stands: reported as stray when it is not the value. */
      runs: number[];
    };

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The last few packets parsed, by content, when a caller asked for it (scrub: its rewriter parses
 * the very packet its analysis parsed just before; a parse is most of the cost of an XMP packet).
 * Off by default: inspect never parses a packet twice. Each entry holds a copy of the bytes it
 * was parsed from, so a hit is a whole-content match, never a reused buffer's stale parse.
 */
const recent: { bytes: Buffer; fileOffset: number; props: XmpProperty[]; xml: ParsedXml }[] = [];

/** The text a packet's XML was read from and the events reading it gave (xml.ts recording). */
interface ParsedXml {
  src: string;
  events: XmlEvents;
}

/**
 * readXml's events for `src`, when a packet remembered here was read from exactly this text:
 * the rewriter's span walk (rewrite-spans.ts) replays them instead of reading the text again.
 */
export function rememberedXml(src: string): XmlEvents | undefined {
  for (const r of recent) if (r.xml.src.length === src.length && r.xml.src === src) return r.xml.events;
  return undefined;
}
let keepRecent = 0;
/** Packets larger than this are never remembered (the copy would cost more than it saves). */
const MAX_REMEMBERED_BYTES = 256 * 1024;

/** Remember the last `n` parses (0: none, the default). */
export function rememberXmpParses(n: number): void {
  keepRecent = n;
  recent.length = 0;
}

/** A parse's properties moved to another base offset: fresh objects, shared with nothing. */
const rebased = (props: readonly XmpProperty[], delta: number): XmpProperty[] =>
  props.map((p) => ({
    tag: p.tag,
    values: [...p.values],
    ranges: p.ranges.map((r) => ({ offset: r.offset + delta, length: r.length })),
  }));

export function parseXmp(bytes: Uint8Array, fileOffset: number): XmpProperty[] {
  if (keepRecent === 0 || bytes.length > MAX_REMEMBERED_BYTES) return parsePacket(bytes, fileOffset);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const hit = recent.find((r) => r.bytes.length === view.length && r.bytes.equals(view));
  if (hit) return rebased(hit.props, fileOffset - hit.fileOffset);
  // A packet that does not parse throws here, every time: failures are never remembered.
  const xml: ParsedXml = { src: '', events: [] };
  const props = parsePacket(bytes, fileOffset, xml);
  recent.unshift({ bytes: Buffer.from(view), fileOffset, props: rebased(props, 0), xml });
  recent.length = Math.min(recent.length, keepRecent);
  return props;
}

/** `xml`, when given, receives the text read and every event reading it gave. */
function parsePacket(bytes: Uint8Array, fileOffset: number, xml?: ParsedXml): XmpProperty[] {
  bound(bytes.length, LIMITS.maxXmpBytes, 'XMP packet bytes', fileOffset);
  const { text, map } = decodePacket(bytes, fileOffset);

  // Packets are often NUL- or space-padded, or carry a BOM before the first '<'.
  const start = text.indexOf('<');
  if (start < 0) throw malformed('XMP packet holds no XML', fileOffset);
  let end = text.length;
  while (end > start && /[\0\s]/.test(text.charAt(end - 1))) end--;
  const src = start > 0 || end < text.length ? text.slice(start, end) : text;
  const at = (i: number): number => fileOffset + map.byteOf(start + i);
  if (xml) xml.src = src;

  const props = new Map<string, XmpProperty>();
  const emit = (tag: string, value: string, from: number, to: number): void => {
    let p = props.get(tag);
    if (!p) {
      p = { tag, values: [], ranges: [] };
      props.set(tag, p);
    }
    p.values.push(value);
    const o = at(from);
    p.ranges.push({ offset: o, length: at(to) - o });
  };

  const stack: Frame[] = [];
  const nameOf = (uri: string, docPrefix: string, local: string): string =>
    `${prefixFor(uri, docPrefix)}:${local}`;
  const tagIn = (ctx: string | null, uri: string, docPrefix: string, local: string): string =>
    ctx === null ? nameOf(uri, docPrefix, local) : `${ctx}${cap(local)}`;
  const isPlainAttr = (a: XmlAttr): boolean =>
    a.uri !== '' && // unprefixed attributes (the old `about=`) are not properties
    a.uri !== XMLNS_NS &&
    a.prefix !== 'xmlns' &&
    a.name !== 'xmlns' &&
    a.uri !== NS.rdf &&
    a.uri !== NS.xml;

  /** Attributes of a node element (or of a property element used as a struct) are properties. */
  const attrsAsProps = (tag: XmlTag, ctx: string | null): number => {
    let n = 0;
    for (const a of tag.attrs) {
      if (!isPlainAttr(a)) continue;
      emit(tagIn(ctx, a.uri, a.prefix, a.local), a.value, a.valueFrom, a.valueTo);
      n++;
    }
    return n;
  };

  /**
   * rdf:about (or the old unprefixed `about`) often holds a document UUID: reported as
   * 'rdf:about' (ExifTool's XMP-rdf:About) when it is not empty, so it is never silent.
   */
  const aboutAsProp = (tag: XmlTag): void => {
    for (const a of tag.attrs) {
      const isAbout = (a.uri === NS.rdf && a.local === 'about') || (a.uri === '' && a.name === 'about');
      if (!isAbout || a.value === '') continue;
      emit('rdf:about', a.value, a.valueFrom, a.valueTo);
    }
  };

  function propFrame(tag: XmlTag, propTag: string): Frame {
    let parseType: string | undefined;
    let resource: XmlAttr | undefined;
    for (const a of tag.attrs) {
      if (a.uri !== NS.rdf) continue;
      if (a.local === 'parseType' && parseType === undefined) parseType = a.value;
      else if (a.local === 'resource' && resource === undefined) resource = a;
    }
    const frame: Frame = {
      kind: 'prop',
      tag: propTag,
      openEnd: tag.end,
      children: 0,
      text: '',
      resourceLike: parseType === 'Resource',
      fields: false,
      runs: [],
    };
    if (resource) {
      emit(propTag, resource.value, resource.valueFrom, resource.valueTo);
      frame.fields = true;
    }
    // Attribute shorthand for a struct: <exif:Flash exif:Fired="False"/>.
    if (attrsAsProps(tag, propTag) > 0) frame.fields = true;
    return frame;
  }

  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'prop') top.text += t;
  };
  const NON_SPACE = /[^ \t\r\n]/;
  const strayText = (from: number, to: number): void => {
    if (NON_SPACE.test(src.slice(from, to))) emit(STRAY_TEXT, src.slice(from, to), from, to);
  };

  const handler: XmlHandler = {
    open(tag) {
      bound(stack.length + 1, LIMITS.maxXmpDepth, 'XMP nesting depth', at(tag.end));
      const parent = stack[stack.length - 1];
      const isRdf = tag.uri === NS.rdf;
      for (const a of tag.attrs)
        if (isOddAttribute(a, parent?.kind === 'rdf'))
          emit(STRAY_ATTR, `${a.name}="${a.value}"`, a.nameStart, a.valueTo + 1);
      let frame: Frame;
      if (!parent || parent.kind === 'wrap') {
        frame = isRdf && tag.local === 'RDF' ? { kind: 'rdf' } : { kind: 'wrap' };
        // Attributes of x:xmpmeta or rdf:RDF are properties too, as ExifTool reads them
        // (x:xmptk is XMP-x:XMPToolkit): a position or a serial put there is found and judged,
        // not passed on unseen (QA: drone-dji:DroneSerialNumber on x:xmpmeta survived scrub).
        attrsAsProps(tag, null);
      } else if (parent.kind === 'rdf') {
        frame = { kind: 'node', ctx: null };
        attrsAsProps(tag, null);
        aboutAsProp(tag);
      } else if (parent.kind === 'node') {
        frame = propFrame(tag, tagIn(parent.ctx, tag.uri, tag.prefix, tag.local));
      } else if (parent.kind === 'list') {
        frame = propFrame(tag, parent.tag);
      } else {
        parent.children++;
        if (isRdf && (tag.local === 'Seq' || tag.local === 'Bag' || tag.local === 'Alt')) {
          frame = { kind: 'list', tag: parent.tag };
        } else if (isRdf && tag.local === 'Description') {
          frame = { kind: 'node', ctx: parent.tag };
          attrsAsProps(tag, parent.tag);
        } else if (isRdf && tag.local === 'value') {
          frame = propFrame(tag, parent.tag);
        } else if (parent.resourceLike) {
          frame = propFrame(tag, `${parent.tag}${cap(tag.local)}`);
        } else {
          // A typed node element standing for a struct.
          frame = { kind: 'node', ctx: parent.tag };
          attrsAsProps(tag, parent.tag);
        }
      }
      stack.push(frame);
    },
    close(tag, closeStart) {
      const frame = stack.pop();
      if (frame?.kind !== 'prop') return;
      if (frame.children > 0 || frame.fields) {
        // A struct or list: its own character data is no value.
        for (let i = 0; i < frame.runs.length; i += 2)
          strayText(frame.runs[i] as number, frame.runs[i + 1] as number);
        return;
      }
      if (!tag.empty) emit(frame.tag, frame.text, frame.openEnd, closeStart);
      else emit(frame.tag, '', frame.openEnd, frame.openEnd); // self-closing empty element
    },
    text: onText,
    textAt(from, to) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'prop') top.runs.push(from, to);
      else strayText(from, to);
    },
    pi(target, from, to) {
      if (target !== 'xpacket' || !isStandardXpacket(src.slice(from, to)))
        emit(STRAY_PI, src.slice(from, to), from, to);
    },
  };
  readXml(src, xml ? recording(handler, xml.events) : handler, (message, index) => {
    throw malformed(`XMP: ${message}`, at(Math.min(index, src.length)));
  });
  return [...props.values()];
}

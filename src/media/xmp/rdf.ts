/**
 * The RDF walk over one XMP packet: namespace-aware SAX events in, flat properties out.
 * Handles the XMP serialisation forms: properties as rdf:Description attributes and as elements,
 * rdf:Seq/Bag/Alt lists, structs (nested rdf:Description, rdf:parseType="Resource", attribute
 * shorthand) and rdf:resource values. Struct fields are flattened the ExifTool way
 * ('Iptc4xmpExt:LocationShown' + 'City' → 'Iptc4xmpExt:LocationShownCity').
 * A DTD is refused outright, so entity expansion cannot happen.
 */
import { type SaxesAttributeNS, SaxesParser, type SaxesTagNS } from 'saxes';
import { AirlockError, malformed } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { Range } from '../../findings/model.js';
import { NS, prefixFor } from './namespaces.js';
import { decodePacket } from './offsets.js';

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
    };

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function parseXmp(bytes: Uint8Array, fileOffset: number): XmpProperty[] {
  bound(bytes.length, LIMITS.maxXmpBytes, 'XMP packet bytes', fileOffset);
  const { text, map } = decodePacket(bytes, fileOffset);
  const abs = (index: number): number => fileOffset + map.byteOf(index);

  // Packets are often NUL- or space-padded, or carry a BOM before the first '<'.
  const start = text.indexOf('<');
  if (start < 0) throw malformed('XMP packet holds no XML', fileOffset);
  let end = text.length;
  while (end > start && /[\0\s]/.test(text.charAt(end - 1))) end--;
  // Writable packets carry kilobytes of whitespace padding between </x:xmpmeta> and the closing
  // <?xpacket?>, which saxes would walk a character at a time: it is left out of what saxes sees
  // (whitespace outside the root element means nothing), and positions after it are mapped back.
  const meta = text.lastIndexOf('xmpmeta>', end);
  let gapAt = end;
  let gap = 0;
  if (meta > start && text.charAt(text.lastIndexOf('<', meta) + 1) === '/') {
    gapAt = meta + 'xmpmeta>'.length;
    let next = gapAt;
    while (next < end && /\s/.test(text.charAt(next))) next++;
    gap = next - gapAt;
  }
  const src = gap > 0 ? text.slice(start, gapAt) + text.slice(gapAt + gap, end) : text.slice(start, end);
  const at = (i: number): number => abs(start + i + (start + i >= gapAt ? gap : 0));

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

  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Frame[] = [];
  /** Attribute end positions (just past the closing quote), by qualified name, for the tag being opened. */
  let attrEnds = new Map<string, number>();

  const attrValueRange = (name: string): [number, number] => {
    const endPos = attrEnds.get(name) ?? 0;
    const quote = src.charAt(endPos - 1);
    const open = src.lastIndexOf(quote, endPos - 2);
    return [open + 1, endPos - 1];
  };
  const nameOf = (uri: string, docPrefix: string, local: string): string =>
    `${prefixFor(uri, docPrefix)}:${local}`;
  const tagIn = (ctx: string | null, uri: string, docPrefix: string, local: string): string =>
    ctx === null ? nameOf(uri, docPrefix, local) : `${ctx}${cap(local)}`;
  const isPlainAttr = (a: SaxesAttributeNS): boolean =>
    a.uri !== '' && // unprefixed attributes (the old `about=`) are not properties
    a.uri !== XMLNS_URI &&
    a.prefix !== 'xmlns' &&
    a.name !== 'xmlns' &&
    a.uri !== NS.rdf &&
    a.uri !== NS.xml;

  /** Attributes of a node element (or of a property element used as a struct) are properties. */
  const attrsAsProps = (tag: SaxesTagNS, ctx: string | null): number => {
    let n = 0;
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      if (!isPlainAttr(a)) continue;
      const [from, to] = attrValueRange(a.name);
      emit(tagIn(ctx, a.uri, a.prefix, a.local), a.value, from, to);
      n++;
    }
    return n;
  };

  /**
   * rdf:about (or the old unprefixed `about`) often holds a document UUID: reported as
   * 'rdf:about' (ExifTool's XMP-rdf:About) when it is not empty, so it is never silent.
   */
  const aboutAsProp = (tag: SaxesTagNS): void => {
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      const isAbout = (a.uri === NS.rdf && a.local === 'about') || (a.uri === '' && a.name === 'about');
      if (!isAbout || a.value === '') continue;
      const [from, to] = attrValueRange(a.name);
      emit('rdf:about', a.value, from, to);
    }
  };

  parser.on('doctype', () => {
    throw malformed('XMP must not carry a DTD (entity expansion refused)', at(parser.position));
  });
  parser.on('error', (e) => {
    if (e instanceof AirlockError) throw e;
    throw malformed(`XMP: ${e.message}`, at(Math.min(parser.position, src.length)));
  });
  parser.on('attribute', (a) => {
    attrEnds.set(a.name, parser.position);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'prop') top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'prop') top.text += t;
  });
  parser.on('opentag', (tag) => {
    bound(stack.length + 1, LIMITS.maxXmpDepth, 'XMP nesting depth', at(parser.position));
    const parent = stack[stack.length - 1];
    const isRdf = tag.uri === NS.rdf;
    let frame: Frame;
    if (!parent || parent.kind === 'wrap') {
      frame = isRdf && tag.local === 'RDF' ? { kind: 'rdf' } : { kind: 'wrap' };
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
    attrEnds = new Map();
  });
  parser.on('closetag', () => {
    const frame = stack.pop();
    if (frame?.kind !== 'prop' || frame.children > 0 || frame.fields) return;
    const closeStart = src.lastIndexOf('</', parser.position - 1);
    if (closeStart >= frame.openEnd) emit(frame.tag, frame.text, frame.openEnd, closeStart);
    else emit(frame.tag, '', frame.openEnd, frame.openEnd); // self-closing empty element
  });

  function propFrame(tag: SaxesTagNS, propTag: string): Frame {
    const attrs = tag.attributes as Record<string, SaxesAttributeNS>;
    const parseType = Object.values(attrs).find((a) => a.uri === NS.rdf && a.local === 'parseType')?.value;
    const resource = Object.values(attrs).find((a) => a.uri === NS.rdf && a.local === 'resource');
    const frame: Frame = {
      kind: 'prop',
      tag: propTag,
      openEnd: parser.position,
      children: 0,
      text: '',
      resourceLike: parseType === 'Resource',
      fields: false,
    };
    if (resource) {
      const [from, to] = attrValueRange(resource.name);
      emit(propTag, resource.value, from, to);
      frame.fields = true;
    }
    // Attribute shorthand for a struct: <exif:Flash exif:Fired="False"/>.
    if (attrsAsProps(tag, propTag) > 0) frame.fields = true;
    return frame;
  }

  parser.write(src).close();
  return [...props.values()];
}

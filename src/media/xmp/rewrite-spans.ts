/**
 * Where each top-level XMP property sits in the packet text, for the rewriter: the whole
 * attribute or element (with the whitespace before it), the prefixes it uses, and the other
 * spans a clean packet must edit (namespace declarations, rdf:about values, comments).
 * Indices are into the decoded text (UTF-16 code units, as saxes counts them).
 */
import { type SaxesAttributeNS, SaxesParser, type SaxesTagNS } from 'saxes';
import { AirlockError, malformed } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import { NS } from './namespaces.js';

export type SpanKind =
  /** A property: an attribute of a top-level node, or an element child of it. */
  | 'prop'
  /** An `xmlns:pfx="…"` declaration on a top-level node. */
  | 'xmlns'
  /** The value of rdf:about (it often holds a document UUID). */
  | 'about'
  | 'comment';

export interface Span {
  kind: SpanKind;
  /** Text indices [from, to): for 'about', just the value between the quotes. */
  from: number;
  to: number;
  /** Prefixes used by names inside a 'prop'; the declared prefix of an 'xmlns'. */
  prefixes: Set<string>;
}

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

type Frame =
  | { kind: 'wrap' }
  | { kind: 'rdf' }
  | { kind: 'node' }
  | { kind: 'prop'; span: Span; top: boolean };

/** Spans of `src` (the packet text from its first '<' to its last non-padding character). */
export function xmpSpans(src: string, offsetOf: (i: number) => number): Span[] {
  const spans: Span[] = [];
  const stack: Frame[] = [];
  const parser = new SaxesParser({ xmlns: true, position: true });
  let tagStart = 0;
  let attrEnds = new Map<string, number>();

  /** Back over whitespace from `i` (exclusive): the start of the whitespace run before `i`. */
  const spaceBefore = (i: number): number => {
    let j = i;
    while (j > 0 && isSpace(src.charAt(j - 1))) j--;
    return j;
  };
  /** [nameStart, valueFrom, valueTo, end] of an attribute whose closing quote ends at `end`. */
  const attrBounds = (a: SaxesAttributeNS): [number, number, number, number] => {
    const end = attrEnds.get(a.name) ?? 0;
    const quote = src.charAt(end - 1);
    const open = src.lastIndexOf(quote, end - 2);
    let i = open - 1;
    while (i > 0 && isSpace(src.charAt(i))) i--;
    if (src.charAt(i) !== '=') throw malformed('XMP: attribute without =', offsetOf(open));
    i--;
    while (i > 0 && isSpace(src.charAt(i))) i--;
    const nameStart = i + 1 - a.name.length;
    if (src.slice(nameStart, i + 1) !== a.name) throw malformed('XMP: attribute name', offsetOf(open));
    return [nameStart, open + 1, end - 1, end];
  };

  const nodeAttributes = (tag: SaxesTagNS): void => {
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      const [nameStart, vFrom, vTo, end] = attrBounds(a);
      if (a.prefix === 'xmlns' || a.uri === XMLNS_URI) {
        if (a.prefix === 'xmlns')
          spans.push({ kind: 'xmlns', from: spaceBefore(nameStart), to: end, prefixes: new Set([a.local]) });
      } else if ((a.uri === NS.rdf && a.local === 'about') || (a.uri === '' && a.name === 'about')) {
        // Old writers use an unprefixed `about`; ExifTool reads both as rdf:about.
        spans.push({ kind: 'about', from: vFrom, to: vTo, prefixes: new Set() });
      } else if (a.uri !== '' && a.uri !== NS.rdf && a.uri !== NS.xml) {
        spans.push({ kind: 'prop', from: spaceBefore(nameStart), to: end, prefixes: new Set([a.prefix]) });
      }
    }
  };
  const usedBy = (span: Span, tag: SaxesTagNS): void => {
    span.prefixes.add(tag.prefix);
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[])
      if (a.prefix !== 'xmlns' && a.name !== 'xmlns' && a.prefix) span.prefixes.add(a.prefix);
  };

  parser.on('doctype', () => {
    throw malformed('XMP must not carry a DTD (entity expansion refused)', offsetOf(parser.position));
  });
  parser.on('error', (e) => {
    if (e instanceof AirlockError) throw e;
    throw malformed(`XMP: ${e.message}`, offsetOf(Math.min(parser.position, src.length)));
  });
  parser.on('opentagstart', () => {
    tagStart = src.lastIndexOf('<', parser.position - 1);
    attrEnds = new Map();
  });
  parser.on('attribute', (a) => {
    attrEnds.set(a.name, parser.position);
  });
  parser.on('comment', () => {
    // saxes reports the comment before it consumes the final '>': find the '-->' itself.
    const close = src.indexOf('-->', Math.max(0, parser.position - 3));
    const end = close < 0 ? parser.position : close + 3;
    spans.push({ kind: 'comment', from: src.lastIndexOf('<!--', end - 3), to: end, prefixes: new Set() });
  });
  parser.on('opentag', (tag) => {
    bound(stack.length + 1, LIMITS.maxXmpDepth, 'XMP nesting depth', offsetOf(parser.position));
    const parent = stack[stack.length - 1];
    let frame: Frame;
    if (!parent || parent.kind === 'wrap') {
      frame = tag.uri === NS.rdf && tag.local === 'RDF' ? { kind: 'rdf' } : { kind: 'wrap' };
    } else if (parent.kind === 'rdf') {
      frame = { kind: 'node' };
      nodeAttributes(tag);
    } else if (parent.kind === 'node') {
      const span: Span = { kind: 'prop', from: spaceBefore(tagStart), to: src.length, prefixes: new Set() };
      spans.push(span);
      usedBy(span, tag);
      frame = { kind: 'prop', span, top: true };
    } else {
      usedBy(parent.span, tag);
      frame = { kind: 'prop', span: parent.span, top: false };
    }
    stack.push(frame);
  });
  parser.on('closetag', () => {
    const frame = stack.pop();
    if (frame?.kind === 'prop' && frame.top) frame.span.to = parser.position;
  });

  parser.write(src).close();
  return spans;
}

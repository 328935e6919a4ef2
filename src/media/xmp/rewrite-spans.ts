/**
 * Where each top-level XMP property sits in the packet text, for the rewriter: the whole
 * attribute or element (with the whitespace before it), the prefixes it uses, and the other
 * spans a clean packet must edit (namespace declarations, rdf:about values, comments, and
 * whatever stands outside the properties).
 * Indices are into the decoded text (UTF-16 code units).
 */
import { malformed } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import { NS } from './namespaces.js';
import { isOddAttribute } from './odd-attributes.js';
import { readXml, replayXml, XMLNS_NS, type XmlEvents, type XmlHandler, type XmlTag } from './xml.js';
import { isStandardXpacket } from './xpacket.js';

export type SpanKind =
  /** A property: an attribute of a top-level node, or an element child of it. */
  | 'prop'
  /** An `xmlns:pfx="…"` declaration on a top-level node. */
  | 'xmlns'
  /** The value of rdf:about (it often holds a document UUID). */
  | 'about'
  | 'comment'
  /**
   * What no property holds: text outside the properties (beside rdf:RDF, between descriptions),
   * processing instructions other than the xpacket wrapper, and attributes that carry no XMP
   * value (odd-attributes.ts). Always removed: an allowlist
   * keeps properties, not whatever else a writer put in the packet.
   */
  | 'stray';

export interface Span {
  kind: SpanKind;
  /** Text indices [from, to): for 'about', just the value between the quotes. */
  from: number;
  to: number;
  /** Prefixes used by names inside a 'prop'; the declared prefix of an 'xmlns'. */
  prefixes: Set<string>;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

type Frame =
  | { kind: 'wrap' }
  | { kind: 'rdf' }
  | { kind: 'node' }
  | {
      kind: 'prop';
      span: Span;
      top: boolean;
      /** Its character data, [from, to) pairs: stray when the element is a struct or list. */
      runs: number[];
      /** Holds elements or field attributes: its own text is no value (as rdf.ts reads it). */
      struct: boolean;
    };

/** Attributes that make a property element a struct (rdf:resource, or a field in shorthand). */
const isField = (a: XmlTag['attrs'][number]): boolean =>
  (a.uri === NS.rdf && a.local === 'resource') ||
  (a.uri !== '' && a.uri !== XMLNS_NS && a.prefix !== 'xmlns' && a.uri !== NS.rdf && a.uri !== NS.xml);

/**
 * Spans of `src` (the packet text from its first '<' to its last non-padding character).
 * `events`: what reading exactly this text gave (rdf.ts rememberedXml), replayed instead of
 * reading it again.
 */
export function xmpSpans(src: string, offsetOf: (i: number) => number, events?: XmlEvents): Span[] {
  const spans: Span[] = [];
  const stack: Frame[] = [];

  /** Back over whitespace from `i` (exclusive): the start of the whitespace run before `i`. */
  const spaceBefore = (i: number): number => {
    let j = i;
    while (j > 0 && isSpace(src.charAt(j - 1))) j--;
    return j;
  };

  const nodeAttributes = (tag: XmlTag): void => {
    for (const a of tag.attrs) {
      const end = a.valueTo + 1; // past the closing quote
      if (a.prefix === 'xmlns' || a.uri === XMLNS_NS) {
        if (a.prefix === 'xmlns')
          spans.push({
            kind: 'xmlns',
            from: spaceBefore(a.nameStart),
            to: end,
            prefixes: new Set([a.local]),
          });
      } else if ((a.uri === NS.rdf && a.local === 'about') || (a.uri === '' && a.name === 'about')) {
        // Old writers use an unprefixed `about`; ExifTool reads both as rdf:about.
        spans.push({ kind: 'about', from: a.valueFrom, to: a.valueTo, prefixes: new Set() });
      } else if (a.uri !== '' && a.uri !== NS.rdf && a.uri !== NS.xml) {
        spans.push({ kind: 'prop', from: spaceBefore(a.nameStart), to: end, prefixes: new Set([a.prefix]) });
      }
    }
  };
  const stray = (from: number, to: number): void => {
    if (/\S/.test(src.slice(from, to))) spans.push({ kind: 'stray', from, to, prefixes: new Set() });
  };
  const usedBy = (span: Span, tag: XmlTag): void => {
    span.prefixes.add(tag.prefix);
    for (const a of tag.attrs)
      if (a.prefix !== 'xmlns' && a.name !== 'xmlns' && a.prefix) span.prefixes.add(a.prefix);
  };

  const handler: XmlHandler = {
    comment(from, to) {
      spans.push({ kind: 'comment', from, to, prefixes: new Set() });
    },
    pi(target, from, to) {
      if (target !== 'xpacket' || !isStandardXpacket(src.slice(from, to)))
        spans.push({ kind: 'stray', from, to, prefixes: new Set() });
    },
    textAt(from, to) {
      // Inside a simple property its value; anywhere else only layout whitespace belongs.
      const top = stack[stack.length - 1];
      if (top?.kind === 'prop') top.runs.push(from, to);
      else stray(from, to);
    },
    open(tag) {
      bound(stack.length + 1, LIMITS.maxXmpDepth, 'XMP nesting depth', offsetOf(tag.end));
      const parent = stack[stack.length - 1];
      for (const a of tag.attrs)
        if (isOddAttribute(a, parent?.kind === 'rdf'))
          spans.push({
            kind: 'stray',
            from: spaceBefore(a.nameStart),
            to: a.valueTo + 1,
            prefixes: new Set(),
          });
      let frame: Frame;
      if (!parent || parent.kind === 'wrap') {
        frame = tag.uri === NS.rdf && tag.local === 'RDF' ? { kind: 'rdf' } : { kind: 'wrap' };
        // Its attributes are properties (rdf.ts reads them so); its namespace declarations stay,
        // since the element itself and the descriptions inside may use them.
        for (const a of tag.attrs)
          if (
            a.prefix !== 'xmlns' &&
            a.uri !== XMLNS_NS &&
            a.uri !== '' &&
            a.uri !== NS.rdf &&
            a.uri !== NS.xml
          )
            spans.push({
              kind: 'prop',
              from: spaceBefore(a.nameStart),
              to: a.valueTo + 1,
              prefixes: new Set([a.prefix]),
            });
      } else if (parent.kind === 'rdf') {
        frame = { kind: 'node' };
        nodeAttributes(tag);
      } else if (parent.kind === 'node') {
        const span: Span = {
          kind: 'prop',
          from: spaceBefore(tag.start),
          to: src.length,
          prefixes: new Set(),
        };
        spans.push(span);
        usedBy(span, tag);
        frame = { kind: 'prop', span, top: true, runs: [], struct: tag.attrs.some(isField) };
      } else {
        usedBy(parent.span, tag);
        parent.struct = true;
        frame = { kind: 'prop', span: parent.span, top: false, runs: [], struct: tag.attrs.some(isField) };
      }
      stack.push(frame);
    },
    close(_tag, _closeStart, end) {
      const frame = stack.pop();
      if (frame?.kind !== 'prop') return;
      if (frame.struct)
        for (let i = 0; i < frame.runs.length; i += 2)
          stray(frame.runs[i] as number, frame.runs[i + 1] as number);
      if (frame.top) frame.span.to = end;
    },
  };
  if (events) {
    replayXml(events, handler);
    return spans;
  }
  readXml(src, handler, (message, index) => {
    throw malformed(`XMP: ${message}`, offsetOf(Math.min(index, src.length)));
  });
  return spans;
}

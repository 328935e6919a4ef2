/**
 * A strict, namespace-aware XML 1.0 reader for XMP packets, sans-IO: text in, events out, each
 * carrying the exact text indices a finding's byte range and the span rewriter need.
 *
 * Hand-written on purpose (measured against saxes, @rgrove/parse-xml, htmlparser2, txml): the
 * strict parsers walk every character through a state machine and give no value offsets, the
 * fast ones are not strict. Here text and attribute values are found with indexOf and checked
 * with one regular expression, so a 38 KB base64 value costs what copying it costs.
 *
 * Well-formedness is checked as saxes checks it (test/xmp/xml-differential.test.ts compares the
 * two): one root; matched tags; names by the XML 1.0 (5th ed.) productions and Namespaces in XML
 * (one colon, bound prefixes, no duplicate attributes); only the five predefined entities and
 * valid character references; no '<' in attribute values, no ']]>' in text, no '--' in comments;
 * an XML declaration only at the very start; no character outside XML's Char. A DOCTYPE is
 * refused outright, so entity expansion cannot happen. The first fault throws (via `fail`).
 * Text and attribute values are normalised as XML says: CR LF and lone CR become LF in text;
 * TAB, LF, CR LF and CR become one space in attribute values (character references are kept).
 */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XmlAttr {
  /** Qualified name as written ('rdf:about'). */
  name: string;
  prefix: string;
  local: string;
  /** Namespace URI; '' for an unprefixed attribute (the default namespace never applies). */
  uri: string;
  /** The decoded, normalised value. */
  value: string;
  /** Text index of the name's first character. */
  nameStart: number;
  /** Text indices of the raw value, between the quotes: [valueFrom, valueTo). */
  valueFrom: number;
  valueTo: number;
}

export interface XmlTag {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  attrs: XmlAttr[];
  /** Text index of '<'. */
  start: number;
  /** Text index just past the start tag's '>'. */
  end: number;
  /** `<a/>`: closed as soon as opened. */
  empty: boolean;
}

export interface XmlHandler {
  open(tag: XmlTag): void;
  /** `closeStart`: index of '</' (equal to `end` for an empty element); `end`: just past '>'. */
  close(tag: XmlTag, closeStart: number, end: number): void;
  /** Character data inside the root (CDATA included), decoded. */
  text?(text: string): void;
  /** The same character data as it stands in the source: [from, to) (a CDATA section whole). */
  textAt?(from: number, to: number): void;
  /** A processing instruction other than the XML declaration, from '<?' to just past '?>'. */
  pi?(target: string, from: number, to: number): void;
  /** A comment anywhere, from '<!--' to just past '-->'. */
  comment?(from: number, to: number): void;
}

/**
 * readXml's events for one text, kept (recording) to be given again (replayXml) without reading
 * the text again: scrub's rewriter walks the very packet its analysis parsed just before
 * (rdf.ts remembers the parse). Flat: each event's kind, then its arguments.
 */
export type XmlEvents = (number | string | XmlTag)[];

const OPEN = 0;
const CLOSE = 1;
const TEXT = 2;
const TEXT_AT = 3;
const PI = 4;
const COMMENT = 5;

/** `h`, with every event readXml gives it also appended to `into` (every kind, whatever `h` takes). */
export function recording(h: XmlHandler, into: XmlEvents): XmlHandler {
  return {
    open(tag) {
      into.push(OPEN, tag);
      h.open(tag);
    },
    close(tag, closeStart, end) {
      into.push(CLOSE, tag, closeStart, end);
      h.close(tag, closeStart, end);
    },
    text(text) {
      into.push(TEXT, text);
      h.text?.(text);
    },
    textAt(from, to) {
      into.push(TEXT_AT, from, to);
      h.textAt?.(from, to);
    },
    pi(target, from, to) {
      into.push(PI, target, from, to);
      h.pi?.(target, from, to);
    },
    comment(from, to) {
      into.push(COMMENT, from, to);
      h.comment?.(from, to);
    },
  };
}

/** The events a whole readXml gave `recording`, given to `h` in the same order. */
export function replayXml(events: XmlEvents, h: XmlHandler): void {
  const n = (i: number): number => events[i] as number;
  for (let i = 0; i < events.length; ) {
    switch (events[i]) {
      case OPEN:
        h.open(events[i + 1] as XmlTag);
        i += 2;
        break;
      case CLOSE:
        h.close(events[i + 1] as XmlTag, n(i + 2), n(i + 3));
        i += 4;
        break;
      case TEXT:
        h.text?.(events[i + 1] as string);
        i += 2;
        break;
      case TEXT_AT:
        h.textAt?.(n(i + 1), n(i + 2));
        i += 3;
        break;
      case PI:
        h.pi?.(events[i + 1] as string, n(i + 2), n(i + 3));
        i += 4;
        break;
      case COMMENT:
        h.comment?.(n(i + 1), n(i + 2));
        i += 3;
        break;
      default:
        throw new Error(`replayXml: no event of kind ${String(events[i])}`);
    }
  }
}

/** Throws: a reader's malformed-input error for `message` at text index `index`. */
export type Fail = (message: string, index: number) => never;

// XML 1.0 5th edition, productions [4] and [4a].
const START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const REST = `${START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = new RegExp(`[${START}][${REST}]*`, 'uy');
const ASCII_NAME = /[:A-Z_a-z][-.0-9:A-Z_a-z]*/y;
/** Any character outside production [2] Char (a lone surrogate included, thanks to the u flag). */
const NOT_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SPACE = /[ \t\r\n]*/y;
const ENTITY = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([^;&<\s]*));/y;
const XML_DECL =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
const NEEDS_TEXT_WORK = /[&\r]/;
const NEEDS_ATTR_WORK = /[&\r\n\t]/;
/** NOT_CHAR without the u flag (several times faster): finds nothing in a packet without surrogates or bad characters. */
const SUSPECT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const isSpaceCode = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
const isCharCode = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

interface Open {
  tag: XmlTag;
  /** Prefix → URI bindings made on this element ('' is the default namespace). */
  ns: Map<string, string> | null;
}

/** Reads `src` (the whole document) and reports it to `h`; throws through `fail` at the first fault. */
export function readXml(src: string, h: XmlHandler, fail: Fail): void {
  const bad = SUSPECT.test(src) ? NOT_CHAR.exec(src) : null;
  if (bad) fail('disallowed character.', bad.index);
  const n = src.length;
  const stack: Open[] = [];
  let rootSeen = false;
  let i = 0;
  /** The first '<' at or after some index attributes have passed (-1: none left), see openTag. */
  let lt = 0;

  const resolve = (prefix: string): string | undefined => {
    for (let k = stack.length - 1; k >= 0; k--) {
      const uri = stack[k]?.ns?.get(prefix);
      if (uri !== undefined) return uri;
    }
    if (prefix === 'xml') return XML_NS;
    if (prefix === 'xmlns') return XMLNS_NS;
    return undefined;
  };
  const nameAt = (at: number, what: string): string => {
    // ASCII names (nearly all) without the slower Unicode regex; it decides whenever a non-ASCII
    // character starts or follows the ASCII part.
    ASCII_NAME.lastIndex = at;
    const a = ASCII_NAME.exec(src);
    if (a && !(src.charCodeAt(ASCII_NAME.lastIndex) >= 0x80)) return a[0];
    NAME.lastIndex = at;
    const m = NAME.exec(src);
    if (!m) fail(`disallowed character in ${what}.`, at);
    return m[0];
  };
  const skipSpace = (at: number): number => {
    SPACE.lastIndex = at;
    SPACE.exec(src);
    return SPACE.lastIndex;
  };
  const qname = (name: string, at: number): [string, string] => {
    const colon = name.indexOf(':');
    if (colon < 0) return ['', name];
    const prefix = name.slice(0, colon);
    const local = name.slice(colon + 1);
    if (prefix === '' || local === '' || local.includes(':')) fail(`malformed name: ${name}.`, at);
    return [prefix, local];
  };

  /** Entity and character references decoded in src[from, to); `attr`: whitespace becomes spaces. */
  const decode = (from: number, to: number, attr: boolean): string => {
    const raw = src.slice(from, to);
    // Most values need nothing done: one native scan settles it (a base64 image runs to 40 KB).
    if (!(attr ? NEEDS_ATTR_WORK : NEEDS_TEXT_WORK).test(raw)) return raw;
    let out = '';
    let run = from;
    for (let k = from; k < to; k++) {
      const c = src.charCodeAt(k);
      if (c === 0x26) {
        out += src.slice(run, k);
        ENTITY.lastIndex = k;
        const m = ENTITY.exec(src);
        if (!m || ENTITY.lastIndex > to) fail('malformed entity reference.', k);
        if (m[3] !== undefined) {
          const v = PREDEFINED[m[3]];
          if (v === undefined) fail(m[3] === '' ? 'empty entity name.' : 'undefined entity.', k);
          out += v;
        } else {
          const cp = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]);
          if (!isCharCode(cp)) fail('malformed character entity.', k);
          out += String.fromCodePoint(cp);
        }
        k = ENTITY.lastIndex - 1;
        run = ENTITY.lastIndex;
      } else if (c === 0x0d || (attr && (c === 0x0a || c === 0x09))) {
        out += src.slice(run, k) + (attr ? ' ' : '\n');
        if (c === 0x0d && src.charCodeAt(k + 1) === 0x0a) k++;
        run = k + 1;
      }
    }
    return run === from ? src.slice(from, to) : out + src.slice(run, to);
  };

  /** Character data in src[from, to), which holds no '<'. */
  const charData = (from: number, to: number): void => {
    if (stack.length === 0) {
      // Outside the root only whitespace may stand.
      if (skipSpace(from) < to) fail('text data outside of root node.', skipSpace(from));
      return;
    }
    const gt = src.slice(from, to).indexOf(']]>'); // within this run only, not to the end of the packet
    if (gt >= 0) fail('the string "]]>" is disallowed in char data.', from + gt);
    h.text?.(decode(from, to, false));
    h.textAt?.(from, to);
  };

  const openTag = (): void => {
    const start = i;
    const name = nameAt(i + 1, 'tag name');
    if (stack.length === 0 && rootSeen) fail('documents may contain only one root.', start);
    let k = i + 1 + name.length;
    const raw: XmlAttr[] = [];
    let empty = false;
    for (;;) {
      const afterSpace = skipSpace(k);
      const c = src.charCodeAt(afterSpace);
      if (c === 0x3e) {
        k = afterSpace + 1;
        break;
      }
      if (c === 0x2f) {
        if (src.charCodeAt(afterSpace + 1) !== 0x3e)
          fail('forward-slash in opening tag not followed by >.', afterSpace);
        k = afterSpace + 2;
        empty = true;
        break;
      }
      if (afterSpace >= n) fail('unexpected end.', n);
      if (afterSpace === k) fail('no whitespace between attributes.', k);
      const aName = nameAt(afterSpace, 'attribute name');
      let e = skipSpace(afterSpace + aName.length);
      if (src.charCodeAt(e) !== 0x3d) fail('attribute without value.', e);
      e = skipSpace(e + 1);
      const q = src.charCodeAt(e);
      if (q !== 0x22 && q !== 0x27) fail('unquoted attribute value.', e);
      const close = src.indexOf(q === 0x22 ? '"' : "'", e + 1);
      if (close < 0) fail('unexpected end.', n);
      // The first '<' at or after e + 1, found again only once passed: one scan per tag, not
      // one per attribute to the end of the tag (300k attributes took 29 s).
      if (lt >= 0 && lt < e + 1) lt = src.indexOf('<', e + 1);
      if (lt >= 0 && lt < close) fail('disallowed character.', lt);
      raw.push({
        name: aName,
        prefix: '',
        local: aName,
        uri: '',
        value: decode(e + 1, close, true),
        nameStart: afterSpace,
        valueFrom: e + 1,
        valueTo: close,
      });
      k = close + 1;
    }

    // Namespace declarations first: they bind for this element's own name and attributes. The
    // URI is trimmed as saxes trims it (whose reading this one matches), so a padded declaration
    // still names the namespace it pads rather than an unknown one.
    let ns: Map<string, string> | null = null;
    const bind = (prefix: string, uri: string): void => {
      ns ??= new Map();
      ns.set(prefix, uri);
    };
    for (const a of raw) {
      if (a.name === 'xmlns') bind('', a.value.trim());
      else if (a.name.startsWith('xmlns:')) {
        const p = a.name.slice(6);
        const uri = a.value.trim();
        if (p === 'xmlns') fail('may not declare the xmlns prefix.', a.nameStart);
        if (uri === '') fail('invalid attempt to undefine prefix in XML 1.0', a.nameStart);
        if ((p === 'xml') !== (uri === XML_NS))
          fail('may not assign the xml namespace to another prefix.', a.nameStart);
        if (uri === XMLNS_NS) fail('may not bind a prefix to the xmlns namespace.', a.nameStart);
        bind(p, uri);
      }
    }
    const frame: Open = { tag: undefined as unknown as XmlTag, ns };
    stack.push(frame);
    const [prefix, local] = qname(name, start + 1);
    if (prefix === 'xmlns') fail('tags may not have "xmlns" as prefix.', start + 1);
    const uri = resolve(prefix) ?? '';
    if (prefix !== '' && uri === '') fail(`unbound namespace prefix: ${JSON.stringify(prefix)}.`, start + 1);

    const seen = new Set<string>();
    for (const a of raw) {
      const [p, l] = qname(a.name, a.nameStart);
      a.prefix = p;
      a.local = l;
      if (p === '') a.uri = a.name === 'xmlns' ? XMLNS_NS : '';
      else {
        const u = resolve(p);
        if (u === undefined) fail(`unbound namespace prefix: ${JSON.stringify(p)}.`, a.nameStart);
        a.uri = u;
      }
      const key = p === '' ? a.name : `{${a.uri}}${l}`;
      if (seen.has(key) || seen.has(a.name)) fail(`duplicate attribute: ${key}.`, a.nameStart);
      seen.add(key);
      seen.add(a.name);
    }
    const tag: XmlTag = { name, prefix, local, uri, attrs: raw, start, end: k, empty };
    frame.tag = tag;
    rootSeen = true;
    i = k;
    h.open(tag);
    if (empty) {
      stack.pop();
      h.close(tag, k, k);
    }
  };

  const closeTag = (): void => {
    const start = i;
    const name = nameAt(i + 2, 'closing tag');
    const k = skipSpace(i + 2 + name.length);
    if (src.charCodeAt(k) !== 0x3e)
      fail(k >= n ? 'unexpected end.' : 'disallowed character in closing tag.', k);
    const top = stack.pop();
    if (!top) fail('unexpected close tag.', start);
    if (top.tag.name !== name) fail(`unmatched closing tag: ${name}.`, start);
    i = k + 1;
    h.close(top.tag, start, i);
  };

  const markup = (): void => {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) fail('unexpected end.', n);
      const dashes = src.indexOf('--', i + 4);
      // '--' may not stand inside a comment, nor may its body end with '-' ('--->').
      if (dashes < end || (end > i + 4 && src.charCodeAt(end - 1) === 0x2d))
        fail('malformed comment.', dashes < end ? dashes : end - 1);
      h.comment?.(i, end + 3);
      i = end + 3;
    } else if (src.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('text data outside of root node.', i);
      const end = src.indexOf(']]>', i + 9);
      if (end < 0) fail('unexpected end.', n);
      h.text?.(decodeCdata(i + 9, end));
      h.textAt?.(i, end + 3);
      i = end + 3;
    } else if (src.startsWith('<!DOCTYPE', i)) {
      fail('a DTD is refused (no entity expansion)', i);
    } else if (src.charCodeAt(i + 1) === 0x21) {
      fail('incorrect syntax.', i);
    } else if (src.charCodeAt(i + 1) === 0x3f) {
      processingInstruction();
    } else if (src.charCodeAt(i + 1) === 0x2f) {
      closeTag();
    } else openTag();
  };

  const decodeCdata = (from: number, to: number): string => {
    const s = src.slice(from, to);
    return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
  };

  const processingInstruction = (): void => {
    const target = nameAt(i + 2, 'processing instruction name');
    // Namespaces in XML: a PI target is a name without a colon.
    const colon = target.indexOf(':');
    if (colon >= 0) fail('disallowed character in processing instruction name.', i + 2 + colon);
    if (target.toLowerCase() === 'xml') {
      if (target !== 'xml' || i !== 0)
        fail('the XML declaration must appear at the start of the document.', i);
      XML_DECL.lastIndex = 0;
      if (!XML_DECL.exec(src)) fail('malformed XML declaration.', i);
      i = XML_DECL.lastIndex;
      return;
    }
    const after = i + 2 + target.length;
    const end = src.indexOf('?>', after);
    if (end < 0) fail('unexpected end.', n);
    if (end !== after && !isSpaceCode(src.charCodeAt(after)))
      fail('disallowed character in processing instruction name.', after);
    h.pi?.(target, i, end + 2);
    i = end + 2;
  };

  while (i < n) {
    const lt = src.indexOf('<', i);
    const to = lt < 0 ? n : lt;
    if (to > i) charData(i, to);
    if (lt < 0) break;
    i = lt;
    markup();
  }
  if (!rootSeen) fail('document must contain a root element.', n);
  const open = stack[stack.length - 1];
  if (open) fail(`unclosed tag: ${open.tag.name}`, n);
}

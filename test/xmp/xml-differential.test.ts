/**
 * The XMP XML reader (src/media/xmp/xml.ts) against saxes, a strict XML parser kept as the
 * oracle: on the corpus packets and thousands of seeded mutations of them, whatever Airlock
 * accepts saxes accepts too, with the same elements, namespaces, attribute values and text
 * (fail closed: Airlock may refuse more, never less). Hand-picked edge cases pin both directions.
 */
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/media/xmp/offsets.js';
import { readXml } from '../../src/media/xmp/xml.js';
import { mutate, prng, rngOf } from '../fuzz/mutate.js';
import { xmpSeeds } from '../fuzz/seeds.js';

type Outcome = { ok: true; events: string[] } | { ok: false; error: string };

/** Events as comparable lines; text inside the root only, adjacent runs (and CDATA) joined. */
function airlock(src: string): Outcome {
  const events: string[] = [];
  let text = '';
  let depth = 0;
  const flush = (): void => {
    if (text !== '') events.push(`text ${JSON.stringify(text)}`);
    text = '';
  };
  try {
    readXml(
      src,
      {
        open(tag) {
          flush();
          depth++;
          const attrs = tag.attrs.map((a) => `${a.name}{${a.uri}}=${JSON.stringify(a.value)}`);
          events.push(`open ${tag.name}{${tag.uri}} ${attrs.join(' ')}`);
        },
        close(tag) {
          flush();
          depth--;
          events.push(`close ${tag.name}`);
        },
        text(t) {
          if (depth > 0) text += t;
        },
      },
      (message, index) => {
        throw new Error(`${message} @${index}`);
      },
    );
    return { ok: true, events };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function saxes(src: string): Outcome {
  const events: string[] = [];
  let text = '';
  let depth = 0;
  const flush = (): void => {
    if (text !== '') events.push(`text ${JSON.stringify(text)}`);
    text = '';
  };
  const p = new SaxesParser({ xmlns: true });
  p.on('error', (e) => {
    throw e;
  });
  p.on('doctype', () => {
    throw new Error('doctype');
  });
  p.on('opentag', (tag) => {
    flush();
    depth++;
    const attrs = Object.values(tag.attributes).map((a) => `${a.name}{${a.uri}}=${JSON.stringify(a.value)}`);
    events.push(`open ${tag.name}{${tag.uri}} ${attrs.join(' ')}`);
  });
  p.on('closetag', (tag) => {
    flush();
    depth--;
    events.push(`close ${tag.name}`);
  });
  const onText = (t: string): void => {
    if (depth > 0) text += t;
  };
  p.on('text', onText);
  p.on('cdata', onText);
  try {
    p.write(src).close();
    return { ok: true, events };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const X = 'xmlns:x="adobe:ns:meta/"';
const R = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"';
const doc = (inner: string): string => `<x:xmpmeta ${X}><rdf:RDF ${R}>${inner}</rdf:RDF></x:xmpmeta>`;

describe('the XMP XML reader agrees with saxes', () => {
  it('on every corpus packet, event for event', () => {
    const seeds = xmpSeeds();
    expect(seeds.length).toBeGreaterThan(3);
    for (const s of seeds) {
      const src = decodePacket(s.bytes).text; // UTF-8 or UTF-16, as parseXmp reads it
      const text = src.slice(src.indexOf('<')).replace(/[\0\s]+$/, '');
      const a = airlock(text);
      expect(a.ok, `${s.name}: ${a.ok ? '' : a.error}`).toBe(true);
      expect(a).toEqual(saxes(text));
    }
  });

  it('accepts nothing saxes refuses, and reads what both accept the same (5,000 mutated packets)', () => {
    const seeds = xmpSeeds();
    const r = rngOf(prng(20261123));
    let both = 0;
    let refusedByBoth = 0;
    let stricter = 0;
    for (let i = 0; i < 5000; i++) {
      const seed = r.pick(seeds);
      const m = mutate(seed.bytes, seed.layout, 'xml', r);
      const src = Buffer.from(m.bytes).toString('latin1');
      const a = airlock(src);
      const s = saxes(src);
      if (a.ok) {
        expect(s, `case ${i} (${seed.name}: ${m.what.join('; ')})`).toEqual(a);
        both++;
      } else if (s.ok) stricter++;
      else refusedByBoth++;
    }
    // The mutations must reach both outcomes, or the comparison proves little.
    expect(both).toBeGreaterThan(100);
    expect(refusedByBoth).toBeGreaterThan(100);
    // And none that saxes reads is refused: the two agree on every case.
    expect(stricter).toBe(0);
  });

  it.each([
    [
      'entities and character references',
      doc('<rdf:Description><a:b xmlns:a="u">&lt;&amp;&#65;&#x42;&quot;&apos;&gt;</a:b></rdf:Description>'),
    ],
    [
      'CR LF and CR in text become LF',
      doc('<rdf:Description><a:b xmlns:a="u">1\r\n2\r3\n</a:b></rdf:Description>'),
    ],
    [
      'whitespace in attribute values becomes spaces',
      doc('<rdf:Description xmlns:a="u" a:v="1\r\n2\t3\n4\r5&#10;6"/>'),
    ],
    ['CDATA', doc('<rdf:Description><a:b xmlns:a="u"><![CDATA[<x>&amp;]]></a:b></rdf:Description>')],
    [
      'comments and PIs everywhere',
      `<?xpacket begin="" id="W"?><!-- c -->${doc('<!----><?p d?>')}<!-- e --><?xpacket end="w"?>`,
    ],
    ['an XML declaration', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${doc('')}`],
    [
      'the default namespace and its undoing',
      doc('<rdf:Description xmlns="d"><b><c xmlns=""/></b></rdf:Description>'),
    ],
    [
      'the same local name in two namespaces',
      doc('<rdf:Description xmlns:a="u" xmlns:b="v" a:n="1" b:n="2"/>'),
    ],
    ['non-ASCII names', doc('<rdf:Description xmlns:é="u" é:ñ="1"/>')],
    [
      'a namespace URI padded with whitespace (bound trimmed)',
      doc('<rdf:Description xmlns:a=" u\n" a:n="1"/>'),
    ],
    ['whitespace inside tags', doc('<rdf:Description\n xmlns:a = "u"\ta:n =\'1\' ></rdf:Description >')],
  ])('accepts %s like saxes', (_what, src) => {
    const a = airlock(src);
    expect(a.ok, a.ok ? '' : a.error).toBe(true);
    expect(a).toEqual(saxes(src));
  });

  it.each([
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "e">]>${doc('')}`],
    ['an undefined entity', doc('<rdf:Description><a:b xmlns:a="u">&e;</a:b></rdf:Description>')],
    ['a character reference to NUL', doc('<rdf:Description><a:b xmlns:a="u">&#0;</a:b></rdf:Description>')],
    ['a bare ampersand', doc('<rdf:Description><a:b xmlns:a="u">a & b</a:b></rdf:Description>')],
    ['"<" in an attribute value', doc('<rdf:Description xmlns:a="u" a:n="<"/>')],
    ['"]]>" in text', doc('<rdf:Description><a:b xmlns:a="u">]]></a:b></rdf:Description>')],
    ['"--" in a comment', doc('<!-- a -- b -->')],
    ['a comment ending in "-"', doc('<!-- a --->')],
    ['an unbound prefix', doc('<rdf:Description><q:b/></rdf:Description>')],
    ['an unbound attribute prefix', doc('<rdf:Description q:b="1"/>')],
    ['a duplicate attribute', doc('<rdf:Description xmlns:a="u" a:n="1" a:n="2"/>')],
    [
      'a duplicate attribute through two prefixes',
      doc('<rdf:Description xmlns:a="u" xmlns:b="u" a:n="1" b:n="2"/>'),
    ],
    ['a mismatched close tag', doc('<rdf:Description></rdf:Descriptio>')],
    ['an unclosed element', `<x:xmpmeta ${X}><rdf:RDF ${R}>`],
    ['two roots', `${doc('')}${doc('')}`],
    ['text after the root', `${doc('')}x`],
    ['an XML declaration after the start', ` ${doc('<?xml version="1.0"?>')}`],
    ['a malformed XML declaration', `<?xml version="2.0"?>${doc('')}`],
    ['a name with two colons', doc('<rdf:Description><a:b:c xmlns:a="u"/></rdf:Description>')],
    ['no space between attributes', doc('<rdf:Description xmlns:a="u" a:m="1"a:n="2"/>')],
    ['an unquoted attribute value', doc('<rdf:Description xmlns:a="u" a:n=1/>')],
    ['a control character', doc('<rdf:Description><a:b xmlns:a="u">\u0001</a:b></rdf:Description>')],
    ['a lone surrogate', doc('<rdf:Description><a:b xmlns:a="u">\uD800</a:b></rdf:Description>')],
    ['U+FFFE', doc('<rdf:Description><a:b xmlns:a="u">\uFFFE</a:b></rdf:Description>')],
    ['a name starting with a digit', doc('<rdf:Description><1a/></rdf:Description>')],
    ['undeclaring a prefix', doc('<rdf:Description xmlns:a="u"><a:b xmlns:a=""/></rdf:Description>')],
    ['an element prefixed xmlns', doc('<rdf:Description><xmlns:b/></rdf:Description>')],
    ['a processing instruction target with a colon', `${doc('')}<?x:y z?>`],
    ['a truncated start tag', `<x:xmpmeta ${X}`],
  ])('refuses %s, as saxes does', (_what, src) => {
    expect(airlock(src).ok).toBe(false);
    expect(saxes(src).ok).toBe(false);
  });
});

/**
 * Attributes of the RDF and XML vocabularies (and unprefixed ones) that carry no XMP value: an
 * rdf:ID or rdf:nodeID, xml:base, a private-use language tag, an rdf:about inside a struct. No
 * XMP reader gives them a meaning, and the packet survives without them, but a writer can put
 * anything there (a serial in `xml:lang="x-..."` went through a scrub that kept the property).
 * Readers report them as stray data and rewriters remove them, as stray text (rdf.ts).
 * Kept: namespace declarations, a description's rdf:about (read as a property of its own),
 * rdf:resource (a value), rdf:parseType="Resource", xml:space, and an xml:lang that is a plain
 * language tag ('x-default', 'en', 'en-US', 'es-419').
 */
import { NS } from './namespaces.js';
import { XMLNS_NS, type XmlAttr } from './xml.js';

const LANG = /^(?:x-default|[A-Za-z]{2,3}(?:-(?:[A-Za-z]{2}|\d{3}))?)$/;

/** `topNode`: the attribute sits on a top-level rdf:Description, whose rdf:about is read. */
export function isOddAttribute(a: XmlAttr, topNode: boolean): boolean {
  if (a.prefix === 'xmlns' || a.name === 'xmlns' || a.uri === XMLNS_NS) return false;
  const about = (a.uri === NS.rdf && a.local === 'about') || (a.uri === '' && a.name === 'about');
  if (about) return !topNode;
  if (a.uri === NS.rdf) {
    if (a.local === 'resource') return false;
    return !(a.local === 'parseType' && a.value === 'Resource');
  }
  if (a.uri === NS.xml) {
    if (a.local === 'lang') return !LANG.test(a.value);
    return !(a.local === 'space' && (a.value === 'preserve' || a.value === 'default'));
  }
  return a.uri === '';
}

/**
 * Serialises namespaced properties into a valid XMP packet (fixtures, demo). Simple values go
 * either as rdf:Description attributes (the way DJI writes drone-dji) or as elements; lists
 * as rdf:Seq. Prefixes are the conventional ones (namespaces.ts) unless a URI is given.
 */
import { NS, type Prefix } from './namespaces.js';

export interface XmpWriteProperty {
  /** A known prefix ('drone-dji', 'exif'…) or [prefix, uri] for any other namespace. */
  ns: Prefix | [string, string];
  name: string;
  value: string | string[];
  /** Write as an element even when attributes are chosen. */
  element?: boolean;
}

export interface XmpWriteOptions {
  /** Simple values as attributes of rdf:Description (DJI's form). Default true. */
  attributes?: boolean;
  /** Extra bytes of whitespace padding inside the packet (writable packets carry some). */
  padding?: number;
  /** xmpNote:HasExtendedXMP GUID to declare. */
  extendedGuid?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function serialiseXmp(props: XmpWriteProperty[], opts: XmpWriteOptions = {}): Uint8Array {
  const all = opts.extendedGuid
    ? [...props, { ns: 'xmpNote' as const, name: 'HasExtendedXMP', value: opts.extendedGuid }]
    : props;
  const uris = new Map<string, string>();
  const qname = (p: XmpWriteProperty): string => {
    const [prefix, uri] = typeof p.ns === 'string' ? [p.ns, NS[p.ns]] : p.ns;
    uris.set(prefix, uri);
    return `${prefix}:${p.name}`;
  };
  const asAttr = (p: XmpWriteProperty): boolean =>
    opts.attributes !== false && !p.element && typeof p.value === 'string';
  const attrs = all.filter(asAttr).map((p) => `\n    ${qname(p)}="${esc(p.value as string)}"`);
  const elems = all
    .filter((p) => !asAttr(p))
    .map((p) => {
      const q = qname(p);
      if (typeof p.value === 'string') return `\n   <${q}>${esc(p.value)}</${q}>`;
      const items = p.value.map((v) => `\n     <rdf:li>${esc(v)}</rdf:li>`).join('');
      return `\n   <${q}>\n    <rdf:Seq>${items}\n    </rdf:Seq>\n   </${q}>`;
    });
  const xmlns = [...uris].map(([p, u]) => `\n    xmlns:${p}="${esc(u)}"`).join('');
  const text =
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/">\n <rdf:RDF xmlns:rdf="${NS.rdf}">\n` +
    `  <rdf:Description rdf:about=""${xmlns}${attrs.join('')}>${elems.join('')}\n  </rdf:Description>\n` +
    ` </rdf:RDF>\n</x:xmpmeta>\n${' '.repeat(opts.padding ?? 0)}<?xpacket end="w"?>`;
  return new TextEncoder().encode(text);
}

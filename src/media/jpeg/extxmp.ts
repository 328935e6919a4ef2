/**
 * Extended XMP (APP1 "http://ns.adobe.com/xmp/extension/"): chunks joined by GUID and offset,
 * parsed as one packet, each property's range mapped back to the segments that carry it.
 */
import type { Collector } from '../types.js';
import { parseXmp } from '../xmp/rdf.js';
import { xmpFindings } from '../xmp/read.js';
import type { ChunkedStream } from './chunks.js';

export function readExtendedXmp(guid: string, stream: ChunkedStream, path: string[], out: Collector): void {
  if (!stream.complete()) {
    out.warn('extended-xmp-incomplete', `ExtendedXMP ${guid} is missing chunks`);
    out.add({
      category: 'opaque',
      tag: 'ExtendedXMP',
      path,
      ranges: stream.toFile(0, stream.length),
      value: { kind: 'block', size: stream.length, note: `GUID ${guid}, incomplete` },
    });
    return;
  }
  const props = parseXmp(stream.joined(), 0).map((p) => ({
    ...p,
    ranges: p.ranges.flatMap((r) => stream.toFile(r.offset, r.length)),
  }));
  for (const f of xmpFindings(props, path)) out.add(f);
}

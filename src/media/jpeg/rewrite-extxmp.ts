/**
 * Extended XMP for scrub: the extension the main packet names (xmpNote:HasExtendedXMP) is joined
 * as the reader joins it, cleaned by the XMP rewriter, and re-chunked under a new GUID, the MD5
 * of the new extension (XMP spec part 3, 1.1.3.1). When nothing in it is kept, it goes, and so
 * does HasExtendedXMP in the main packet.
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from '../../core/source.js';
import type { Finding } from '../../findings/model.js';
import type { Decide, RewriteNotes } from '../../scrub/types.js';
import { HAS_EXTENDED_XMP, rewriteXmp } from '../xmp/rewrite.js';
import { ChunkedStream } from './chunks.js';
import type { Segment } from './segments.js';
import { extendedXmpPayloads } from './write.js';

/** Signature "http://ns.adobe.com/xmp/extension/\0", then GUID (32), full length (4), offset (4). */
const SIG = 35;
const HEAD = SIG + 40;

export interface ExtendedOutcome {
  /** The new GUID; null: the extension is dropped; undefined: the file has none. */
  guid: string | null | undefined;
  /** APP1 payloads carrying the new extension. */
  payloads: Uint8Array[];
}

export function rewriteExtendedXmp(
  src: ByteSource,
  segments: Segment[],
  findings: readonly Finding[],
  decide: Decide,
  notes: RewriteNotes,
): ExtendedOutcome {
  if (segments.length === 0) return { guid: undefined, payloads: [] };
  const named = findings.find((f) => f.tag === HAS_EXTENDED_XMP && f.path[0] === 'APP1 XMP');
  const want = named && named.value.kind === 'text' ? named.value.text.trim() : undefined;
  // The reader has validated every chunk: this only regroups them.
  const streams = new Map<string, ChunkedStream>();
  for (const seg of segments) {
    const b = src.read(seg.dataOffset, seg.dataLength);
    const guid = Buffer.from(b.subarray(SIG, SIG + 32)).toString('latin1');
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let s = streams.get(guid);
    if (!s) {
      s = new ChunkedStream(v.getUint32(SIG + 32));
      streams.set(guid, s);
    }
    s.put(v.getUint32(SIG + 36), b.subarray(HEAD), seg.dataOffset + HEAD);
  }
  const stream = want === undefined ? undefined : streams.get(want);
  if (streams.size > (stream ? 1 : 0))
    notes.push('APP1 ExtendedXMP: chunks the main packet does not name (or an incomplete extension) dropped');
  if (!stream?.complete()) return { guid: null, payloads: [] };
  const packet = rewriteXmp(stream.joined(), ['APP1 ExtendedXMP'], decide, {
    toFile: (offset, length) => stream.toFile(offset, length),
    notes,
  });
  if (!packet) return { guid: null, payloads: [] };
  const guid = createHash('md5').update(packet).digest('hex').toUpperCase();
  return { guid, payloads: extendedXmpPayloads(guid, packet) };
}

/** XMP sidecar files (.xmp): one packet, the whole file. */
import { bound, LIMITS } from '../../core/limits.js';
import type { Analyser } from '../types.js';
import { readXmpPacket } from './read.js';

const MARKERS = ['<?xpacket', '<x:xmpmeta', '<x:xapmeta', '<rdf:RDF'];

export const xmpSidecarAnalyser: Analyser = {
  id: 'xmp',
  detect(head, name) {
    if (/\.xmp$/i.test(name)) return true;
    // A sidecar is text that starts with markup: a binary file holding an XMP packet (a PNG's
    // iTXt chunk) is that format's, not a sidecar whose packet fails to parse.
    let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
      i++;
    if (head[i] !== 0x3c) return false;
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 1024)).toString('latin1');
    return MARKERS.some((m) => text.includes(m));
  },
  analyse(src, out) {
    bound(src.size, LIMITS.maxXmpBytes, 'XMP sidecar bytes', 0);
    readXmpPacket(src.read(0, src.size), 0, ['XMP'], out);
  },
};

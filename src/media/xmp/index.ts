/** XMP sidecar files (.xmp): one packet, the whole file. */
import { bound, LIMITS } from '../../core/limits.js';
import type { Analyser } from '../types.js';
import { readXmpPacket } from './read.js';

const MARKERS = ['<?xpacket', '<x:xmpmeta', '<x:xapmeta', '<rdf:RDF'];

export const xmpSidecarAnalyser: Analyser = {
  id: 'xmp',
  detect(head, name) {
    if (/\.xmp$/i.test(name)) return true;
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 1024)).toString('latin1');
    return MARKERS.some((m) => text.includes(m));
  },
  analyse(src, out) {
    bound(src.size, LIMITS.maxXmpBytes, 'XMP sidecar bytes', 0);
    readXmpPacket(src.read(0, src.size), 0, ['XMP'], out);
  },
};

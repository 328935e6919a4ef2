/**
 * Airlock's own scrub manifest (DIR/airlock-manifest.json). Inspecting a scrub output folder
 * must not call it "not read": it is recognised, and it carries no finding because scrub writes
 * only paths, hashes, actions and values already cleaned into it (src/scrub/manifest.ts).
 */
import { MANIFEST_SCHEMA } from '../../scrub/manifest.js';
import type { Analyser } from '../types.js';

const SIGNATURE = `"schema": "${MANIFEST_SCHEMA}"`;

export const airlockManifestAnalyser: Analyser = {
  id: 'airlock-manifest',
  detect(head: Uint8Array): boolean {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 512)).toString('latin1');
    return text.trimStart().startsWith('{') && text.includes(SIGNATURE);
  },
  analyse(_src, out): void {
    out.facts.schema = MANIFEST_SCHEMA;
    out.facts.note = 'Airlock scrub manifest: paths, hashes and actions; no original values';
  },
};

/**
 * Which parts of an APK a report rests on. A report whose file, archive or manifest was not
 * read has empty lists there, and an empty list is not a finding: renderers ask here before
 * saying "no permissions" or "backups allowed" (Android's default when the manifest is silent).
 */
import type { VetReport } from './model.js';

/** The `part` a problem names when the whole of that part was not read (analyse.ts). */
export const PART = {
  /** The file itself: missing, unreadable, too big. */
  file: 'file',
  /** Its ZIP directory: nothing else can be read without it. */
  archive: 'archive',
  manifest: 'AndroidManifest.xml',
} as const;

export interface PartsRead {
  file: boolean;
  /** The ZIP directory, so the entries, code and signature could be looked at. */
  archive: boolean;
  /** The app, its permissions and exported components. */
  manifest: boolean;
}

export function partsRead(r: VetReport): PartsRead {
  const lost = (part: string) => r.problems.some((p) => p.part === part);
  const file = !lost(PART.file);
  const archive = file && !lost(PART.archive);
  return { file, archive, manifest: archive && !lost(PART.manifest) };
}

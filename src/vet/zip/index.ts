/**
 * The ZIP layer of the APK reader, written by hand rather than with a ZIP library: vetting needs
 * the exact offsets (the APK Signing Block sits before the central directory), the bytes before
 * the first entry, and the anomalies (duplicate names, local headers that disagree with the
 * directory) that libraries quietly normalise away.
 */
import type { Warning } from '../../findings/model.js';
import { readCentralDirectory } from './central-directory.js';
import { entryWarnings, overlapWarnings, prefixBytes, prefixWarning } from './checks.js';
import { readEndRecord } from './end-record.js';
import { ZIP_LIMITS } from './limits.js';
import { readLocalHeader } from './local-header.js';
import type { ZipArchive } from './types.js';

export { entryBytes } from './entry-bytes.js';
export { ZIP_LIMITS } from './limits.js';
export type { ZipArchive, ZipEntry } from './types.js';

/** Reads an archive's directory; throws an AirlockError naming the offset when it cannot. */
export function readZip(bytes: Uint8Array): ZipArchive {
  const warnings: Warning[] = [];
  const end = readEndRecord(bytes, warnings);
  const records = readCentralDirectory(bytes, end);
  for (const r of records) readLocalHeader(bytes, r, warnings);
  const entries = records.map((r) => r.entry);
  const prefix = prefixBytes(bytes, entries, end.cdOffset);
  const pw = prefixWarning(bytes, prefix);
  if (pw) warnings.unshift(pw);
  entryWarnings(entries, warnings);
  overlapWarnings(entries, end.cdOffset, warnings);
  return {
    entries,
    cdOffset: end.cdOffset,
    cdSize: end.cdSize,
    eocdOffset: end.eocdOffset,
    prefixBytes: prefix,
    warnings: capped(warnings),
  };
}

/** One hostile archive can raise a warning per entry; past the cap, one more says how many were left. */
function capped(warnings: Warning[]): Warning[] {
  const max = ZIP_LIMITS.maxWarnings;
  if (warnings.length <= max) return warnings;
  const left = warnings.length - max;
  const kept = warnings.slice(0, max);
  kept.push({ name: 'zip-warnings-capped', detail: `${left} more warnings not listed` });
  return kept;
}

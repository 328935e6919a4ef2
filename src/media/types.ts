/**
 * The contract between one format folder (media/jpeg, media/srt, …) and the rest of Airlock
 * (music-metadata's loader record: an id, how to recognise it, how to read it).
 */
import { bound, LIMITS } from '../core/limits.js';
import type { ByteSource } from '../core/source.js';
import type { Finding, Warning } from '../findings/model.js';

/** Collects findings and warnings as a parse goes, so a parse that fails half-way keeps what it found. */
export class Collector {
  readonly findings: Finding[] = [];
  readonly warnings: Warning[] = [];
  /** Format details worth showing (e.g. flight-record version, image size): name → value. */
  readonly facts: Record<string, string | number | boolean> = {};
  /** A finer format than the analyser's id once the content says so (e.g. 'dng' for a TIFF analyser). */
  format?: string;

  add(f: Finding): void {
    // A file of a million tiny records must not take the process's memory with it.
    if (this.findings.length >= LIMITS.maxFindings)
      bound(this.findings.length + 1, LIMITS.maxFindings, 'findings in one file', f.ranges[0]?.offset);
    this.findings.push(f);
  }
  warn(name: string, detail: string, offset?: number): void {
    this.warnings.push(offset === undefined ? { name, detail } : { name, detail, offset });
  }
}

export interface Analyser {
  /** Stable id, also the report's `format` field: 'jpeg', 'tiff', 'dng', 'xmp', 'srt', 'flightlog-csv'… */
  readonly id: string;
  /** Recognise by content: the first bytes of the file (up to 4 KiB) and its name. */
  detect(head: Uint8Array, name: string): boolean;
  /** Read every finding. Throws AirlockError on damage; whatever was collected before stays. */
  analyse(src: ByteSource, out: Collector): void;
}

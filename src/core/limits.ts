/**
 * Every untrusted length, count and offset goes through one guard (file-type's getSafeBound).
 * Limits are named with their unit.
 */
import { AirlockError } from './errors.js';

export const LIMITS = {
  maxFileBytes: 16 * 1024 ** 3,
  /** Metadata blocks read into memory at once (XMP packet, APPn, IFD value). */
  maxBlockBytes: 64 * 1024 * 1024,
  maxIfdEntries: 4096,
  /** IFDs visited in one TIFF structure: stops IFD loops and chains. */
  maxIfdCount: 512,
  maxIfdDepth: 8,
  maxJpegSegments: 65536,
  maxXmpDepth: 64,
  maxXmpBytes: 16 * 1024 * 1024,
  maxTextLineBytes: 1024 * 1024,
  /** SRT frames or flight-log rows reported per file. */
  maxRecords: 10_000_000,
  /**
   * Findings one file may yield. Each is held until the file is done, and scrub holds the input's
   * and the output's at once: a 400,000-cue DJI SRT (2,000,000 findings) peaked at 2.8 GB. A DJI
   * SRT has ~5 a cue, so this is ~55 minutes of 60 fps telemetry; DJI cuts clips far shorter.
   */
  maxFindings: 1_000_000,
  maxWalkDepth: 64,
} as const;

/** Checks an untrusted value against a limit; throws the one limit error. */
export function bound(value: number, maximum: number, reason: string, offset?: number): number {
  if (!Number.isFinite(value) || value < 0 || value > maximum) {
    throw new AirlockError('AIRLOCK_ERR_LIMIT', `${reason}: ${value} exceeds limit ${maximum}`, offset);
  }
  return value;
}

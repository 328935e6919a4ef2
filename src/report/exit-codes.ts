/**
 * One exit-code table for every command (README, "Exit codes"). Errors win over findings:
 * a run that could not read everything cannot claim anything about what it did not read.
 */
import { isSensitive } from '../findings/model.js';
import type { FileReport } from './model.js';

export const EXIT = {
  /** Everything was read and nothing sensitive was found (or: the command succeeded). */
  OK: 0,
  /** Sensitive data found (inspect). */
  SENSITIVE: 1,
  /** An error: a file not read or only partly read, an invalid policy, a failed write. */
  ERROR: 2,
  /** The command line itself is wrong (sysexits.h EX_USAGE); nothing was done. */
  USAGE: 64,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const isSensitiveFile = (f: FileReport): boolean => f.findings.some((x) => isSensitive(x.category));

/** 2 if any file was not fully read, else 1 if any file carries sensitive data, else 0. */
export function inspectExitCode(files: readonly FileReport[]): ExitCode {
  if (files.some((f) => f.status !== 'read')) return EXIT.ERROR;
  if (files.some(isSensitiveFile)) return EXIT.SENSITIVE;
  return EXIT.OK;
}

/**
 * The independent oracle: Debian's exiftool (installed by scripts/setup-test-deps.sh).
 * Tests compare Airlock against what ExifTool reads, never against Airlock's own idea.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export type ExifToolRecord = Record<string, unknown>;

/**
 * Debian's exiftool by absolute path: under npm/npx, PATH puts node_modules/.bin first, where
 * exiftool-vendored (the benchmark's peer) installs its own, newer ExifTool.
 */
export const EXIFTOOL = '/usr/bin/exiftool';

/** `exiftool -n -j -a -u -G1 FILE…`: one record per file, numeric values, every duplicate tag. */
export function exiftoolJson(files: string[], extra: string[] = []): ExifToolRecord[] {
  const out = execFileSync(EXIFTOOL, ['-n', '-j', '-a', '-u', '-G1', ...extra, ...files], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as ExifToolRecord[];
}

/** Tag entries of one record whose bare name (after the 'Group:' prefix) matches. */
export function tagsMatching(rec: ExifToolRecord, test: (name: string) => boolean): [string, unknown][] {
  return Object.entries(rec).filter(([k]) => test(k.includes(':') ? k.slice(k.indexOf(':') + 1) : k));
}

/** SHA-256 of a binary tag's bytes as ExifTool extracts them (`exiftool -b -TAG FILE`). */
export const exiftoolBinarySha = (file: string, tag: string): string =>
  createHash('sha256')
    .update(execFileSync(EXIFTOOL, ['-b', `-${tag}`, file], { maxBuffer: 256 * 1024 * 1024 }))
    .digest('hex');

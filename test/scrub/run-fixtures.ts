/**
 * Generated inputs for the run tests, built with the project's own writers (never corpus copies):
 * TIFF/EXIF files with a drone position, serials and times, and DJI-style SRT sidecars; and the
 * run tests' shared scaffolding (scratch folders, options, the manifest read back).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll } from 'vitest';
import { ascii, buildExif } from '../../src/media/tiff/write.js';
import { defaultPolicy, type Policy, policyHash } from '../../src/policy/index.js';
import { MANIFEST_NAME, type Manifest } from '../../src/scrub/manifest.js';
import type { ScrubOptions } from '../../src/scrub/run.js';

/** A scratch folder for one test file (removed after it): `fresh()` gives a new empty folder in it. */
export function scratchFolders(prefix: string): () => string {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const d = join(scratch, String(n++));
    mkdirSync(d, { recursive: true });
    return d;
  };
}

/** Options for an in-process run into `out`: one worker (deterministic), the policy's own hash. */
export const runOptions = (
  out: string,
  more: Partial<ScrubOptions> = {},
  policy: Policy = defaultPolicy(),
): ScrubOptions => ({ out, policy, policyHash: policyHash(policy), workers: 1, ...more });

export const readManifest = (out: string): Manifest =>
  JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as Manifest;

export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A TIFF whose position differs per index (so every output differs too). */
export function droneTiff(i: number, opts: { littleEndian?: boolean } = {}): Uint8Array {
  return buildExif(
    {
      ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC6310'), ascii(0x0131, `fw ${i}`)],
      exif: [ascii(0x9003, '2023:05:01 10:11:12'), ascii(0xa431, `SN${100000 + i}`)],
      gps: { lat: 47.3 + i * 1e-4, lon: -10.19 - i * 1e-4, alt: 120 + i },
    },
    opts,
  );
}

export function droneSrt(i: number, frames = 3): string {
  const cues: string[] = [];
  for (let n = 1; n <= frames; n++) {
    const t0 = `00:00:0${n - 1},000`;
    const t1 = `00:00:0${n},000`;
    cues.push(
      `${n}\n${t0} --> ${t1}\n<font size="28">FrameCnt: ${n}, DiffTime: 33ms\n2023-05-01 10:11:1${n}.123\n` +
        `[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [focal_len: 24.00] [latitude: ${(41.4 + i * 1e-4).toFixed(6)}] ` +
        `[longitude: ${(2.16 + i * 1e-4).toFixed(6)}] [rel_alt: 1.200 abs_alt: ${130 + i}.50] </font>\n`,
    );
  }
  return cues.join('\n');
}

/** Writes `n` inputs (TIFF and SRT alternately) under dir/a and dir/b; returns their paths. */
export function writeBatch(dir: string, n: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const sub = join(dir, i % 3 === 0 ? 'b' : 'a');
    mkdirSync(sub, { recursive: true });
    const p = join(
      sub,
      i % 2 === 0 ? `DJI_${String(i).padStart(4, '0')}.tif` : `DJI_${String(i).padStart(4, '0')}.SRT`,
    );
    writeFileSync(p, i % 2 === 0 ? droneTiff(i, { littleEndian: i % 4 === 0 }) : droneSrt(i));
    paths.push(p);
  }
  return paths;
}

/** Every regular file under dir (relative path → absolute), sorted. */
export function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.set(relative(dir, p), p);
    }
  };
  visit(dir);
  return new Map([...out.entries()].sort());
}

export const hashTree = (dir: string): Map<string, string> =>
  new Map([...filesUnder(dir)].map(([rel, p]) => [rel, sha(readFileSync(p))]));

export const statTree = (dir: string): Map<string, string> =>
  new Map(
    [...filesUnder(dir)].map(([rel, p]) => {
      const s = statSync(p);
      return [rel, `${s.ino}:${s.mtimeMs}`];
    }),
  );

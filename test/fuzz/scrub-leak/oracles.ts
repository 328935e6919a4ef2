/**
 * What the scrub-leak tests (one file per format in this folder) share: the location-drop policy,
 * one scrub by the built CLI, and the oracles that judge its clean copies. A hostile input is
 * scrubbed with location `drop`; every output Airlock wrote as clean must then show ExifTool no
 * position, no serial, no device ID and no embedded picture, and a raw byte scan no position text
 * and no corpus serial: what the scrubber missed and its own re-inspection passed is a leak. A file
 * Airlock withholds or fails is no leak (it wrote nothing, which scrubDrop checks).
 *
 * Not a test file: each test file makes its own scratch folder and removes it in its afterAll.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { airlock } from '../../cli/built.js';
import { corpusDir } from '../../helpers/corpus.js';
import { type ExifToolRecord, exiftoolJson } from '../../helpers/exiftool.js';

export const DROP = 'version: 1\nmedia:\n  location: {drone: drop, operator: drop, target: drop}\n';

/**
 * A position and a serial that appear nowhere in the corpus, put where no kept property or field
 * holds them: under location drop no clean copy may hold them anywhere.
 */
export const MARK = '53.3650801 6.4607391 SN-AIRLOCK-LEAK-7Q';

/** A fresh scratch folder for one test file's inputs, policies and outputs (the file removes it). */
export const scratchDir = (): string => mkdtempSync(join(tmpdir(), 'airlock-leak-'));

export const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A case's description as a file name's stem: every run of other characters an underscore. */
export const caseName = (how: string): string => how.replace(/\W+/g, '_');

/**
 * ExifTool tags that carry a position, a device identity or a picture, whatever group they came
 * in. A blank value carries nothing (a fixed-size field zeroed in place, as FLIR's serials are).
 */
export function leaks(rec: ExifToolRecord): string[] {
  return Object.keys(rec).filter((k) => {
    const name = k.slice(k.indexOf(':') + 1);
    if (/^(SourceFile|ExifTool:.*)$/.test(k)) return false;
    if (String(rec[k]).trim() === '') return false;
    if (/GPS(Latitude|Longitude|Position|DestLatitude|DestLongitude)(?!Ref)/.test(name)) return true;
    if (/^XMP-drone-dji:/.test(k) && /(Latitude|Longitude)/.test(name)) return true;
    if (/Serial/i.test(name) && !/SerialNumberFormat/.test(name)) return true;
    if (/^(SensorID|CaptureUUID|ImageUniqueID)$/.test(name)) return true;
    // A DNG's IFD0 image is the preview the format requires (kept; the manifest says so).
    if (name === 'ThumbnailTIFF' && k.startsWith('IFD0:')) return false;
    return /^(ThumbnailImage|PreviewImage|ThumbnailTIFF|JpgFromRaw|OtherImage)$|^MPImage/.test(name);
  });
}

let serials: string[] | undefined;
/** Every serial number ExifTool reads in the corpus stills (6 characters or more). */
function corpusSerials(): string[] {
  serials ??= [
    ...new Set(
      exiftoolJson([...corpusDir('media')].filter((f) => /\.(jpe?g|tiff?|dng)$/i.test(f))).flatMap((r) =>
        Object.entries(r)
          .filter(([k]) => /Serial/i.test(k) && !/SerialNumberFormat/.test(k))
          .map(([, v]) => String(v).trim())
          .filter((v) => v.length >= 6),
      ),
    ),
  ];
  return serials;
}

/**
 * Past what ExifTool parses: text naming a position, or a corpus serial, anywhere in the bytes (a
 * packet in a comment or a trailer is read by people, not only by tools).
 */
export function rawLeaks(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('latin1');
  const found: string[] = [];
  const named = /(Latitude|Longitude)/i.exec(text);
  if (named)
    found.push(`the text "${text.slice(Math.max(0, named.index - 20), named.index + 30)}" at ${named.index}`);
  for (const serial of corpusSerials()) if (text.includes(serial)) found.push(`serial ${serial}`);
  return found;
}

/** One file's record in the scrub's manifest. */
export interface Rec {
  input: string;
  output: string;
  status: string;
  notes?: string[];
}

/**
 * `dir` scrubbed by the built CLI under location drop (or `policyText`) into `<base>/<name>-out`:
 * the output folder and the manifest's records, after checking that nothing but a clean copy was
 * written.
 */
export function scrubDrop(
  base: string,
  dir: string,
  name: string,
  policyText = DROP,
): { out: string; files: Rec[] } {
  const policy = join(base, `${name}.yaml`);
  writeFileSync(policy, policyText);
  const out = join(base, `${name}-out`);
  airlock(['scrub', dir, '--out', out, '--policy', policy, '--no-progress']);
  const files = (JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as { files: Rec[] })
    .files;
  for (const f of files.filter((x) => x.status !== 'clean' && x.status !== 'copied'))
    expect(existsSync(join(out, f.output)), `${f.input}: ${f.status} yet written`).toBe(false);
  return { out, files };
}

/**
 * `dir` scrubbed as by scrubDrop, then every clean copy judged by ExifTool (leaks) and by the raw
 * scan (rawLeaks): the leaks found, and how many inputs came out clean or not.
 */
export function scrubAndJudge(
  base: string,
  dir: string,
  name: string,
): { leaked: string[]; clean: number; withheld: number } {
  const { out, files } = scrubDrop(base, dir, name);
  const clean = files.filter((f) => f.status === 'clean');
  const recs = clean.length ? exiftoolJson(clean.map((f) => join(out, f.output))) : [];
  const leaked = recs.flatMap((r) => leaks(r).map((k) => `${r.SourceFile}: ${k} = ${JSON.stringify(r[k])}`));
  for (const f of clean)
    leaked.push(...rawLeaks(readFileSync(join(out, f.output))).map((l) => `${f.output}: ${l}`));
  return { leaked, clean: clean.length, withheld: files.length - clean.length };
}

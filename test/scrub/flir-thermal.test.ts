/**
 * A FLIR radiometric JPEG (the FFF in APP1 "FLIR" segments, as FLIR cameras and DJI's Zenmuse
 * XT2 write it) under the built-in `thermal` profile: the deliverable keeps every radiometric
 * value and the thermal pixels exactly, while the camera's serial goes and the capture time is cut
 * to its date. Under the default policy nothing of the FFF is written. ExifTool, reading the
 * original and the copy, is the judge (its APP1 FLIR tags; the maker note's FLIR tags are another
 * container).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airlock } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { type ExifToolRecord, exiftoolBinarySha, exiftoolJson } from '../helpers/exiftool.js';

const base = mkdtempSync(join(tmpdir(), 'airlock-flir-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const FLIR = corpusFile('media', 'exiftool-FLIR.jpg');

function scrub(name: string, policy: string): string {
  const p = join(base, `${name}.yaml`);
  writeFileSync(p, policy);
  const out = join(base, name);
  airlock(['scrub', FLIR, '--out', out, '--policy', p, '--no-progress']);
  return join(out, 'exiftool-FLIR.jpg');
}

/** The FFF's tags as ExifTool reads them (group APP1, family 1 FLIR). */
const fffTags = (rec: ExifToolRecord): Record<string, unknown> =>
  Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith('APP1:FLIR:')));
const read = (file: string) =>
  fffTags((exiftoolJson([file], ['-G0:1']) as ExifToolRecord[])[0] as ExifToolRecord);
const rawThermal = (file: string): string => exiftoolBinarySha(file, 'RawThermalImage');

describe('FLIR FFF under the thermal profile', () => {
  it('keeps the radiometric data and pixels, blanks the serial, cuts the time to its date', () => {
    const copy = scrub('thermal', 'version: 1\nprofile: thermal\n');
    const before = read(FLIR);
    const after = read(copy);
    expect(before['APP1:FLIR:CameraSerialNumber'], 'the corpus file has a serial').toBeTruthy();
    expect(Object.keys(before).length).toBeGreaterThan(40);

    const serial = 'APP1:FLIR:CameraSerialNumber';
    const time = 'APP1:FLIR:DateTimeOriginal';
    // Every other value ExifTool reads in the FFF is the same: Planck constants, emissivity,
    // temperature ranges, palette, model.
    const rest = (r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => k !== serial && k !== time));
    expect(rest(after)).toEqual(rest(before));
    expect(String(after[serial] ?? '').trim()).toBe('');
    const date = String(before[time]).slice(0, 10);
    expect(String(after[time])).toMatch(new RegExp(`^${date} 00:00:00(\\.000)?(\\+00:00|Z)?$`));
    expect(rawThermal(copy)).toBe(rawThermal(FLIR));
    expect(readFileSync(copy).includes(Buffer.from(String(before[serial])))).toBe(false);
  });

  it('the default policy writes nothing of the FFF', () => {
    const copy = scrub('default', 'version: 1\n');
    expect(read(copy)).toEqual({});
  });
});

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
import { crc32 } from 'node:zlib';
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

/**
 * Each record of a JPEG's FFF (one FLIR segment, big-endian directory as the corpus file has
 * it): its type, the checksum its directory entry stores, and the CRC-32 of its bytes.
 */
function checksums(jpeg: Buffer): { type: number; stored: number; crc: number }[] {
  let p = 2;
  while (p + 4 <= jpeg.length && jpeg[p] === 0xff && jpeg[p + 1] !== 0xda) {
    const end = p + 2 + jpeg.readUInt16BE(p + 2);
    if (jpeg[p + 1] === 0xe1 && jpeg.subarray(p + 4, p + 9).toString('latin1') === 'FLIR\0') {
      const f = jpeg.subarray(p + 12, end);
      const dir = f.readUInt32BE(0x18);
      const out = [];
      for (let i = 0; i < f.readUInt32BE(0x1c); i++) {
        const e = dir + 32 * i;
        const type = f.readUInt16BE(e);
        if (type === 0) continue;
        const pos = f.readUInt32BE(e + 12);
        out.push({
          type,
          stored: f.readUInt32BE(e + 28),
          crc: crc32(f.subarray(pos, pos + f.readUInt32BE(e + 16))),
        });
      }
      return out;
    }
    p = end;
  }
  return [];
}

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

  it("an edited record's checksum is its CRC-32 again, where it was one", () => {
    const copy = scrub('thermal-crc', 'version: 1\nprofile: thermal\n');
    const before = checksums(readFileSync(FLIR));
    const after = checksums(readFileSync(copy));
    const crcBefore = before.filter((r) => r.stored === r.crc).map((r) => r.type);
    expect(crcBefore, 'CameraInfo carries a CRC-32 in the corpus file').toContain(0x20);
    const info = (list: typeof before) => list.find((r) => r.type === 0x20);
    expect(info(after)?.crc, 'CameraInfo was edited (serial, time)').not.toBe(info(before)?.crc);
    for (const r of after.filter((x) => crcBefore.includes(x.type)))
      expect(r.stored, `record 0x${r.type.toString(16)}`).toBe(r.crc);
  });

  it('the default policy writes nothing of the FFF', () => {
    const copy = scrub('default', 'version: 1\n');
    expect(read(copy)).toEqual({});
  });
});

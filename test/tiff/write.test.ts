/**
 * The EXIF builder, checked by ExifTool (the oracle) reading its output wrapped in a JPEG and
 * as a bare TIFF, in both byte orders; then the reader must agree with ExifTool on the same bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { buildDjiDebugNote } from '../../src/media/tiff/makernotes/dji.js';
import { ascii, buildExif, type ExifSpec } from '../../src/media/tiff/write.js';
import { Collector } from '../../src/media/types.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-tiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny JPEG whose SOF0 says 160x120 (enough for a thumbnail's size to be read). */
const THUMB = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
  0x03, 0x11, 0x01, 0xff, 0xd9,
]);

const SPEC: ExifSpec = {
  ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC6310')],
  exif: [ascii(0xa431, '0K8TFBK0020618'), ascii(0x9003, '2024:05:01 10:11:12')],
  gps: { lat: -33.8567844, lon: 151.2152967, alt: -12.5 },
  makerNote: buildDjiDebugNote([
    ['ae_dbg_info', new Uint8Array([1, 2, 3, 0xff])],
    ['sensor_id', '3VZCH7E0011234'],
  ]),
  thumbnail: THUMB,
};

/** SOI + APP1 "Exif\0\0" + the TIFF structure + EOI. */
function inJpeg(tiff: Uint8Array): Uint8Array {
  const len = tiff.length + 8;
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xe1,
    len >> 8,
    len & 0xff,
    ...Buffer.from('Exif\0\0', 'latin1'),
    ...tiff,
    0xff,
    0xd9,
  ]);
}

describe.each([
  ['big-endian', false],
  ['little-endian', true],
])('buildExif (%s)', (name, le) => {
  const tiff = buildExif(SPEC, { littleEndian: le });
  const jpg = join(dir, `${name}.jpg`);
  const tif = join(dir, `${name}.tif`);
  writeFileSync(jpg, inJpeg(tiff));
  writeFileSync(tif, tiff);
  const [rj, rt] = exiftoolJson([jpg, tif], ['-G1']);

  it.each([
    ['in a JPEG', () => rj],
    ['as a TIFF file', () => rt],
  ])('exiftool reads every datum back %s', (_w, rec) => {
    const r = rec() ?? {};
    expect(r['IFD0:Make']).toBe('DJI');
    expect(r['IFD0:Model']).toBe('FC6310');
    expect(r['ExifIFD:SerialNumber']).toBe('0K8TFBK0020618');
    expect(r['ExifIFD:DateTimeOriginal']).toBe('2024:05:01 10:11:12');
    expect(Number(r['Composite:GPSLatitude'])).toBeCloseTo(-33.8567844, 9);
    expect(Number(r['Composite:GPSLongitude'])).toBeCloseTo(151.2152967, 9);
    expect(Number(r['Composite:GPSAltitude'])).toBeCloseTo(-12.5, 9);
    expect(r['DJI:SensorID']).toBe('3VZCH7E0011234');
    expect(r['IFD1:ThumbnailLength']).toBe(THUMB.length);
    // The JPEG wrapper has no image data (ExifTool says so); nothing about the EXIF may be wrong.
    expect(String(r['ExifTool:Warning'] ?? '')).not.toMatch(/IFD|EXIF|maker|GPS|bad|offset|format/i);
  });

  it('the reader agrees with exiftool on the same bytes', () => {
    const out = new Collector();
    const bytes = inJpeg(tiff);
    readTiffStructure(new BufferSource(bytes), 12, tiff.length, ['APP1 Exif'], out, { kind: 'exif-app1' });
    const r = rj ?? {};
    const pos = out.findings.find((f) => f.tag === 'GPSPosition');
    if (pos?.value.kind !== 'position') throw new Error('no position');
    expect(Math.abs(pos.value.position.lat - Number(r['Composite:GPSLatitude']))).toBeLessThan(1e-7);
    expect(Math.abs(pos.value.position.lon - Number(r['Composite:GPSLongitude']))).toBeLessThan(1e-7);
    expect(pos.value.position.alt).toBeCloseTo(Number(r['Composite:GPSAltitude']), 9);
    const sensor = out.findings.find((f) => f.tag === 'SensorID');
    expect(sensor?.value).toEqual({ kind: 'text', text: r['DJI:SensorID'] });
    expect(sensor?.path).toEqual(['APP1 Exif', 'IFD0', 'ExifIFD', 'MakerNote(DJI)']);
    const thumb = out.findings.find((f) => f.tag === 'ThumbnailImage');
    expect(thumb?.value).toMatchObject({
      kind: 'block',
      size: r['IFD1:ThumbnailLength'],
      width: 160,
      height: 120,
    });
    // The thumbnail's range holds exactly the JPEG bytes.
    const range = thumb?.ranges[0];
    expect(range && bytes.subarray(range.offset, range.offset + range.length)).toEqual(THUMB);
  });
});

/**
 * The reader against the oracle: for every TIFF/DNG in the corpus and the EXIF block of every
 * corpus JPEG, each position and each serial ExifTool reads from EXIF or a maker note is reported
 * with the same value.
 */

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { tiffAnalyser } from '../../src/media/tiff/index.js';
import { Collector } from '../../src/media/types.js';
import { corpusDir } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { exifBlockOf } from './jpeg-exif.js';

const media = corpusDir('media');
const jpegs = media.filter((f) => /\.jpe?g$/i.test(f));
const tiffs = media.filter((f) => /\.(tiff?|dng)$/i.test(f));
const files = [...jpegs, ...tiffs];
const oracle = new Map(exiftoolJson(files, ['-G0:1']).map((r) => [basename(String(r.SourceFile)), r]));

/** What the reader finds in a file: the EXIF block for a JPEG, the whole file for a TIFF. */
function read(file: string): Collector {
  const bytes = readFileSync(file);
  const src = new BufferSource(bytes);
  const out = new Collector();
  if (/\.jpe?g$/i.test(file)) {
    const block = exifBlockOf(bytes);
    if (block) readTiffStructure(src, block.offset, block.length, ['APP1 Exif'], out, { kind: 'exif-app1' });
  } else tiffAnalyser.analyse(src, out);
  return out;
}

const isSerialName = (n: string): boolean =>
  (/Serial/.test(n) && !/SerialNumberFormat/.test(n)) || n === 'SensorID' || /UniqueID/.test(n);

/** EXIF and maker-note tags (family-0 groups) the TIFF reader is answerable for. */
const fromTiff = (key: string): boolean => key.startsWith('EXIF:') || key.startsWith('MakerNotes:');

const show = (f: Finding): string =>
  f.value.kind === 'text' || f.value.kind === 'time'
    ? f.value.text.trim()
    : f.value.kind === 'number'
      ? String(f.value.value)
      : '';

describe('TIFF reader against exiftool on the corpus', () => {
  it('has corpus files of each kind to check', () => {
    expect(jpegs.length).toBeGreaterThan(5);
    expect(tiffs.length).toBeGreaterThanOrEqual(3);
  });

  it('names a DNG (DNGVersion present) as dng and a plain TIFF as tiff', () => {
    for (const file of tiffs) {
      const want = 'EXIF:IFD0:DNGVersion' in (oracle.get(basename(file)) ?? {}) ? 'dng' : undefined;
      expect(read(file).format, basename(file)).toBe(want);
    }
    expect(tiffs.some((f) => read(f).format === 'dng')).toBe(true);
  });

  for (const file of files) {
    const name = basename(file);
    const rec = oracle.get(name) ?? {};
    const serials = Object.entries(rec).filter(
      ([k]) => fromTiff(k) && isSerialName(k.slice(k.lastIndexOf(':') + 1)),
    );
    const hasExifGps = 'EXIF:GPS:GPSLatitude' in rec && 'Composite:GPSLatitude' in rec;

    it(`${name}: reads without error and reports every serial exiftool reads from EXIF/maker notes`, () => {
      const out = read(file);
      for (const [key, want] of serials) {
        const tag = key.slice(key.lastIndexOf(':') + 1);
        const got = out.findings.filter((f) => f.tag === tag).map(show);
        expect(got, `${name} ${key}`).toContain(String(want).trim());
        for (const f of out.findings.filter((x) => x.tag === tag)) expect(f.category).toBe('identity.device');
      }
    });

    if (hasExifGps) {
      it(`${name}: reports the EXIF position as exiftool's Composite GPSLatitude/GPSLongitude`, () => {
        const out = read(file);
        const pos = out.findings.filter(
          (f) => f.value.kind === 'position' && f.category === 'location.drone',
        );
        expect(pos).toHaveLength(1);
        const v = pos[0]?.value;
        if (v?.kind !== 'position') throw new Error('no position');
        const p = v.position;
        expect(Math.abs(p.lat - Number(rec['Composite:GPSLatitude']))).toBeLessThan(1e-7);
        expect(Math.abs(p.lon - Number(rec['Composite:GPSLongitude']))).toBeLessThan(1e-7);
        if ('Composite:GPSAltitude' in rec)
          expect(p.alt).toBeCloseTo(Number(rec['Composite:GPSAltitude']), 6);
        expect(pos[0]?.ranges.length).toBeGreaterThanOrEqual(4);
      });
    }
  }
});

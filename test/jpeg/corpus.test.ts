/** The real corpus JPEGs against ExifTool: every XMP/IPTC position and identity, every embedded picture. */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/core/source.js';
import { isSensitive } from '../../src/findings/model.js';
import { readIptc } from '../../src/media/iptc/read.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { Collector } from '../../src/media/types.js';
import { categoryOf } from '../../src/media/xmp/categories.js';
import { corpusDir } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { binaryLength, compareXmp, xmpEntries } from './oracle.js';

const files = corpusDir('media').filter((f) => f.endsWith('.jpg'));
const records = exiftoolJson(files, [
  '-b',
  '-XMP:all',
  '-IPTC:all',
  '-MPF:all',
  '-ThumbnailImage',
  '-PreviewImage',
  '-FLIR:all',
]);
// -b makes binary values base64: lengths come from a second, cheap pass.
const sizes = exiftoolJson(files, [
  '-MPF:all',
  '-ThumbnailImage',
  '-PreviewImage',
  '-RawThermalImage',
  '-FLIR:all',
]);

function analyse(file: string): Collector {
  const out = new Collector();
  const src = FileSource.open(file);
  try {
    jpegAnalyser.analyse(src, out);
  } catch {
    // Damage is reported elsewhere; here only what ExifTool also read is compared.
  } finally {
    src.close();
  }
  return out;
}

const IPTC_SENSITIVE = (() => {
  // The names readIptc gives sensitive categories, learnt by feeding it each dataset once.
  const names = new Set<string>();
  for (let ds = 0; ds < 256; ds++) {
    const out = new Collector();
    readIptc(Uint8Array.of(0x1c, 2, ds, 0, 1, 0x41), 0, [], out);
    const f = out.findings[0];
    if (f && isSensitive(f.category) && f.category !== 'time' && f.category !== 'other') names.add(f.tag);
  }
  return names;
})();

describe.each(files.map((f, i) => [basename(f), f, i] as const))('%s', (_name, file, i) => {
  const out = analyse(file);
  const rec = records[i] ?? {};
  const sized = sizes[i] ?? {};

  it('finds every XMP position, place and identity ExifTool reports, with the same value', () => {
    const problems = xmpEntries(rec)
      .filter(
        ([p, n]) =>
          /^(location|identity)/.test(categoryOf(`${p}:${n}`)) || /^(drone-dji|exif):/.test(`${p}:`),
      )
      .map(([p, n, v]) => compareXmp(out.findings, p, n, v))
      .filter((x) => x !== undefined);
    expect(problems).toEqual([]);
  });

  it('finds every IPTC place and person ExifTool reports, with the same value', () => {
    for (const [k, v] of Object.entries(rec)) {
      if (!k.startsWith('IPTC:')) continue;
      const name = k.slice(5);
      if (!IPTC_SENSITIVE.has(name)) continue;
      const got = out.findings
        .filter((f) => f.tag === name && f.value.kind === 'text')
        .map((f) => (f.value as { text: string }).text.trim());
      for (const want of [v].flat()) expect(got, name).toContain(String(want).trim());
    }
  });

  it('reports every embedded picture ExifTool extracts as imagery with the same length', () => {
    const blocks = out.findings.filter(
      (f) => f.category === 'imagery.embedded' || f.category === 'imagery.thermal',
    );
    for (const [k, v] of Object.entries(sized)) {
      const len = binaryLength(v);
      if (len === undefined || !/(ThumbnailImage|PreviewImage|MPImage\d|RawThermalImage)$/.test(k)) continue;
      const found = blocks.map((b) => (b.value.kind === 'block' ? b.value.size : -1));
      // A FlashPix preview is a stream inside the FPXR segments: the block holding it is larger.
      if (k.startsWith('FlashPix:')) expect(Math.max(...found), k).toBeGreaterThanOrEqual(len);
      else expect(found, k).toContain(len);
    }
  });

  it('finds the FLIR serial numbers ExifTool reports', () => {
    for (const tag of ['CameraSerialNumber', 'LensSerialNumber']) {
      const want = rec[`FLIR:${tag}`];
      if (want === undefined || want === '') continue;
      const f = out.findings.find((x) => x.tag === tag && x.path[0] === 'APP1 FLIR');
      expect(f?.category).toBe('identity.device');
      expect(f?.value).toEqual({ kind: 'text', text: String(want) });
    }
  });
});

it('the corpus holds the cases these comparisons are about', () => {
  const all = records.flatMap((r) => Object.keys(r));
  expect(all.some((k) => k.startsWith('XMP-drone-dji:'))).toBe(true);
  expect(all.some((k) => k === 'IPTC:By-line')).toBe(true);
  expect(all.some((k) => k === 'FLIR:CameraSerialNumber')).toBe(true);
});

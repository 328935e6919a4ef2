/**
 * The TIFF/EXIF rewriter against the oracle (exiftool 12.57) on the corpus TIFF/DNG files and on
 * EXIF blocks built with buildExif (wrapped in a minimal JPEG): what a drop-all policy removes is
 * gone, a coarsened position reads back exactly, keep-all loses nothing, image data is unchanged,
 * and the output validates no worse than the input.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { tiffAnalyser } from '../../src/media/tiff/index.js';
import { buildDjiDebugNote } from '../../src/media/tiff/makernotes/dji.js';
import { rewriteTiffStructure, tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { ascii, buildExif, type ExifSpec, rational, short } from '../../src/media/tiff/write.js';
import { Collector } from '../../src/media/types.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { type Decide, RewriteNotes } from '../../src/scrub/types.js';
import { corpusDir } from '../helpers/corpus.js';
import { EXIFTOOL, type ExifToolRecord, exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scrub-tiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keepAll: Decide = () => ({ action: 'keep' });
const displayOnly: Decide = (f) => (f.category === 'display' ? { action: 'keep' } : { action: 'drop' });
const COARSE_M = 1000;
/** Keep everything but coarsen every position (as the default policy does for the drone). */
const coarsen: Decide = (f) =>
  f.value.kind === 'position'
    ? {
        action: 'replace',
        value: { kind: 'position', position: coarsenPosition(f.value.position, COARSE_M) },
      }
    : { action: 'keep' };

/** Tag keys (family-1 group:name) that say where things are, which legitimately move. */
const MOVES = /(Offset|Offsets|Start|ImageStart)$|^(ExifOffset|GPSInfo|InteropOffset|SubIFD)/;
const FILE_GROUPS = /^(ExifTool|System|File|Composite):/;

const isGps = (k: string): boolean => /GPS|Gps/.test(k);
const isSerial = (k: string): boolean =>
  (/Serial/.test(k) && !/SerialNumberFormat/.test(k)) || /SensorID|UniqueID|CaptureUUID/.test(k);
const isPicture = (k: string): boolean => /ThumbnailImage|PreviewImage|JpgFromRaw|ThumbnailTIFF/.test(k);

function oracle(file: string, extra: string[] = []): ExifToolRecord {
  return exiftoolJson([file], extra)[0] ?? {};
}

/** Warnings of `exiftool -validate`, one string each. */
function validateWarnings(file: string): string[] {
  const out = execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', '-s3', file], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(OK|\d+ (Warning|Error))/.test(l));
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Comparable metadata: every tag but file-level ones and offsets, which move by design. */
const metadata = (r: ExifToolRecord, skip: (k: string) => boolean = () => false): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(r).filter(
      ([k]) => k !== 'SourceFile' && !FILE_GROUPS.test(k) && !MOVES.test(k.split(':')[1] ?? '') && !skip(k),
    ),
  );

const tiffs = corpusDir('media').filter((f) => /\.(tiff?|dng)$/i.test(f));

describe('tiffRewriter on the corpus TIFF/DNG files', () => {
  it('has TIFF and DNG files to check', () => {
    expect(tiffs.some((f) => f.endsWith('.dng'))).toBe(true);
    expect(tiffs.filter((f) => /\.tiff?$/.test(f)).length).toBeGreaterThanOrEqual(2);
  });

  for (const file of tiffs) {
    const name = basename(file);
    const input = readFileSync(file);
    const before = oracle(file);
    const beforeG0 = oracle(file, ['-G0:1']);
    const isDng = 'IFD0:DNGVersion' in before;

    it(`${name}: display-only leaves no GPS, serial, maker note, XMP or embedded picture (exiftool)`, () => {
      const r = tiffRewriter.rewrite(new BufferSource(input), displayOnly);
      const out = write(`drop-${name}`, r.bytes);
      const after = oracle(out, ['-G0:1']);
      const keys = Object.keys(metadata(after));
      expect(keys.filter(isGps), 'GPS').toEqual([]);
      expect(keys.filter(isSerial), 'serials').toEqual([]);
      expect(
        keys.filter((k) => k.startsWith('MakerNotes:')),
        'maker notes',
      ).toEqual([]);
      expect(
        keys.filter((k) => k.startsWith('XMP')),
        'XMP',
      ).toEqual([]);
      expect(
        keys.filter((k) => /Make|Model|Artist|Date|Software/.test(k)),
        'identity/time',
      ).toEqual([]);
      const pictures = keys.filter(isPicture);
      if (isDng) {
        // The DNG's IFD0 preview is required by the format: kept, and the rewriter says so.
        expect(pictures.every((k) => k.includes('IFD0'))).toBe(true);
        expect(r.notes.join('\n')).toMatch(/IFD0.*DNG/);
      } else expect(pictures).toEqual([]);
      expect(
        Object.keys(beforeG0).filter((k) => k.startsWith('MakerNotes:') || isGps(k)).length,
      ).toBeGreaterThan(0);
    });

    if (isDng)
      it(`${name}: display-only keeps every tag a raw converter renders with, value for value (exiftool)`, () => {
        // The DNG specification's colour and rendering tags (chapter 6 and the tags it names),
        // less CameraCalibration1/2: one camera's own measurement, which the policy decides.
        const RENDERING =
          /^(CalibrationIlluminant[123]|ColorMatrix[123]|ForwardMatrix[123]|AnalogBalance|AsShotNeutral|AsShotWhiteXY|BaselineExposure|BaselineExposureOffset|BaselineNoise|BaselineSharpness|LinearResponseLimit|ShadowScale|NoiseProfile|BlackLevel|WhiteLevel|DefaultCropOrigin|DefaultCropSize|ActiveArea|DefaultBlackRender|ChromaBlurRadius|AntiAliasStrength)$/;
        const bare = (k: string): string => k.slice(k.indexOf(':') + 1);
        const wanted = Object.entries(before).filter(([k]) => RENDERING.test(bare(k)));
        // The corpus DNG holds the white balance and both illuminants; dropping them recolours it.
        expect(wanted.map(([k]) => bare(k))).toEqual(
          expect.arrayContaining(['AsShotNeutral', 'CalibrationIlluminant1', 'CalibrationIlluminant2']),
        );
        const out = write(`render-${name}`, tiffRewriter.rewrite(new BufferSource(input), displayOnly).bytes);
        const after = oracle(out);
        expect(Object.fromEntries(wanted.map(([k]) => [k, after[k]]))).toEqual(Object.fromEntries(wanted));
      });

    it(`${name}: image data is copied byte for byte (hash, and exiftool's own offsets)`, () => {
      for (const decide of [displayOnly, keepAll, coarsen]) {
        const r = tiffRewriter.rewrite(new BufferSource(input), decide);
        expect(r.imageHashOut).toBe(r.imageHashIn);
        expect(r.imageHashIn).toMatch(/^[0-9a-f]{64}$/);
      }
      // Independently of the rewriter's hash: the main image's strips/tiles as exiftool locates them.
      const r = tiffRewriter.rewrite(new BufferSource(input), displayOnly);
      const out = write(`data-${name}`, r.bytes);
      const main = isDng ? 'SubIFD' : 'IFD0';
      const span = (rec: ExifToolRecord): Buffer[] => {
        const offs = String(rec[`${main}:StripOffsets`] ?? rec[`${main}:TileOffsets`])
          .split(' ')
          .map(Number);
        const lens = String(rec[`${main}:StripByteCounts`] ?? rec[`${main}:TileByteCounts`])
          .split(' ')
          .map(Number);
        return offs.map((o, i) =>
          Buffer.from(readFileSync(String(rec.SourceFile)).subarray(o, o + (lens[i] ?? 0))),
        );
      };
      const [a, b] = exiftoolJson(
        [file, out],
        ['-StripOffsets', '-StripByteCounts', '-TileOffsets', '-TileByteCounts', '-b'],
      );
      const inData = Buffer.concat(span(a ?? {}));
      expect(inData.length).toBeGreaterThan(0);
      expect(Buffer.concat(span(b ?? {})).equals(inData)).toBe(true);
    });

    it(`${name}: keep-all keeps every tag and value exiftool reads (maker notes it cannot relocate aside, with a note)`, () => {
      const r = tiffRewriter.rewrite(new BufferSource(input), keepAll);
      const out = write(`keep-${name}`, r.bytes);
      const after = oracle(out);
      const droppedNotes = r.notes.some((n) => /MakerNote/.test(n));
      const makerGroups = new Set(
        Object.keys(beforeG0)
          .filter((k) => k.startsWith('MakerNotes:'))
          .map((k) => k.split(':')[1]),
      );
      const skip = (k: string): boolean => droppedNotes && makerGroups.has(k.split(':')[0]);
      expect(metadata(after, skip)).toEqual(metadata(before, skip));
      if (droppedNotes) expect(Object.keys(after).some((k) => makerGroups.has(k.split(':')[0]))).toBe(false);
    });

    if ('Composite:GPSLatitude' in before)
      it(`${name}: a coarsened position reads back in exiftool as the grid value to 1e-7`, () => {
        const c = new Collector();
        tiffAnalyser.analyse(new BufferSource(input), c);
        const pos = c.findings.find((f) => f.value.kind === 'position' && f.category === 'location.drone');
        if (pos?.value.kind !== 'position') throw new Error('the reader found no drone position');
        const want = coarsenPosition(pos.value.position, COARSE_M);
        const out = write(`coarse-${name}`, tiffRewriter.rewrite(new BufferSource(input), coarsen).bytes);
        const after = oracle(out);
        expect(Math.abs(Number(after['Composite:GPSLatitude']) - want.lat)).toBeLessThan(1e-7);
        expect(Math.abs(Number(after['Composite:GPSLongitude']) - want.lon)).toBeLessThan(1e-7);
        if (want.alt !== undefined) expect(Number(after['Composite:GPSAltitude'])).toBeCloseTo(want.alt, 6);
      });

    it(`${name}: outputs validate no worse than the input and re-read cleanly`, () => {
      const baseline = new Set(validateWarnings(file));
      for (const [label, decide] of [
        ['drop', displayOnly],
        ['keep', keepAll],
        ['coarse', coarsen],
      ] as const) {
        const bytes = tiffRewriter.rewrite(new BufferSource(input), decide).bytes;
        const out = write(`valid-${label}-${name}`, bytes);
        expect(
          validateWarnings(out).filter((w) => !baseline.has(w)),
          label,
        ).toEqual([]);
        expect(() => tiffAnalyser.analyse(new BufferSource(bytes), new Collector())).not.toThrow();
      }
    });
  }
});

/** A tiny JPEG whose SOF0 says 160x120: the thumbnail. */
const THUMB = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
  0x03, 0x11, 0x01, 0xff, 0xd9,
]);

const SPEC: ExifSpec = {
  ifd0: [
    ascii(0x010f, 'DJI'),
    ascii(0x0110, 'FC6310'),
    short(0x0112, 1),
    rational(0x011a, 72),
    rational(0x011b, 72),
    short(0x0128, 2),
    short(0x0213, 1),
    ascii(0x013b, 'Jane Pilot'),
  ],
  exif: [
    { tag: 0x9000, value: { type: 'undefined', value: Buffer.from('0230') } },
    { tag: 0xa000, value: { type: 'undefined', value: Buffer.from('0100') } },
    short(0xa001, 1),
    ascii(0xa431, '0K8TFBK0020618'),
    ascii(0x9003, '2024:05:01 10:11:12'),
  ],
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

/** The EXIF block of `jpeg` (as built by inJpeg) rewritten, wrapped in a JPEG again. */
function rewriteJpeg(jpeg: Uint8Array, decide: Decide): Uint8Array {
  const len = ((jpeg[4] as number) << 8) | (jpeg[5] as number);
  const tiff = rewriteTiffStructure(new BufferSource(jpeg), 12, len - 8, ['APP1 Exif'], decide, {
    kind: 'exif-app1',
    notes: new RewriteNotes(),
  });
  return inJpeg(tiff);
}

describe.each([
  ['big-endian', false],
  ['little-endian', true],
])('rewriteTiffStructure on a built EXIF block (%s)', (order, le) => {
  const jpeg = inJpeg(buildExif(SPEC, { littleEndian: le }));
  const src = write(`built-${order}.jpg`, jpeg);
  const before = oracle(src);

  it('display-only: exiftool lists no GPS, serial, maker note, thumbnail, person or time', () => {
    const after = oracle(write(`built-drop-${order}.jpg`, rewriteJpeg(jpeg, displayOnly)), ['-G0:1']);
    const keys = Object.keys(metadata(after));
    expect(
      keys.filter((k) => isGps(k) || isSerial(k) || isPicture(k) || k.startsWith('MakerNotes:')),
    ).toEqual([]);
    expect(keys.filter((k) => /Artist|Date|Make|Model/.test(k))).toEqual([]);
    // Display data and what validity needs stay.
    expect(after['EXIF:IFD0:Orientation']).toBe(1);
    expect(after['EXIF:ExifIFD:ExifVersion']).toBe('0230');
    expect(before['GPS:GPSLatitude']).toBeDefined();
  });

  it('keep-all: exiftool reads the same tags and values as on the input', () => {
    const after = oracle(write(`built-keep-${order}.jpg`, rewriteJpeg(jpeg, keepAll)));
    expect(metadata(after)).toEqual(metadata(before));
    expect(after['DJI:SensorID']).toBe('3VZCH7E0011234');
  });

  it('coarsen: Composite GPSLatitude/GPSLongitude/GPSAltitude equal the grid value to 1e-7', () => {
    const want = coarsenPosition({ lat: -33.8567844, lon: 151.2152967, alt: -12.5 }, COARSE_M);
    const after = oracle(write(`built-coarse-${order}.jpg`, rewriteJpeg(jpeg, coarsen)));
    expect(Math.abs(Number(after['Composite:GPSLatitude']) - want.lat)).toBeLessThan(1e-7);
    expect(Math.abs(Number(after['Composite:GPSLongitude']) - want.lon)).toBeLessThan(1e-7);
    expect(Number(after['Composite:GPSAltitude'])).toBe(want.alt ?? Number.NaN);
    expect(after['ExifIFD:SerialNumber']).toBe('0K8TFBK0020618');
  });

  it('date-only time and a kept thumbnail: written in the tag format, thumbnail bytes intact', () => {
    const decide: Decide = (f: Finding) =>
      f.tag === 'DateTimeOriginal'
        ? { action: 'replace', value: { kind: 'time', text: '2024:05:01 00:00:00' } }
        : { action: 'keep' };
    const out = write(`built-time-${order}.jpg`, rewriteJpeg(jpeg, decide));
    const after = oracle(out);
    expect(after['ExifIFD:DateTimeOriginal']).toBe('2024:05:01 00:00:00');
    const thumb = execFileSync(EXIFTOOL, ['-b', '-ThumbnailImage', out]);
    expect(Buffer.from(thumb).equals(Buffer.from(THUMB))).toBe(true);
  });

  it('the output validates no worse than the input and re-reads cleanly', () => {
    const baseline = new Set(validateWarnings(src));
    for (const decide of [displayOnly, keepAll, coarsen]) {
      const bytes = rewriteJpeg(jpeg, decide);
      expect(
        validateWarnings(write(`built-valid-${order}.jpg`, bytes)).filter((w) => !baseline.has(w)),
      ).toEqual([]);
      expect(() =>
        readTiffStructure(new BufferSource(bytes), 12, bytes.length - 14, ['APP1 Exif'], new Collector(), {
          kind: 'exif-app1',
        }),
      ).not.toThrow();
    }
  });
});

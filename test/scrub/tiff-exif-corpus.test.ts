/**
 * rewriteTiffStructure on the EXIF block of every corpus JPEG, spliced back into the original
 * file in place of its APP1 Exif segment and read by exiftool (the oracle): a display-only
 * decision leaves no EXIF GPS, serial, maker note or thumbnail; keep-all leaves every EXIF tag
 * as it was (maker notes whose offsets cannot survive a move aside, each named in a note).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { rewriteTiffStructure } from '../../src/media/tiff/rewrite.js';
import { type Decide, RewriteNotes } from '../../src/scrub/types.js';
import { corpusDir } from '../helpers/corpus.js';
import { type ExifToolRecord, exiftoolJson } from '../helpers/exiftool.js';
import { exifBlockOf } from '../tiff/jpeg-exif.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scrub-exif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keepAll: Decide = () => ({ action: 'keep' });
const displayOnly: Decide = (f) => (f.category === 'display' ? { action: 'keep' } : { action: 'drop' });

/** The JPEG with its APP1 Exif payload (after "Exif\0\0") replaced by `tiff`. */
function splice(jpeg: Buffer, block: { offset: number; length: number }, tiff: Uint8Array): Buffer {
  const seg = block.offset - 10;
  const len = tiff.length + 8;
  const head = Buffer.from([0xff, 0xe1, len >> 8, len & 0xff, ...Buffer.from('Exif\0\0', 'latin1')]);
  return Buffer.concat([jpeg.subarray(0, seg), head, tiff, jpeg.subarray(block.offset + block.length)]);
}

/** SOI + APP1 "Exif\0\0" + the TIFF structure + EOI. */
const inJpeg = (tiff: Uint8Array): Buffer =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe1, (tiff.length + 8) >> 8, (tiff.length + 8) & 0xff]),
    Buffer.from('Exif\0\0', 'latin1'),
    tiff,
    Buffer.from([0xff, 0xd9]),
  ]);

/** EXIF (family 0) and maker-note tags, minus the ones that say where things are. */
const exifTags = (r: ExifToolRecord, skipGroups: Set<string>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(r).filter(([k]) => {
      const [g0, g1, name] = k.split(':');
      if (g0 !== 'EXIF' && g0 !== 'MakerNotes') return false;
      if (skipGroups.has(g1 ?? '')) return false;
      return !/(Offset|Start)$|^(ExifOffset|GPSInfo|InteropOffset|SubIFD)$/.test(name ?? '');
    }),
  );

const jpegs = corpusDir('media').filter((f) => /\.jpe?g$/i.test(f));

describe('rewriteTiffStructure on corpus JPEG EXIF blocks', () => {
  const cases = jpegs
    .map((file) => ({ file, bytes: readFileSync(file) }))
    .map((c) => ({ ...c, block: exifBlockOf(c.bytes) }))
    .filter((c): c is typeof c & { block: { offset: number; length: number } } => c.block !== undefined);

  it('has DJI and other makers to check', () => {
    expect(cases.length).toBeGreaterThan(5);
    expect(cases.some((c) => basename(c.file).startsWith('dji-'))).toBe(true);
  });

  it('display-only: exiftool reads no GPS, serial, person, time, maker note or thumbnail in the rewritten block', () => {
    // The block alone in a minimal JPEG: other segments (XMP, APPn, trailers) are other rewriters' job.
    const outs = cases.map((c) => {
      const tiff = rewriteTiffStructure(
        new BufferSource(c.bytes),
        c.block.offset,
        c.block.length,
        ['APP1 Exif'],
        displayOnly,
        { kind: 'exif-app1' },
      );
      const out = join(dir, `drop-${basename(c.file)}`);
      writeFileSync(out, inJpeg(tiff));
      return out;
    });
    for (const r of exiftoolJson(outs, ['-G0:1'])) {
      const keys = Object.keys(exifTags(r, new Set()));
      const name = String(r.SourceFile);
      expect(
        keys.filter((k) => /GPS/.test(k)),
        name,
      ).toEqual([]);
      expect(
        keys.filter((k) => /Serial|UniqueID|SensorID/.test(k) && !/SerialNumberFormat/.test(k)),
        name,
      ).toEqual([]);
      expect(
        keys.filter(
          (k) => k.startsWith('MakerNotes:') || /Thumbnail|Artist|Copyright|Owner|Date|Make|Model/.test(k),
        ),
        name,
      ).toEqual([]);
      expect(String(r['ExifTool:ExifTool:Warning'] ?? ''), name).not.toMatch(/IFD|EXIF|offset|format/i);
    }
  });

  it('keep-all: exiftool reads the same EXIF and maker-note tags as on the original', () => {
    const runs = cases.map((c) => {
      const notes = new RewriteNotes();
      const tiff = rewriteTiffStructure(
        new BufferSource(c.bytes),
        c.block.offset,
        c.block.length,
        ['APP1 Exif'],
        keepAll,
        { kind: 'exif-app1', notes },
      );
      const out = join(dir, `keep-${basename(c.file)}`);
      writeFileSync(out, splice(c.bytes, c.block, tiff));
      return { ...c, out, notes: notes.lines };
    });
    const before = exiftoolJson(
      runs.map((r) => r.file),
      ['-G0:1'],
    );
    const after = exiftoolJson(
      runs.map((r) => r.out),
      ['-G0:1'],
    );
    runs.forEach((run, i) => {
      const b = before[i] ?? {};
      const a = after[i] ?? {};
      // A maker note the rewriter could not relocate is named in a note; its groups are set aside.
      const noteGroups = new Set(
        run.notes.some((n) => /MakerNote/.test(n))
          ? Object.keys(b)
              .filter((k) => k.startsWith('MakerNotes:'))
              .map((k) => k.split(':')[1] ?? '')
          : [],
      );
      expect(exifTags(a, noteGroups), basename(run.file)).toEqual(exifTags(b, noteGroups));
      for (const g of noteGroups)
        expect(Object.keys(a).some((k) => k.startsWith(`MakerNotes:${g}:`))).toBe(false);
    });
    // The DJI debug maker note holds no offsets: it survives keep-all whole.
    const dji = runs.findIndex((r) => basename(r.file).startsWith('dji-'));
    expect(after[dji]?.['MakerNotes:DJI:SensorID']).toBeDefined();
  });
});

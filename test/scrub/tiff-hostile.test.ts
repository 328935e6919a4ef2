/**
 * The rewriter on hostile input: every truncation and a run of bit flips of real structures give
 * a rewritten file or an AirlockError, never a TypeError/RangeError or a hang; what it writes
 * reads back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { tiffAnalyser } from '../../src/media/tiff/index.js';
import { buildDjiDebugNote } from '../../src/media/tiff/makernotes/dji.js';
import { rewriteTiffStructure, tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { ascii, buildExif } from '../../src/media/tiff/write.js';
import { Collector } from '../../src/media/types.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, exiftoolJson } from '../helpers/exiftool.js';

const keepAll: Decide = () => ({ action: 'keep' });

/** Runs `f`; passes when it returns or throws an AirlockError. Returns the result, if any. */
function typed<T>(f: () => T, label: string): T | undefined {
  try {
    return f();
  } catch (e) {
    expect(e, label).toBeInstanceOf(AirlockError);
    return undefined;
  }
}

/** A cheap deterministic generator, so a failure names a reproducible case. */
const lcg = (seed: number) => () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed;
};

describe('TIFF rewriter on hostile input', () => {
  const exif = buildExif({
    ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC3411')],
    exif: [ascii(0xa431, 'SERIAL')],
    gps: { lat: 1.5, lon: -2.25, alt: 10 },
    makerNote: buildDjiDebugNote([['sensor_id', 'X1']]),
    thumbnail: Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]),
  });

  it('gives only typed outcomes for every truncation of an EXIF block', () => {
    for (let len = 0; len <= exif.length; len++) {
      const b = exif.subarray(0, len);
      typed(
        () => rewriteTiffStructure(new BufferSource(b), 0, b.length, [], keepAll, { kind: 'exif-app1' }),
        `length ${len}`,
      );
    }
  });

  it('gives only typed outcomes for bit flips of a DNG and a TIFF, and what it writes re-reads', () => {
    for (const name of ['exiftool-DNG.dng', 'mat2-dirty.tiff']) {
      const orig = readFileSync(corpusFile('media', name));
      // Flips land in the metadata (the first 16 KiB), where the structure is.
      const span = Math.min(orig.length, 16 * 1024);
      const rnd = lcg(name.length);
      for (let i = 0; i < 150; i++) {
        const b = Buffer.from(orig);
        for (let k = 0; k < 4; k++) {
          const at = rnd() % span;
          b[at] = (b[at] as number) ^ (1 << (rnd() % 8));
        }
        const r = typed(() => tiffRewriter.rewrite(new BufferSource(b), keepAll), `${name} case ${i}`);
        if (r) tiffAnalyser.analyse(new BufferSource(r.bytes), new Collector());
      }
    }
  });

  it('refuses strips that all point at the same bytes instead of multiplying them (bounded memory)', () => {
    // IFD0: 200,000 strips of 8 bytes each at offset 0, in a file of ~1.6 MB: each strip is
    // in bounds, but copying them would write far more than the file holds.
    const n = 200_000;
    const b = new Uint8Array(8 + 2 + 12 * 2 + 4 + 8 * n);
    const v = new DataView(b.buffer);
    b.set([0x49, 0x49, 42, 0], 0);
    v.setUint32(4, 8, true);
    v.setUint16(8, 2, true);
    const table = 10;
    const offsAt = 8 + 2 + 24 + 4;
    const lensAt = offsAt + 4 * n;
    for (const [i, tag, at] of [
      [0, 0x0111, offsAt],
      [1, 0x0117, lensAt],
    ] as const) {
      v.setUint16(table + 12 * i, tag, true);
      v.setUint16(table + 12 * i + 2, 4, true);
      v.setUint32(table + 12 * i + 4, n, true);
      v.setUint32(table + 12 * i + 8, at, true);
    }
    for (let i = 0; i < n; i++) v.setUint32(lensAt + 4 * i, 64, true);
    let err: unknown;
    try {
      tiffRewriter.rewrite(new BufferSource(b), keepAll);
    } catch (e) {
      err = e;
    }
    expect((err as AirlockError).code).toBe('AIRLOCK_ERR_LIMIT');
  });
});

describe('image data over the structure', () => {
  /**
   * A 1×1 grey TIFF: IFD0 with an Artist and a serial (out of line), its one strip at `stripAt`
   * for `stripLength` bytes (default: the pixel, the file's last byte).
   */
  function tiff(strip?: { at: number; length: number }): Buffer {
    const artist = Buffer.from('Pilot Joe SECRETARTIST\0', 'latin1');
    const serial = Buffer.from('SECRETSERIAL123\0', 'latin1');
    const tags: [number, number, number, number | Buffer][] = [
      [0x0100, 3, 1, 1], // ImageWidth
      [0x0101, 3, 1, 1], // ImageLength
      [0x0102, 3, 1, 8], // BitsPerSample
      [0x0106, 3, 1, 1], // PhotometricInterpretation: black is zero
      [0x0111, 4, 1, 0], // StripOffsets (set below)
      [0x0116, 3, 1, 1], // RowsPerStrip
      [0x0117, 4, 1, 0], // StripByteCounts (set below)
      [0x013b, 2, artist.length, artist], // Artist
      [0xa431, 2, serial.length, serial], // BodySerialNumber (in IFD0: ExifTool reads it there too)
    ];
    const ifdAt = 8;
    const valuesAt = ifdAt + 2 + 12 * tags.length + 4;
    const values = Buffer.concat([artist, serial]);
    const pixelAt = valuesAt + values.length;
    const b = Buffer.alloc(pixelAt + 1);
    b.write('II*\0', 0, 'latin1');
    b.writeUInt32LE(ifdAt, 4);
    b.writeUInt16LE(tags.length, ifdAt);
    let next = valuesAt;
    tags.forEach(([tag, type, count, value], i) => {
      const e = ifdAt + 2 + 12 * i;
      b.writeUInt16LE(tag, e);
      b.writeUInt16LE(type, e + 2);
      b.writeUInt32LE(count, e + 4);
      if (Buffer.isBuffer(value)) {
        b.writeUInt32LE(next, e + 8);
        value.copy(b, next);
        next += value.length;
      } else if (tag === 0x0111) b.writeUInt32LE(strip?.at ?? pixelAt, e + 8);
      else if (tag === 0x0117) b.writeUInt32LE(strip?.length ?? 1, e + 8);
      else if (type === 3) b.writeUInt16LE(value, e + 8);
      else b.writeUInt32LE(value, e + 8);
    });
    b[pixelAt] = 0x80;
    return b;
  }
  const dropAll: Decide = () => ({ action: 'drop' });

  it('inspect warns of a strip past the end of the file, where ExifTool does, instead of calling it clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-strip-'));
    try {
      for (const [strip, past] of [
        [undefined, false],
        [{ at: 1_000_000_000, length: 1 }, true],
      ] as const) {
        const b = tiff(strip);
        writeFileSync(join(dir, 'x.tif'), b);
        const warned = execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', join(dir, 'x.tif')], {
          encoding: 'utf8',
        });
        expect(warned.includes('StripOffsets is past end of file')).toBe(past);
        const out = new Collector();
        tiffAnalyser.analyse(new BufferSource(b), out);
        const ours = out.warnings.filter((w) => w.name === 'tiff-image-data-out-of-range');
        expect(ours.map((w) => w.offset)).toEqual(past ? [1_000_000_000] : []);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cleans the well-formed picture: no trace of the artist or serial in the copy', () => {
    const out = Buffer.from(tiffRewriter.rewrite(new BufferSource(tiff()), dropAll).bytes);
    expect(out.includes('SECRET')).toBe(false);
  });

  it.each([
    ['over the whole file', (size: number) => ({ at: 0, length: size })],
    ['over the Artist value only', () => ({ at: 8 + 2 + 12 * 9 + 4, length: 23 })],
    ['over IFD0', () => ({ at: 10, length: 12 })],
  ])(
    'refuses a strip %s, naming where: the copy would carry what the IFDs no longer hold',
    (_what, strip) => {
      const base = tiff();
      const b = tiff(strip(base.length));
      // ExifTool reads the file as a TIFF with the artist: the fields are real, not damage.
      const dir = mkdtempSync(join(tmpdir(), 'airlock-strip-'));
      try {
        writeFileSync(join(dir, 'x.tif'), b);
        const rec = exiftoolJson([join(dir, 'x.tif')])[0] as Record<string, unknown>;
        expect(rec['IFD0:Artist']).toBe('Pilot Joe SECRETARTIST');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      let err: unknown;
      try {
        tiffRewriter.rewrite(new BufferSource(b), dropAll);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AirlockError);
      expect((err as AirlockError).code).toBe('AIRLOCK_ERR_MALFORMED');
      expect((err as AirlockError).message).toMatch(/^image data at \d+ \(\d+ bytes\) covers /);
    },
  );
});

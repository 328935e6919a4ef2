/**
 * TIFF files whose IFDs name the same strip (legal if unusual: IFD0 and IFD1 sharing one strip).
 * Each kept IFD gets its own copy of the bytes. While the copies stay within the data budget (the
 * file's size) the file is cleaned and the copy reads back (the oracle: Debian's ExifTool); once
 * they add up past it the rewrite is refused with a message naming the overlapping blocks, not
 * one claiming the file names more bytes than it holds.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { readTiffStructure, type TiffTrace } from '../../src/media/tiff/exif.js';
import { tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { imageDataInWalkOrder } from '../../src/media/tiff/rewrite-data.js';
import { Collector } from '../../src/media/types.js';
import type { Decide } from '../../src/scrub/types.js';
import { airlock } from '../cli/built.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-shared-strips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keepAll: Decide = () => ({ action: 'keep' });

/** Where the builder puts the image data: right after the header. */
const DATA_AT = 8;
const ENTRIES = 9;

interface GreyIfd {
  width: number;
  height: number;
  /** [offset into the data, length] of each strip. */
  strips: readonly (readonly [number, number])[];
}

/**
 * A little-endian TIFF of 8-bit grey images: header, `data`, then one IFD per `ifds` (chained in
 * order), each followed by its strip arrays when it has more than one strip.
 */
function greyTiff(data: Uint8Array, ifds: readonly GreyIfd[]): Uint8Array {
  let pos = DATA_AT + data.length + (data.length & 1);
  const ifdAt: number[] = [];
  for (const d of ifds) {
    ifdAt.push(pos);
    pos += 2 + 12 * ENTRIES + 4 + (d.strips.length > 1 ? 8 * d.strips.length : 0);
  }
  const out = new Uint8Array(pos);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49], 0);
  v.setUint16(2, 42, true);
  v.setUint32(4, ifdAt[0] as number, true);
  out.set(data, DATA_AT);
  ifds.forEach((d, k) => {
    const at = ifdAt[k] as number;
    const n = d.strips.length;
    let extra = at + 2 + 12 * ENTRIES + 4;
    v.setUint16(at, ENTRIES, true);
    let i = 0;
    const entry = (tag: number, type: 3 | 4, values: readonly number[]): void => {
      const e = at + 2 + 12 * i++;
      v.setUint16(e, tag, true);
      v.setUint16(e + 2, type, true);
      v.setUint32(e + 4, values.length, true);
      const size = type === 3 ? 2 : 4;
      let w = e + 8;
      if (size * values.length > 4) {
        v.setUint32(e + 8, extra, true);
        w = extra;
        extra += size * values.length;
      }
      values.forEach((x, j) => {
        if (type === 3) v.setUint16(w + 2 * j, x, true);
        else v.setUint32(w + 4 * j, x, true);
      });
    };
    entry(0x0100, 4, [d.width]); // ImageWidth
    entry(0x0101, 4, [d.height]); // ImageLength
    entry(0x0102, 3, [8]); // BitsPerSample
    entry(0x0103, 3, [1]); // Compression: none
    entry(0x0106, 3, [1]); // PhotometricInterpretation: BlackIsZero
    entry(
      0x0111,
      4,
      d.strips.map(([o]) => DATA_AT + o),
    ); // StripOffsets
    entry(0x0115, 3, [1]); // SamplesPerPixel
    entry(0x0116, 4, [Math.ceil(d.height / n)]); // RowsPerStrip
    entry(
      0x0117,
      4,
      d.strips.map(([, len]) => len),
    ); // StripByteCounts
    v.setUint32(at + 2 + 12 * ENTRIES, k + 1 < ifds.length ? (ifdAt[k + 1] as number) : 0, true);
  });
  return out;
}

/** A w×h grey ramp. */
const ramp = (w: number, h: number): Uint8Array =>
  Uint8Array.from({ length: w * h }, (_, i) => ((i % w) * 3 + Math.floor(i / w) * 5) & 0xff);

/** IFD0 and IFD1, both w×h, naming the one strip of `pixels`. */
const sharedStrip = (w: number, h: number, pixels = ramp(w, h)): Uint8Array =>
  greyTiff(pixels, [
    { width: w, height: h, strips: [[0, w * h]] },
    { width: w, height: h, strips: [[0, w * h]] },
  ]);

const thrown = (f: () => unknown): AirlockError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    return e as AirlockError;
  }
  throw new Error('expected an AirlockError');
};

const OVERLAP = "already copied: blocks named more than once add up past the file's size";

describe('tiffRewriter: strips named by more than one IFD', () => {
  it('copies a small shared strip once per IFD', () => {
    const file = sharedStrip(8, 8);
    expect(file.length).toBeGreaterThan(2 * 64);
    const r = tiffRewriter.rewrite(new BufferSource(file), keepAll);
    const strip = file.subarray(DATA_AT, DATA_AT + 64);
    expect(r.imageHashIn).toBe(createHash('sha256').update(strip).update(strip).digest('hex'));
    expect(r.imageHashOut).toBe(r.imageHashIn);
  });

  it('names the overlapping blocks when the copies add up past the file size', () => {
    // 4,096 bytes named twice in a file of ~4.3 KB.
    const file = sharedStrip(64, 64);
    expect(file.length).toBeLessThan(2 * 4096);
    const e = thrown(() => tiffRewriter.rewrite(new BufferSource(file), keepAll));
    expect(e.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(e.message).toBe(
      `image data at ${DATA_AT} (4096 bytes) overlaps image data at ${DATA_AT} (4096 bytes) ${OVERLAP}`,
    );
    expect(e.offset).toBe(DATA_AT);
  });

  it('names an earlier overlapping pair when the block that ran the budget out overlaps none', () => {
    // IFD0 names A twice (within budget); IFD1's B, apart from A, then runs the budget out.
    const data = ramp(100, 20);
    const file = greyTiff(data, [
      {
        width: 100,
        height: 10,
        strips: [
          [0, 1000],
          [0, 1000],
        ],
      },
      { width: 100, height: 10, strips: [[1000, 1000]] },
    ]);
    expect(2000 <= file.length && file.length < 3000).toBe(true);
    const e = thrown(() => tiffRewriter.rewrite(new BufferSource(file), keepAll));
    expect(e.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(e.message).toBe(`image data at 8 (1000 bytes) overlaps image data at 8 (1000 bytes) ${OVERLAP}`);
  });

  it('names a partial overlap by both blocks', () => {
    // IFD1's strip starts inside IFD0's and runs on past it.
    const data = ramp(64, 96);
    const file = greyTiff(data, [
      { width: 64, height: 64, strips: [[0, 4096]] },
      { width: 64, height: 64, strips: [[2048, 4096]] },
    ]);
    expect(file.length).toBeLessThan(2 * 4096);
    const e = thrown(() => tiffRewriter.rewrite(new BufferSource(file), keepAll));
    expect(e.message).toBe(
      `image data at 2056 (4096 bytes) overlaps image data at 8 (4096 bytes) ${OVERLAP}`,
    );
    expect(e.offset).toBe(2056);
  });

  it('keeps the old message when the budget runs out with no overlap', () => {
    const file = greyTiff(ramp(64, 64), [{ width: 64, height: 64, strips: [[0, 4096]] }]);
    const trace: TiffTrace = { chain: [] };
    readTiffStructure(new BufferSource(file), 0, file.length, [], new Collector(), {
      kind: 'tiff-file',
      trace,
    });
    const e = thrown(() => imageDataInWalkOrder(trace, { left: 100 }));
    expect(e.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(e.message).toBe('image data: more bytes than the file holds');
  });

  it('diagnoses 100,000 strips in O(n log n), not O(n²)', () => {
    // IFD0: n distinct 32-byte strips; IFD1: the same n (within budget, the file holds R too);
    // IFD2: R, apart from them all, runs the budget out: the diagnosis sorts ~200,000 blocks.
    const n = 100_000;
    const len = 32;
    const r = 24 * n;
    const strips = Array.from({ length: n }, (_, i) => [i * len, len] as const);
    const file = greyTiff(new Uint8Array(n * len + r), [
      { width: len, height: n, strips },
      { width: len, height: n, strips },
      { width: 1000, height: r / 1000, strips: [[n * len, r]] },
    ]);
    const t0 = performance.now();
    const e = thrown(() => tiffRewriter.rewrite(new BufferSource(file), keepAll));
    expect(e.message).toBe(`image data at 8 (32 bytes) overlaps image data at 8 (32 bytes) ${OVERLAP}`);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

interface ManifestRec {
  input: string;
  output: string;
  status: string;
  error?: string;
  imageHashIn?: string;
  imageHashOut?: string;
}

/** `airlock scrub FILE --out OUT --no-progress`: the run, its manifest record, what it wrote. */
function scrub(name: string, bytes: Uint8Array) {
  const inDir = join(dir, `${name}-in`);
  const out = join(dir, `${name}-out`);
  mkdirSync(inDir);
  const input = join(inDir, `${name}.tif`);
  writeFileSync(input, bytes);
  const run = airlock(['scrub', input, '--out', out, '--no-progress']);
  const manifest = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as {
    files: ManifestRec[];
  };
  const rec = manifest.files.find((f) => f.input === input);
  const written = readdirSync(out).filter((f) => f !== 'airlock-manifest.json' && !f.startsWith('.'));
  return { run, rec, out, written };
}

describe('airlock scrub (built CLI) on IFD0 and IFD1 sharing one strip', () => {
  it('refuses a shared strip whose copies would pass the file size, naming the overlap', () => {
    const file = sharedStrip(64, 64);
    const { run, rec, out, written } = scrub('big', file);
    expect(run.code, run.stderr).not.toBe(0);
    expect(rec, 'a manifest record').toBeDefined();
    expect(rec?.status).toBe('error');
    const said = `image data at ${DATA_AT} (4096 bytes) overlaps image data at ${DATA_AT} (4096 bytes) ${OVERLAP}`;
    expect(rec?.error).toContain(said);
    expect(rec?.error).not.toContain('more bytes than the file holds');
    expect(run.stderr).toContain(said);
    expect(written, 'no output file').toEqual([]);
    expect(existsSync(join(out, 'big.tif'))).toBe(false);
  });

  it('cleans a small shared strip: both IFDs read back, each with the strip, hashes equal', () => {
    const pixels = ramp(8, 8);
    const { run, rec, out } = scrub('small', sharedStrip(8, 8, pixels));
    expect(run.code, run.stderr).toBe(0);
    expect(rec?.status, rec?.error).toBe('clean');
    const path = join(out, rec?.output ?? 'small.tif');
    expect(existsSync(path)).toBe(true);
    const copy = readFileSync(path);
    const x = exiftoolJson([path])[0] ?? {};
    for (const ifd of ['IFD0', 'IFD1']) {
      expect(x[`${ifd}:ImageWidth`], ifd).toBe(8);
      expect(x[`${ifd}:ImageHeight`], ifd).toBe(8);
      expect(x[`${ifd}:StripByteCounts`], ifd).toBe(64);
      const at = x[`${ifd}:StripOffsets`] as number;
      expect(typeof at, ifd).toBe('number');
      expect(Buffer.from(copy.subarray(at, at + 64)).equals(Buffer.from(pixels)), `${ifd} strip bytes`).toBe(
        true,
      );
    }
    expect(rec?.imageHashIn).toMatch(/^[0-9a-f]{64}$/);
    expect(rec?.imageHashOut).toBe(rec?.imageHashIn);
    expect(rec?.imageHashIn).toBe(createHash('sha256').update(pixels).update(pixels).digest('hex'));
  });
});

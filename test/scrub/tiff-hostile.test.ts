/**
 * The rewriter on hostile input: every truncation and a run of bit flips of real structures give
 * a rewritten file or an AirlockError, never a TypeError/RangeError or a hang; what it writes
 * reads back.
 */
import { readFileSync } from 'node:fs';
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

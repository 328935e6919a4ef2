/**
 * Hostile and damaged JPEGs through the rewriter: every outcome is a clean file or a typed
 * AirlockError (the reader refuses what it cannot read whole, so nothing half-read is written),
 * never a TypeError/RangeError or a hang. Inputs are the corpus DJI still, cut and bit-flipped.
 * A JPEG cut inside its image data is withheld by scrub as damaged, never called clean.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { walkSegments } from '../../src/media/jpeg/segments.js';
import { buildJpeg, xmpPayload } from '../../src/media/jpeg/write.js';
import { Collector } from '../../src/media/types.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusFile, ROOT } from '../helpers/corpus.js';
import { EXIFTOOL } from '../helpers/exiftool.js';

const DEFAULT = decideFor(defaultPolicy());
const KEEP_ALL: Decide = () => ({ action: 'keep' });
const dji = readFileSync(corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg'));

/** Runs the rewriter; returns 'ok' or the error's code, and fails on any untyped error. */
function outcome(bytes: Uint8Array, decide: Decide): string {
  try {
    const r = jpegRewriter.rewrite(new BufferSource(bytes), decide);
    // What was written must itself read cleanly.
    jpegAnalyser.analyse(new BufferSource(r.bytes), new Collector());
    return 'ok';
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return e.code;
  }
}

describe('jpegRewriter on damaged input', () => {
  it('every cut of the DJI still gives a clean file or an AirlockError', () => {
    const seen = new Set<string>();
    for (let n = 0; n < dji.length; n += 97) seen.add(outcome(dji.subarray(0, n), DEFAULT));
    expect(seen.has('AIRLOCK_ERR_TRUNCATED')).toBe(true);
  });

  it('bytes flipped across the header segments give a clean file or an AirlockError', () => {
    const headerEnd = dji.indexOf(Buffer.from([0xff, 0xda]));
    let state = 12345;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    for (let i = 0; i < 150; i++) {
      const b = Uint8Array.from(dji);
      for (let k = 0; k < 4; k++) b[rand(headerEnd)] = rand(256);
      outcome(b, i % 2 ? DEFAULT : KEEP_ALL);
    }
  });

  it('does not write a file whose XMP is not well-formed (the reader refuses it first)', () => {
    const bad = buildJpeg([
      { marker: 0xe1, payload: xmpPayload(new TextEncoder().encode('<x:xmpmeta><rdf:RDF>')) },
    ]);
    expect(outcome(bad, DEFAULT)).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('a header-only JPEG (EOI before any scan) comes back as SOI…EOI', () => {
    const r = jpegRewriter.rewrite(new BufferSource(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)), DEFAULT);
    expect([...r.bytes]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });
});

describe('scrub on a JPEG cut inside its image data', () => {
  it('withholds it as damaged (ExifTool calls the cut a format error) and writes no copy', () => {
    const base = mkdtempSync(join(tmpdir(), 'airlock-cut-jpeg-'));
    try {
      const inDir = join(base, 'in');
      mkdirSync(inDir);
      const cuts: string[] = [];
      for (const name of ['mat2-dirty.jpg', 'exiftool-GPS.jpg', 'dji-mavic2pro-hasselblad-L1D-20c.jpg']) {
        const bytes = readFileSync(corpusFile('media', name));
        const sos = walkSegments(new BufferSource(bytes)).sos?.offset ?? bytes.length;
        for (const part of [0.5, 0.9]) {
          const file = join(inDir, `${part}-${name}`);
          writeFileSync(file, bytes.subarray(0, Math.floor(sos + (bytes.length - sos) * part)));
          cuts.push(file);
        }
      }
      for (const file of cuts)
        expect(
          execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', '-s3', file], { encoding: 'utf8' }),
          file,
        ).toMatch(/JPEG format error/);
      const out = join(base, 'out');
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'bin/airlock.js'), 'scrub', inDir, '--out', out, '--no-progress'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(2);
      const m = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as {
        files: { output: string; status: string; withheld?: { why: string; detail: string } }[];
      };
      expect(m.files).toHaveLength(cuts.length);
      for (const f of m.files) {
        expect(f.status, f.output).toBe('withheld');
        expect(f.withheld?.detail).toMatch(/damaged: .*EOI.*jpeg-no-eoi/);
        expect(existsSync(join(out, f.output))).toBe(false);
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

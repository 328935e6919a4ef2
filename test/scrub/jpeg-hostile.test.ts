/**
 * Hostile and damaged JPEGs through the rewriter: every outcome is a clean file or a typed
 * AirlockError (the reader refuses what it cannot read whole, so nothing half-read is written),
 * never a TypeError/RangeError or a hang. Inputs are the corpus DJI still, cut and bit-flipped.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { buildJpeg, xmpPayload } from '../../src/media/jpeg/write.js';
import { Collector } from '../../src/media/types.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusFile } from '../helpers/corpus.js';

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

/**
 * The text rewriters on mutated corpus files (truncations, bit flips, spliced lines): typed
 * outcomes only. Either the rewriter throws an AirlockError (no output), or its output reads
 * back whole with no operator position and every drone position already on the 1000 m grid.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { flightLogCsvAnalyser } from '../../src/media/flightlog/csv.js';
import { flightLogCsvRewriter } from '../../src/media/flightlog/rewrite-csv.js';
import { srtAnalyser } from '../../src/media/srt/index.js';
import { srtRewriter } from '../../src/media/srt/rewrite.js';
import type { Analyser } from '../../src/media/types.js';
import { Collector } from '../../src/media/types.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Rewriter } from '../../src/scrub/types.js';
import { prng, rngOf } from '../fuzz/mutate.js';
import { corpusDir } from '../helpers/corpus.js';

const CASES = 300;
const onEarth = (p: { lat: number; lon: number }): boolean => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;
const decide = decideFor(defaultPolicy());

function mutate(seed: Uint8Array, n: number): Uint8Array {
  const r = rngOf(prng(0x5c4b + n));
  const b = Uint8Array.from(seed);
  switch (n % 3) {
    case 0:
      return b.slice(0, r.int(b.length + 1));
    case 1:
      for (let i = 0; i < 1 + r.int(6) && b.length; i++) {
        const at = r.int(b.length);
        b[at] = (b[at] as number) ^ (1 << r.int(8));
      }
      return b;
    default: {
      const from = r.int(b.length + 1);
      const to = r.int(b.length + 1);
      return Buffer.concat([b.subarray(0, from), b.subarray(to), b.subarray(from, to)]);
    }
  }
}

function read(analyser: Analyser, bytes: Uint8Array): { out: Collector; error?: unknown } {
  const out = new Collector();
  try {
    analyser.analyse(new BufferSource(bytes), out);
    return { out };
  } catch (error) {
    return { out, error };
  }
}

const cases: [string, Analyser, Rewriter, string[]][] = [
  ['SRT', srtAnalyser, srtRewriter, corpusDir('srt')],
  [
    'flight-log CSV',
    flightLogCsvAnalyser,
    flightLogCsvRewriter,
    corpusDir('flightlog').filter((f) => f.endsWith('.csv')),
  ],
];

describe.each(cases)('%s rewriter on mutated corpus files', (_name, analyser, rewriter, files) => {
  const seeds = files.map((f) => readFileSync(f)).filter((b) => b.length > 0);
  it(`${CASES} cases: AirlockError or a clean output that reads back`, () => {
    for (let n = 0; n < CASES; n++) {
      const input = mutate(seeds[n % seeds.length] as Uint8Array, n);
      let bytes: Uint8Array | undefined;
      try {
        bytes = rewriter.rewrite(new BufferSource(input), decide).bytes;
      } catch (e) {
        expect(e, `case ${n}`).toBeInstanceOf(AirlockError);
        continue;
      }
      const again = read(analyser, bytes);
      expect(again.error, `case ${n}`).toBeUndefined();
      for (const f of again.out.findings) {
        expect(f.category, `case ${n}`).not.toBe('location.operator');
        // Off-earth values (a flipped digit making a longitude of 17009020) have no grid cell to be on.
        if (f.category === 'location.drone' && f.value.kind === 'position' && onEarth(f.value.position))
          expect(coarsenPosition(f.value.position, 1000), `case ${n}`).toEqual(f.value.position);
      }
    }
  });
});

/**
 * Randomly damaged stills against the scrubber, judged by ExifTool: corpus JPEGs and TIFFs, damaged
 * at random by the fuzz mutators, are scrubbed by the built CLI with location `drop`. Every output
 * Airlock wrote as clean must then show ExifTool no position, no serial, no device ID and no
 * embedded picture, and the raw scan no position text and no corpus serial: what the scrubber
 * missed and its own re-inspection passed is a leak. A file Airlock withholds or fails is no leak
 * (it wrote nothing, which is checked too).
 *
 * AIRLOCK_FUZZ_CASES (default 150 random cases) and AIRLOCK_FUZZ_SEED as for every fuzzer (helpers/prng.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSeed } from '../../helpers/prng.js';
import { mutate, prng, rngOf } from '../mutate.js';
import { jpegSeeds, tiffSeeds } from '../seeds.js';
import { scratchDir, scrubAndJudge } from './oracles.js';

const CASES = Number(process.env.AIRLOCK_FUZZ_CASES ?? 150);
const SEED = runSeed();

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('hostile stills: what Airlock writes as clean, ExifTool finds clean', () => {
  it(
    `${CASES} randomly damaged corpus stills (seed ${SEED})`,
    () => {
      const dir = join(base, 'damaged');
      mkdirSync(dir);
      const r0 = rngOf(prng(SEED));
      const seeds = [...jpegSeeds(), ...tiffSeeds()];
      for (let i = 0; i < CASES; i++) {
        const s = seeds[r0.int(seeds.length)]!;
        const m = mutate(s.bytes, s.layout, 'binary', r0);
        writeFileSync(join(dir, `${String(i).padStart(5, '0')}-${s.name}`), m.bytes);
      }
      const r = scrubAndJudge(base, dir, 'damaged');
      console.log(
        `[scrub-leak damaged] seed ${SEED}: ${CASES} files: ${r.clean} clean, ${r.withheld} withheld or failed`,
      );
      expect(r.leaked).toEqual([]);
      // As the fuzz harnesses: `npm run fuzz`'s 50,000 cases must not be cut off.
    },
    30 * 60_000,
  );
});

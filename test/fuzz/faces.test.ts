/**
 * Hostile pictures through the look for faces: corpus JPEGs and TIFFs mutated as the format
 * fuzzers mutate them. Every case must answer (looked, or failed naming the file), never throw,
 * in bounded time; and the decoder's memory must not grow from case to case. Fewer cases than
 * the format fuzzers: each decoded picture costs the detector a pass (~0.3 s).
 *
 * Reproduce: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/faces
 */
import { expect, it } from 'vitest';
import { lookForFaces } from '../../src/faces/look.js';
import { runSeed } from '../helpers/prng.js';
import { mutate, prng, rngOf } from './mutate.js';
import { jpegSeeds, tiffSeeds } from './seeds.js';

const CASES = Math.max(1, Math.round(Number(process.env.AIRLOCK_FUZZ_CASES ?? 2000) / 50));
const CASE_MS = 15_000;
/** Drawn once: fresh per run when AIRLOCK_FUZZ_CASES is given, so the title must show this one. */
const SEED = runSeed();

it(`faces: ${CASES} mutated pictures are looked at or fail naming the file, never throw (seed ${SEED})`, async () => {
  const seed = SEED;
  const only =
    process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
  // Small pictures only: a big one costs many tiles a case and proves nothing more.
  const seeds = [...jpegSeeds(), ...tiffSeeds()].filter((s) => s.bytes.length < 400_000);
  expect(seeds.length).toBeGreaterThan(5);
  const kinds: Record<string, number> = {};
  for (let n = 0; n < CASES; n++) {
    if (only !== undefined && n !== only) continue;
    const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
    const s = r.pick(seeds);
    const m = mutate(s.bytes, s.layout, 'binary', r);
    const name = `case-${n}-${s.name}`;
    const format = /\.(tif|dng)$/i.test(s.name) ? 'tiff' : 'jpeg';
    const t0 = performance.now();
    const look = await lookForFaces(m.bytes, name, format);
    const ms = performance.now() - t0;
    const where = `seed ${seed} case ${n} from ${s.name}: ${m.what.join('; ')}`;
    expect(ms, where).toBeLessThan(CASE_MS);
    expect(['looked', 'failed'], where).toContain(look.kind);
    if (look.kind === 'failed') {
      expect(look.error.file, where).toBe(name);
      expect(look.error.describe(), where).toMatch(
        new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
      );
    }
    kinds[look.kind] = (kinds[look.kind] ?? 0) + 1;
  }
  console.log(
    `[fuzz faces] seed ${seed}: ${CASES} cases: ${JSON.stringify(kinds)}; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
  );
  // Both answers occur: the mutations reach the decoder, and some pictures survive them.
  if (only === undefined) expect(Object.keys(kinds).sort()).toEqual(['failed', 'looked']);
}, 600_000);

/**
 * Seeded truncation / bit-flip fuzz for the net decoders. Each case must end in a typed outcome
 * (a value, 'need', 'malformed', or an AirlockError) in under a second; anything else fails with
 * the seed and case number to replay: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n>.
 */
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { prng, type Rng, rngOf, runSeed } from '../helpers/prng.js';

export { prng, type Rng, rngOf };

export const cases = (): number => Number(process.env.AIRLOCK_FUZZ_CASES ?? 2000);
const only = process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;

const EXTREMES = [0, 1, 0xff, 0xffff, 0xffffffff, 0x7fffffff, 0x80000000, 12, 16, 20, 28, 32];

/** A copy of `seed` truncated, bit-flipped, or with a 1/2/4-byte field set to an extreme. */
export function mutate(seed: Uint8Array, r: Rng): { bytes: Uint8Array; what: string } {
  const b = seed.slice();
  const n = 1 + r.int(3);
  const what: string[] = [];
  let out = b;
  for (let i = 0; i < n && out.length > 0; i++) {
    const kind = r.int(4);
    if (kind === 0) {
      const cut = r.int(out.length);
      out = out.subarray(0, cut);
      what.push(`truncate ${cut}`);
    } else if (kind === 1) {
      const at = r.int(out.length);
      const bit = r.int(8);
      out[at]! ^= 1 << bit;
      what.push(`flip ${at}.${bit}`);
    } else {
      const at = r.int(out.length);
      const v = r.pick(EXTREMES);
      const width = r.pick([1, 2, 4]);
      for (let k = 0; k < width && at + k < out.length; k++)
        out[at + k] = (kind === 2 ? v >>> (8 * k) : v >>> (8 * (width - 1 - k))) & 0xff;
      what.push(`set ${at}/${width} ${v}`);
    }
  }
  return { bytes: out, what: what.join('; ') };
}

/**
 * One fuzz run: `run` gets a mutated seed and returns (or throws an AirlockError). The outcome
 * kinds seen are returned by `run` as strings and tallied, so a run that never reaches a decoder
 * path (all 'need', say) shows up in the assertion below.
 */
export function fuzz(
  name: string,
  seeds: () => Uint8Array[],
  run: (bytes: Uint8Array, r: Rng) => string,
): void {
  const n = cases();
  const seed = runSeed();
  it(
    `${name}: ${n} truncated/bit-flipped inputs give only typed outcomes, each in < 1 s (seed ${seed})`,
    () => {
      const pool = seeds();
      expect(pool.length).toBeGreaterThan(0);
      const tally: Record<string, number> = {};
      const failures: string[] = [];
      for (let c = 0; c < n; c++) {
        if (only !== undefined && c !== only) continue;
        const r = rngOf(prng((seed ^ Math.imul(c + 1, 0x9e3779b1)) >>> 0));
        const m = mutate(r.pick(pool), r);
        const t0 = performance.now();
        let outcome: string;
        try {
          outcome = run(m.bytes, r);
        } catch (e) {
          if (e instanceof AirlockError) outcome = `threw ${e.code}`;
          else {
            failures.push(`case ${c} (${m.what}): ${(e as Error)?.stack ?? String(e)}`);
            continue;
          }
        }
        const ms = performance.now() - t0;
        if (ms > 1000) failures.push(`case ${c} (${m.what}): ${ms.toFixed(0)} ms`);
        tally[outcome] = (tally[outcome] ?? 0) + 1;
      }
      expect(failures.slice(0, 5)).toEqual([]);
      if (only === undefined) expect(Object.keys(tally).length, JSON.stringify(tally)).toBeGreaterThan(1);
      // Each case has its own second (above); the run as long as `npm run fuzz`'s 50,000 need.
    },
    30 * 60_000,
  );
}

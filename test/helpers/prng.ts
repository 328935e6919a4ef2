/** Seeded randomness for the fuzzers: every case reproducible from (seed, case number). */

/** mulberry32: small, fast, good enough to spread mutations; deterministic per seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  next: () => number;
  int: (n: number) => number;
  pick: <T>(xs: readonly T[]) => T;
}
export const rngOf = (next: () => number): Rng => ({
  next,
  int: (n) => Math.floor(next() * n),
  pick: (xs) => xs[Math.floor(next() * xs.length)]!,
});

/**
 * The fuzzers' seed: AIRLOCK_FUZZ_SEED when given; else fixed in the default suite (every CI run
 * explores the same cases), fresh when a run asks for its own case count (AIRLOCK_FUZZ_CASES).
 */
export const runSeed = (): number =>
  process.env.AIRLOCK_FUZZ_SEED !== undefined
    ? Number(process.env.AIRLOCK_FUZZ_SEED)
    : process.env.AIRLOCK_FUZZ_CASES !== undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : 20260601;

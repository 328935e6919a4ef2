/**
 * One fuzz run per format: mutate real corpus files and feed each case to the format's analyser
 * directly and to the pipeline entry (analyseSource). Accepted outcomes: the analyser returns, or
 * throws an AirlockError; the pipeline never throws, and its positional errors name an offset.
 * Each case must finish in under a second, and the heap must not grow across the run.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/<format>
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { analyseSource } from '../../src/media/registry.js';
import { type Analyser, Collector } from '../../src/media/types.js';
import { runSeed } from '../helpers/prng.js';
import type { Layout } from './layout.js';
import { type Family, mutate, prng, rngOf } from './mutate.js';

export interface Seed {
  name: string;
  bytes: Uint8Array;
  layout: Layout;
}

const DEFAULT_CASES = 2000;
const CASE_MS = 1000;
/** Heap growth allowed over a whole run, after collection: leaks grow with the case count, this does not. */
const HEAP_GROWTH_BYTES = 64 * 1024 * 1024;

export const caseCount = (): number => Number(process.env.AIRLOCK_FUZZ_CASES ?? DEFAULT_CASES);
/** A collector that works without --expose-gc, so heap figures are live data, not garbage. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Failure {
  caseNo: number;
  seed: string;
  what: string[];
  problem: string;
  saved: string;
}

export interface FuzzReport {
  cases: number;
  threw: Record<string, number>;
  /** Pipeline errors with a positional code (truncated/malformed) that name no offset. */
  unplaced: Record<string, number>;
}

export function fuzz(format: string, analyser: Analyser, seeds: Seed[], family: Family): void {
  const cases = caseCount();
  const seed = runSeed();
  const only =
    process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
  it(
    `${format}: ${cases} mutated corpus files give findings or an AirlockError, quickly, in bounded memory (seed ${seed})`,
    () => {
      expect(seeds.length, 'seed files').toBeGreaterThan(0);
      const gc = collector();
      const failures: Failure[] = [];
      const report: FuzzReport = { cases: 0, threw: {}, unplaced: {} };
      const marker = join(tmpdir(), `airlock-fuzz-${format}.current`);
      gc();
      const heapStart = process.memoryUsage().heapUsed;
      let heapPeak = heapStart;

      for (let n = 0; n < cases; n++) {
        if (only !== undefined && n !== only) continue;
        // Each case has its own stream, so one case replays without the others.
        const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
        const s = r.pick(seeds);
        const m = mutate(s.bytes, s.layout, family, r);
        // A hang cannot be caught from inside the loop: leave the case where a human can find it.
        writeFileSync(marker, `seed ${seed} case ${n} from ${s.name}: ${m.what.join('; ')}\n`);
        const fail = (problem: string) => {
          const saved = join(tmpdir(), `airlock-fuzz-${format}-${seed}-${n}.bin`);
          writeFileSync(saved, m.bytes);
          failures.push({ caseNo: n, seed: s.name, what: m.what, problem, saved });
        };

        let t0 = performance.now();
        try {
          analyser.analyse(new BufferSource(m.bytes), new Collector());
        } catch (e) {
          if (e instanceof AirlockError) report.threw[e.code] = (report.threw[e.code] ?? 0) + 1;
          else
            fail(
              `analyser threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack ?? ''}`,
            );
        }
        let ms = performance.now() - t0;
        if (ms > CASE_MS) fail(`analyser took ${ms.toFixed(0)} ms`);

        t0 = performance.now();
        try {
          const res = analyseSource(new BufferSource(m.bytes), s.name);
          const err = res.error;
          if (
            res.status === 'error' &&
            err &&
            (err.code === 'AIRLOCK_ERR_TRUNCATED' || err.code === 'AIRLOCK_ERR_MALFORMED') &&
            err.offset === undefined
          ) {
            const key = `${res.format} ${err.code}: ${err.message.slice(0, 60)}`;
            report.unplaced[key] = (report.unplaced[key] ?? 0) + 1;
          }
        } catch (e) {
          fail(`analyseSource threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
        ms = performance.now() - t0;
        if (ms > CASE_MS) fail(`analyseSource took ${ms.toFixed(0)} ms`);
        report.cases++;

        if (n % 500 === 499) {
          gc();
          heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        }
        if (failures.length >= 10) break;
      }
      gc();
      const heapEnd = process.memoryUsage().heapUsed;
      heapPeak = Math.max(heapPeak, heapEnd);

      console.log(
        `[fuzz ${format}] seed ${seed}: ${report.cases} cases; AirlockErrors ${JSON.stringify(report.threw)}; ` +
          `heap ${(heapStart / 2 ** 20).toFixed(1)} → ${(heapEnd / 2 ** 20).toFixed(1)} MB (peak ${(heapPeak / 2 ** 20).toFixed(1)})` +
          (Object.keys(report.unplaced).length
            ? `\n  positional errors without an offset: ${JSON.stringify(report.unplaced, null, 1)}`
            : ''),
      );
      const lines = failures.map(
        (f) =>
          `case ${f.caseNo} (seed ${seed}) from ${f.seed}: ${f.what.join('; ')}\n  → ${f.problem}\n  bytes: ${f.saved}`,
      );
      expect(lines, `failing cases; replay one with AIRLOCK_FUZZ_SEED=${seed} AIRLOCK_FUZZ_CASE=<n>`).toEqual(
        [],
      );
      expect(heapEnd - heapStart, 'heap growth over the run (bytes)').toBeLessThan(HEAP_GROWTH_BYTES);
      expect(
        Object.keys(report.unplaced),
        'truncated/malformed errors from analyseSource that name no offset',
      ).toEqual([]);
    },
    30 * 60_000,
  );
}

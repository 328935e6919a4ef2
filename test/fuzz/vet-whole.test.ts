/**
 * Fuzz of `vet` as a whole: seeded mutations of corpus APKs through vetApk always give a report
 * (never a throw), every part it could not read is a problem with an Airlock error code, and no
 * problem is an unexpected error (a TypeError or RangeError inside a reader, which asAirlockError
 * would wrap as 'unexpected: …'). The readers are fuzzed one by one beside this; here their
 * composition is.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/vet-whole
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { vetApk } from '../../src/vet/analyse.js';
import { vetReportSchema } from '../../src/vet/model.js';
import { corpusFile } from '../helpers/corpus.js';
import { runSeed } from '../helpers/prng.js';
import { mutate, prng, rngOf } from './mutate.js';
import { zipLayout } from './vet-zip-layout.js';

const SEEDS = [
  'fdroid/urzip.apk',
  'fdroid/com.politedroid_4.apk',
  'fdroid/duplicate.permisssions_9999999.apk',
  'fdroid/janus.apk',
  'apksig/golden-aligned-v1v2v3-out.apk',
  'androguard/com.teleca.jamendo_35.apk',
];
const cases = Number(process.env.AIRLOCK_FUZZ_CASES ?? 400);
const CASE_MS = 2000;
const seed = runSeed();

it(
  `vet: ${cases} mutated corpus APKs give a report whose problems are Airlock errors, quickly (seed ${seed})`,
  () => {
    const only =
      process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
    const all = SEEDS.map((name) => {
      const bytes = new Uint8Array(readFileSync(corpusFile('apk', name)));
      return { name, bytes, layout: zipLayout(bytes) };
    });
    const opts = { policy: defaultPolicy(), policySource: 'fuzz', nowMs: 0 };
    const codes = new Set(Object.keys(ERROR_CODES));
    const failures: string[] = [];
    let withProblems = 0;
    for (let n = 0; n < cases && failures.length < 10; n++) {
      if (only !== undefined && n !== only) continue;
      const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
      const s = r.pick(all);
      const m = mutate(s.bytes, s.layout, 'binary', r);
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        const report = vetApk(m.bytes, `case-${n}.apk`, opts);
        vetReportSchema.parse(report);
        if (report.problems.length) withProblems++;
        for (const p of report.problems) {
          if (!p.code || !codes.has(p.code))
            throw new Error(`problem without an Airlock code: ${JSON.stringify(p)}`);
          if (p.message.startsWith('unexpected')) throw new Error(`a reader threw: ${p.part}: ${p.message}`);
        }
      } catch (e) {
        problem = `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack ?? ''}`;
      }
      const ms = performance.now() - t0;
      if (!problem && ms > CASE_MS) problem = `took ${ms.toFixed(0)} ms`;
      if (problem) {
        const saved = join(tmpdir(), `airlock-fuzz-vet-whole-${seed}-${n}.apk`);
        writeFileSync(saved, m.bytes);
        failures.push(`case ${n} from ${s.name}: ${m.what.join('; ')}\n  → ${problem}\n  bytes: ${saved}`);
      }
    }
    console.log(`[fuzz vet-whole] seed ${seed}: ${withProblems} of ${cases} reports name a part not read`);
    expect(failures, `replay one with AIRLOCK_FUZZ_SEED=${seed} AIRLOCK_FUZZ_CASE=<n>`).toEqual([]);
  },
  30 * 60_000,
);

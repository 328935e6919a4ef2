/**
 * DEX reader fuzz: seeded mutations of the corpus's DEX files (truncations, bit flips, splices, and
 * structure-aware rewrites of the header's table sizes and offsets, string_ids, method_ids, type
 * indexes and interface-list offsets) give a DexSummary or an AirlockError, each case within a
 * second, and the strings of every readable case go through hostsIn without a throw.
 * The media harness (harness.ts) drives a media Analyser; a DEX is no media file, so this runs its
 * own loop with the same seeds, case streams and reproduction variables.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/vet-dex
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { hostsIn, readDex } from '../../src/vet/dex/index.js';
import { corpusDir } from '../helpers/corpus.js';
import { runSeed } from '../helpers/prng.js';
import { dexEntries } from '../vet/dex-corpus.js';
import { caseCount } from './harness.js';
import type { Field, Layout } from './layout.js';
import { mutate, prng, rngOf } from './mutate.js';

const CASE_MS = 1000;
/** Seeds past this size make each case slow without reaching new code. */
const MAX_SEED_BYTES = 400_000;
/** Entries of each id table whose fields the mutator may rewrite. */
const SAMPLE = 48;

/** The fuzzer's own map of a valid DEX's sizes, offsets and indexes (header, then sampled tables). */
function dexLayout(b: Uint8Array): Layout {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const f = (kind: Field['kind'], pos: number, size: 2 | 4 = 4): Field => ({
    kind,
    pos,
    size,
    littleEndian: true,
  });
  const fields: Field[] = [f('value-count', 32), f('value-offset', 52)];
  // string_ids, type_ids, proto_ids, field_ids, method_ids, class_defs: size then offset.
  for (let at = 56; at <= 96; at += 8) fields.push(f('value-count', at), f('value-offset', at + 4));
  const sample = (off: number, count: number, item: number, each: (at: number) => void) => {
    for (let i = 0; i < Math.min(count, SAMPLE); i++)
      each(off + item * Math.floor((i * count) / Math.min(count, SAMPLE)));
  };
  sample(u32(60), u32(56), 4, (at) => fields.push(f('value-offset', at)));
  sample(u32(68), u32(64), 4, (at) => fields.push(f('value-count', at)));
  sample(u32(84), u32(80), 8, (at) => fields.push(f('value-count', at, 2), f('value-count', at + 2, 2)));
  sample(u32(92), u32(88), 8, (at) => fields.push(f('value-count', at, 2), f('value-count', at + 4)));
  sample(u32(100), u32(96), 32, (at) =>
    fields.push(f('value-count', at), f('value-count', at + 8), f('value-offset', at + 12)),
  );
  return { fields, xmp: [] };
}

function seeds(): { name: string; bytes: Uint8Array; layout: Layout }[] {
  const out: { name: string; bytes: Uint8Array; layout: Layout }[] = [];
  const seen = new Set<number>();
  for (const dir of ['fdroid', 'androguard', 'apksig'])
    for (const apk of corpusDir(join('apk', dir)).filter((p) => p.endsWith('.apk')))
      for (const e of dexEntries(apk)) {
        // Same-sized DEX files are the apksig vectors' one file, over and over.
        if (e.bytes.length > MAX_SEED_BYTES || seen.has(e.bytes.length)) continue;
        seen.add(e.bytes.length);
        out.push({ name: `${apk.split('/').pop()}!${e.name}`, bytes: e.bytes, layout: dexLayout(e.bytes) });
      }
  return out;
}

const cases = caseCount();
const seed = runSeed();
const only = process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;

it(
  `dex: ${cases} mutated corpus DEX files give a summary or an AirlockError, quickly (seed ${seed})`,
  () => {
    const all = seeds();
    expect(all.length, 'seed DEX files').toBeGreaterThanOrEqual(10);
    const failures: string[] = [];
    const outcomes: Record<string, number> = {};
    const marker = join(tmpdir(), 'airlock-fuzz-vet-dex.current');
    for (let n = 0; n < cases && failures.length < 10; n++) {
      if (only !== undefined && n !== only) continue;
      const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
      const s = r.pick(all);
      const m = mutate(s.bytes, s.layout, 'binary', r);
      writeFileSync(marker, `seed ${seed} case ${n} from ${s.name}: ${m.what.join('; ')}\n`);
      const fail = (problem: string) => {
        const saved = join(tmpdir(), `airlock-fuzz-vet-dex-${seed}-${n}.bin`);
        writeFileSync(saved, m.bytes);
        failures.push(
          `case ${n} (seed ${seed}) from ${s.name}: ${m.what.join('; ')}\n  → ${problem}\n  bytes: ${saved}`,
        );
      };
      const t0 = performance.now();
      try {
        const d = readDex(m.bytes, s.name);
        hostsIn(d.strings);
        const key = d.warnings.length ? 'warned' : 'clean';
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof AirlockError))
          fail(`threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
        else {
          outcomes[e.code] = (outcomes[e.code] ?? 0) + 1;
          if (e.file !== s.name) fail(`an AirlockError that does not name the file: ${e.describe()}`);
          if (
            (e.code === 'AIRLOCK_ERR_TRUNCATED' || e.code === 'AIRLOCK_ERR_MALFORMED') &&
            e.offset === undefined
          )
            fail(`an AirlockError without an offset: ${e.describe()}`);
        }
      }
      const ms = performance.now() - t0;
      if (ms > CASE_MS) fail(`took ${ms.toFixed(0)} ms`);
    }
    console.log(
      `[fuzz vet-dex] seed ${seed}: ${cases} cases over ${all.length} seeds: ${JSON.stringify(outcomes)}`,
    );
    expect(
      failures,
      `failing cases; replay one with AIRLOCK_FUZZ_SEED=${seed} AIRLOCK_FUZZ_CASE=<n>`,
    ).toEqual([]);
  },
  30 * 60_000,
);

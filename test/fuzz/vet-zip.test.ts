/**
 * Fuzz of the ZIP layer: seeded mutations of corpus APKs (truncations, bit flips, splices, and
 * lengths, counts and offsets rewritten) give readZip a value or an AirlockError, and entryBytes
 * on every entry of a value the same, each case in under a second. Positional errors name an
 * offset, and an archive read keeps its structures inside the file.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/vet-zip
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { entryBytes, readZip } from '../../src/vet/zip/index.js';
import { runSeed } from '../helpers/prng.js';
import { buildZip64 } from '../vet/zip-build.js';
import type { Layout } from './layout.js';
import { type Mutant, mutate, prng, type Rng, rngOf } from './mutate.js';
import { zipLayout } from './vet-zip-layout.js';

const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'apk');
const SEEDS = [
  'fdroid/janus.apk',
  'fdroid/urzip.apk',
  'fdroid/minimal_targetsdk_30_unsigned.apk',
  'fdroid/duplicate.permisssions_9999999.apk',
  'apksig/golden-aligned-v1v2v3-out.apk',
  'apksig/v1-only-with-lf-in-entry-name.apk',
  'apksig/v1-only-max-sized-eocd-comment.apk',
  'apksig/v2-only-garbage-between-cd-and-eocd.apk',
];
const DEFAULT_CASES = 3000;
const CASE_MS = 1000;
/** What entryBytes may produce per entry: big enough to inflate real entries, small enough to be quick. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

const cases = Number(process.env.AIRLOCK_FUZZ_CASES ?? DEFAULT_CASES);
/** Drawn once: the title and the run must name the same seed. */
const seed = runSeed();

function seeds(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = SEEDS.map((f) => ({
    name: f,
    bytes: new Uint8Array(readFileSync(join(CORPUS, f))),
  }));
  const z64 = buildZip64([
    { name: 'AndroidManifest.xml', data: new TextEncoder().encode('m'.repeat(300)), method: 8 },
    { name: 'classes.dex', data: new TextEncoder().encode('dex\n035\0') },
  ]);
  out.push({ name: 'built zip64', bytes: z64.bytes });
  return out;
}

const HOSTILE = [0, 1, 8, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/**
 * Edits that keep the file's length, so the end record stays where it is and the case reaches the
 * directory, the local headers and the entry data (the generic mutations mostly cut the end off).
 */
function inPlace(file: Uint8Array, layout: Layout, r: Rng): Mutant {
  const b = file.slice();
  const dv = new DataView(b.buffer);
  const what: string[] = [];
  for (let n = 1 + r.int(3); n > 0; n--) {
    const kind = r.int(4);
    if (kind < 2 && layout.fields.length > 0) {
      const f = r.pick(layout.fields);
      const old = f.size === 2 ? dv.getUint16(f.pos, true) : dv.getUint32(f.pos, true);
      const v = r.int(2) === 0 ? r.pick(HOSTILE) : Math.max(0, old + r.int(65) - 32);
      if (f.size === 2) dv.setUint16(f.pos, v & 0xffff, true);
      else dv.setUint32(f.pos, v >>> 0, true);
      what.push(`${f.kind} at ${f.pos}: ${old} := ${v}`);
    } else if (kind === 2) {
      const offs = layout.fields.filter((f) => f.kind === 'value-offset');
      if (offs.length < 2) continue;
      const [x, y] = [r.pick(offs), r.pick(offs)];
      dv.setUint32(x.pos, dv.getUint32(y.pos, true), true);
      what.push(`offset at ${x.pos} := offset at ${y.pos}`);
    } else {
      const p = r.int(b.length);
      b[p] = b[p]! ^ (1 << r.int(8));
      what.push(`flip a bit at ${p}`);
    }
  }
  return { bytes: b, what };
}

/** Throws if the outcome is not a value or an AirlockError; returns a short label for the tally. */
function exercise(bytes: Uint8Array): string {
  let z: ReturnType<typeof readZip>;
  try {
    z = readZip(bytes);
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    if (e.offset === undefined && e.code !== 'AIRLOCK_ERR_LIMIT') throw new Error(`no offset: ${e.message}`);
    return `readZip ${e.code}: ${e.message.replace(/\d+/g, 'N').slice(0, 60)}`;
  }
  if (!(z.cdOffset + z.cdSize <= z.eocdOffset && z.eocdOffset + 22 <= bytes.length)) {
    throw new Error(`structures outside the file: ${JSON.stringify([z.cdOffset, z.cdSize, z.eocdOffset])}`);
  }
  if (!(z.prefixBytes >= 0 && z.prefixBytes <= bytes.length)) throw new Error(`prefix ${z.prefixBytes}`);
  let label = 'value';
  for (const e of z.entries) {
    try {
      const out = entryBytes(bytes, e, MAX_ENTRY_BYTES);
      if (out.length !== e.uncompressedSize) throw new Error(`entry ${e.name}: ${out.length} bytes`);
    } catch (err) {
      if (!(err instanceof AirlockError)) throw err;
      if (err.offset === undefined) throw new Error(`no offset: ${err.message}`);
      label = `entryBytes ${err.code}`;
    }
  }
  return label;
}

it(
  `zip: ${cases} mutated corpus APKs give a value or an AirlockError, each quickly (seed ${seed})`,
  () => {
    const only =
      process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
    const all = seeds().map((s) => ({ ...s, layout: zipLayout(s.bytes) }));
    const tally: Record<string, number> = {};
    const failures: string[] = [];
    for (let n = 0; n < cases && failures.length < 10; n++) {
      if (only !== undefined && n !== only) continue;
      const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
      const s = r.pick(all);
      const m = r.int(2) === 0 ? inPlace(s.bytes, s.layout, r) : mutate(s.bytes, s.layout, 'binary', r);
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        const label = exercise(m.bytes);
        tally[label] = (tally[label] ?? 0) + 1;
      } catch (e) {
        problem = `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack ?? ''}`;
      }
      const ms = performance.now() - t0;
      if (!problem && ms > CASE_MS) problem = `took ${ms.toFixed(0)} ms`;
      if (problem) {
        const saved = join(tmpdir(), `airlock-fuzz-vet-zip-${seed}-${n}.bin`);
        writeFileSync(saved, m.bytes);
        failures.push(`case ${n} from ${s.name}: ${m.what.join('; ')}\n  → ${problem}\n  bytes: ${saved}`);
      }
    }
    console.log(`[fuzz vet-zip] seed ${seed}: ${JSON.stringify(tally, null, 1)}`);
    expect(failures, `replay one with AIRLOCK_FUZZ_SEED=${seed} AIRLOCK_FUZZ_CASE=<n>`).toEqual([]);
  },
  30 * 60_000,
);

/**
 * Fuzz of the binary XML reader, the manifest model and the resource table: seeded mutations (truncation, bit flips,
 * splices, chunk sizes and counts rewritten to hostile values, offsets past the end) of corpus
 * manifests and resources.arsc files give a value or an AirlockError naming an offset, within a
 * time bound per case.
 * The fuzzer finds the length fields with its own walk of the chunks (below), not Airlock's.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/vet-axml
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { parseAxml, readManifest, readResourceTable } from '../../src/vet/axml/index.js';
import { CORPUS } from '../helpers/corpus.js';
import { runSeed } from '../helpers/prng.js';
import { caseCount } from './harness.js';
import type { Field, Layout } from './layout.js';
import { mutate, prng, rngOf } from './mutate.js';

const CASE_MS = 1000;
const SEED = runSeed();

/** The fuzzer's own map of an AXML file's chunk sizes, counts and offsets (bounded: seeds only). */
function axmlLayout(b: Uint8Array): Layout {
  const fields: Field[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const f = (kind: Field['kind'], pos: number, size: 2 | 4) => {
    if (pos + size <= b.length) fields.push({ kind, pos, size, littleEndian: true });
  };
  f('segment-length', 4, 4);
  let off = dv.getUint16(2, true);
  for (let n = 0; n < 100_000 && off + 8 <= b.length; n++) {
    const type = dv.getUint16(off, true);
    const headerSize = dv.getUint16(off + 2, true);
    const size = dv.getUint32(off + 4, true);
    if (size < 8 || off + size > b.length) break;
    f('segment-length', off + 2, 2);
    f('segment-length', off + 4, 4);
    if (type === 0x0001) {
      f('value-count', off + 8, 4); // strings
      f('value-count', off + 12, 4); // styles
      f('value-offset', off + 20, 4); // strings start
      f('value-offset', off + 24, 4); // styles start
      const count = Math.min(dv.getUint32(off + 8, true), 64);
      for (let i = 0; i < count; i++) f('value-offset', off + headerSize + 4 * i, 4);
    } else if (type === 0x0102) {
      const ext = off + headerSize;
      f('value-offset', ext + 8, 2); // attribute start
      f('value-count', ext + 10, 2); // attribute size
      f('value-count', ext + 12, 2); // attribute count
      f('value-offset', ext + 4, 4); // name index
    }
    off += size;
  }
  return { fields, xmp: [] };
}

interface Seedling {
  name: string;
  bytes: Uint8Array;
  layout: Layout;
}

function unzip(p: string, entry: string): Uint8Array {
  const r = spawnSync('unzip', ['-p', join(CORPUS, 'apk', p), entry], { maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) throw new Error(`unzip could not give ${p}'s ${entry}`);
  return new Uint8Array(r.stdout);
}

/** The androguard AXML samples (but the one every reader refuses) and three real APKs' manifests. */
function manifestSeeds(): Seedling[] {
  const dir = join(CORPUS, 'apk', 'axml');
  const raw = readdirSync(dir)
    .filter((n) => n.endsWith('.xml') && n !== 'AndroidManifestWrongFilesize.xml')
    .map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) }));
  const fromApks = [
    'fdroid/souch.smsbypass_9.apk',
    'bugly/com.tencent.bugly.hotfix_vc23.apk',
    'androguard/a2dp.Vol_137.apk',
  ].map((p) => ({ name: p, bytes: unzip(p, 'AndroidManifest.xml') }));
  return [...raw, ...fromApks].map((s) => ({ ...s, layout: axmlLayout(s.bytes) }));
}

/** resources.arsc of a few corpus APKs (the chunk walk above finds their sizes too). */
function arscSeeds(): Seedling[] {
  return [
    'apksig/golden-aligned-in.apk',
    'bugly/com.tencent.bugly.hotfix_vc23.apk',
    'axml/compact-entry.apk',
    'fdroid/urzip.apk',
  ].map((p) => {
    const bytes = unzip(p, 'resources.arsc');
    return { name: p, bytes, layout: axmlLayout(bytes) };
  });
}

function fuzzRun(what: string, all: Seedling[], target: (bytes: Uint8Array) => void): void {
  it(
    `${what}: ${caseCount()} mutated files give a value or an AirlockError, quickly (seed ${SEED})`,
    () => {
      expect(all.length).toBeGreaterThan(2);
      const only =
        process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
      const marker = join(tmpdir(), `airlock-fuzz-${what}.current`);
      const failures: string[] = [];
      const threw: Record<string, number> = {};
      let read = 0;
      for (let n = 0; n < caseCount(); n++) {
        if (only !== undefined && n !== only) continue;
        const r = rngOf(prng((SEED ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
        const s = r.pick(all);
        const m = mutate(s.bytes, s.layout, 'binary', r);
        // A hang cannot be caught from inside the loop: leave the case where a human can find it.
        writeFileSync(marker, `seed ${SEED} case ${n} from ${s.name}: ${m.what.join('; ')}\n`);
        const t0 = performance.now();
        try {
          target(m.bytes);
          read++;
        } catch (e) {
          if (e instanceof AirlockError) {
            threw[e.code] = (threw[e.code] ?? 0) + 1;
            if (e.offset === undefined) failures.push(`case ${n}: ${e.code} names no offset`);
          } else {
            const saved = join(tmpdir(), `airlock-fuzz-${what}-${SEED}-${n}.bin`);
            writeFileSync(saved, m.bytes);
            failures.push(
              `case ${n} from ${s.name} (${m.what.join('; ')}): ${(e as Error)?.stack}\n  bytes: ${saved}`,
            );
          }
        }
        const ms = performance.now() - t0;
        if (ms > CASE_MS) failures.push(`case ${n} from ${s.name}: took ${ms.toFixed(0)} ms`);
        if (failures.length >= 10) break;
      }
      console.log(`[fuzz ${what}] seed ${SEED}: ${read} read; AirlockErrors ${JSON.stringify(threw)}`);
      expect(failures, `replay with AIRLOCK_FUZZ_SEED=${SEED} AIRLOCK_FUZZ_CASE=<n>`).toEqual([]);
    },
    30 * 60_000,
  );
}

fuzzRun('vet-axml', manifestSeeds(), (b) => {
  readManifest(parseAxml(b).root);
});

/** IDs the corpus manifests name (labels, icons, strings), resolved in every case. */
const IDS = [0x7f010000, 0x7f020000, 0x7f030000, 0x7f040000, 0x7f050000, 0x7f060000, 0x7f070000, 0x7f0b0000];
fuzzRun('vet-arsc', arscSeeds(), (b) => {
  const t = readResourceTable(b);
  for (const id of IDS) for (let i = 0; i < 4; i++) t.resolve(id + i);
});

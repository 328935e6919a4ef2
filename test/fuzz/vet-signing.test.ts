/**
 * Fuzz of the signing reader: corpus APKs with their APK Signing Block, META-INF entries or
 * central directory mutated, and their PKCS#7 blocks, manifests and .SF files mutated on their
 * own, give a report or an AirlockError within a time bound — never a TypeError/RangeError.
 *
 * Reproduce a failure: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASE=<n> npx vitest run test/fuzz/vet-signing
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { readSigning } from '../../src/vet/signing/index.js';
import { readManifest } from '../../src/vet/signing/jar-manifest.js';
import { checkSignerInfo, readSignedData } from '../../src/vet/signing/pkcs7.js';
import { findSigningBlock } from '../../src/vet/signing/signing-block.js';
import { entryBytes, readZip } from '../../src/vet/zip/index.js';
import { CORPUS } from '../helpers/corpus.js';
import { prng, type Rng, rngOf, runSeed } from '../helpers/prng.js';
import { caseCount } from './harness.js';

const CASE_MS = 1000;
const SEEDS = [
  'apksig/golden-aligned-v1v2v3-lineage-out.apk',
  'apksig/v31-rsa-2048_2-tgt-33-1-tgt-28.apk',
  'apksig/two-signers.apk',
  'apksig/v1-only-pkcs7-cert-bag-first-cert-not-used.apk',
  'apksig/v2-only-missing-classes.dex.apk',
  'fdroid/issue-1128-poc2.apk',
  'fdroid/com.politedroid_3.apk',
  'fdroid/urzip.apk',
].map((name) => {
  const bytes = new Uint8Array(readFileSync(join(CORPUS, 'apk', name)));
  const zip = readZip(bytes);
  const block = findSigningBlock(bytes, zip, []);
  const meta = zip.entries.filter((e) => e.name.startsWith('META-INF/'));
  const file = (re: RegExp) => meta.filter((e) => re.test(e.name)).map((e) => entryBytes(bytes, e, 1 << 24));
  return {
    name,
    bytes,
    regions: [
      ...(block ? [[block.offset, zip.cdOffset] as const] : []),
      [zip.cdOffset, bytes.length] as const,
      ...meta.map((e) => [e.localHeaderOffset, e.dataOffset + e.compressedSize] as const),
    ],
    pkcs7: file(/\.(RSA|DSA|EC)$/),
    texts: [...file(/MANIFEST\.MF$/), ...file(/\.SF$/)],
    sf: file(/\.SF$/)[0] ?? new Uint8Array(0),
  };
});

const HUGE = [0, 1, 3, 4, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Mutates bytes[from, to) in place-copy; says what it did. */
function mutateRegion(src: Uint8Array, from: number, to: number, r: Rng): [Uint8Array, string] {
  const b = src.slice();
  const at = from + r.int(Math.max(1, to - from));
  switch (r.int(4)) {
    case 0: {
      const n = 1 + r.int(8);
      for (let i = 0; i < n; i++) {
        const p = from + r.int(Math.max(1, to - from));
        if (p < b.length) b[p] = b[p]! ^ (1 << r.int(8));
      }
      return [b, `flip ${n} bits in [${from}, ${to})`];
    }
    case 1: {
      const v = r.pick(HUGE);
      if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, v, r.int(2) === 0);
      return [b, `u32 ${v} at ${at}`];
    }
    case 2: {
      const v = r.int(256);
      if (at < b.length) b[at] = v;
      return [b, `byte ${v} at ${at}`];
    }
    default:
      return [b.slice(0, at), `truncate at ${at}`];
  }
}

function insertOrDelete(src: Uint8Array, r: Rng): [Uint8Array, string] {
  const at = r.int(src.length + 1);
  const n = 1 + r.int(16);
  if (r.int(2) === 0) {
    const out = new Uint8Array(src.length + n);
    out.set(src.subarray(0, at));
    out.set(src.subarray(at), at + n);
    for (let i = 0; i < n; i++) out[at + i] = r.pick([0x00, 0x0a, 0x0d, 0x20, 0x30, 0x80, 0xa0, 0xff, 0x3a]);
    return [out, `insert ${n} bytes at ${at}`];
  }
  return [Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + n)]), `delete ${n} bytes at ${at}`];
}

it(
  `signing: ${caseCount()} mutated APKs, PKCS#7 blocks and manifests give a report or an AirlockError, quickly (seed ${runSeed()})`,
  () => {
    const seed = runSeed();
    const only =
      process.env.AIRLOCK_FUZZ_CASE !== undefined ? Number(process.env.AIRLOCK_FUZZ_CASE) : undefined;
    const failures: string[] = [];
    const outcomes: Record<string, number> = {};
    for (let n = 0; n < caseCount() && failures.length < 10; n++) {
      if (only !== undefined && n !== only) continue;
      const r = rngOf(prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0));
      const s = r.pick(SEEDS);
      const kind = r.int(4);
      let what = '';
      const t0 = performance.now();
      try {
        if (kind <= 1 || (kind === 2 && s.pkcs7.length === 0)) {
          const [from, to] = r.pick(s.regions);
          const [b, w] = mutateRegion(s.bytes, from, to, r);
          what = `APK ${w}`;
          const rep = readSigning(
            b,
            readZip(b),
            r.int(2) ? { minSdk: r.pick([1, 18, 24, 28, 33]), targetSdk: 30 } : {},
          );
          outcomes[rep.verified ? 'verified' : 'not verified'] =
            (outcomes[rep.verified ? 'verified' : 'not verified'] ?? 0) + 1;
        } else if (kind === 2) {
          const [b, w] = r.int(2)
            ? mutateRegion(r.pick(s.pkcs7), 0, r.pick(s.pkcs7).length, r)
            : insertOrDelete(r.pick(s.pkcs7), r);
          what = `PKCS#7 ${w}`;
          const sd = readSignedData(b, 'fuzz');
          for (const si of sd.signerInfos) checkSignerInfo(sd, si, s.sf, r.pick([1, 24]), 'fuzz');
          outcomes.pkcs7 = (outcomes.pkcs7 ?? 0) + 1;
        } else {
          const text = r.pick(s.texts.length ? s.texts : [new Uint8Array(0)]);
          const [b, w] = r.int(2) ? mutateRegion(text, 0, text.length, r) : insertOrDelete(text, r);
          what = `manifest ${w}`;
          readManifest(b, 'fuzz');
          outcomes.manifest = (outcomes.manifest ?? 0) + 1;
        }
      } catch (e) {
        if (e instanceof AirlockError) outcomes[e.code] = (outcomes[e.code] ?? 0) + 1;
        else
          failures.push(
            `case ${n} (${s.name}: ${what}): threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`,
          );
      }
      const ms = performance.now() - t0;
      if (ms > CASE_MS) failures.push(`case ${n} (${s.name}: ${what}): took ${ms.toFixed(0)} ms`);
    }
    console.log(`[fuzz vet-signing] seed ${seed}: ${JSON.stringify(outcomes)}`);
    expect(failures, `replay one with AIRLOCK_FUZZ_SEED=${seed} AIRLOCK_FUZZ_CASE=<n>`).toEqual([]);
  },
  30 * 60_000,
);

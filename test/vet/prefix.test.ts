/**
 * Bytes before the first entry (Janus, CVE-2017-13156), on variants of a corpus release built in
 * a scratch folder as the proofs of concept build them: a DEX file (the APK's own classes.dex,
 * unzip's copy) or plain bytes in front, `zip -A` to move the offsets. Oracles: how many bytes
 * came before the first entry is the lowest local header zipinfo reports; whether a signature
 * covers them is apksigner's (it verifies the v1-only variant: JAR signing signs entries, not the
 * file, which is the flaw); a v2 signature over them is apksigner's own, made with a throwaway key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/policy/index.js';
import { vetApk } from '../../src/vet/analyse.js';
import { diffNeedsReview, diffReports } from '../../src/vet/diff.js';
import { reviewReasons } from '../../src/vet/review.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { apksigner } from './signing-oracle.js';
import { zipinfo } from './zipinfo.js';

const fd = (n: string) => corpusFile('apk', 'fdroid', n);
const POLITE = fd('com.politedroid_3.apk'); // v1 only, minSdk 3: every platform Janus hit
const vet = (path: string) =>
  vetApk(readFileSync(path), path, { policy: defaultPolicy(), policySource: 'test', nowMs: 0 });
const janusReason = (r: ReturnType<typeof vet>) => reviewReasons(r).find((x) => x.includes('Janus'));
/** Where zipinfo puts the first entry's local header: the bytes in front of it. */
const firstEntryAt = (apk: string) => Math.min(...zipinfo(apk).entries.map((e) => e.localHeaderOffset));

let dir: string;
let dex: Buffer;
/** politedroid 3 with its own classes.dex in front: Janus. */
let janus: string;
/** politedroid 3 with 100 bytes of text in front. */
let junk: string;
/** Each of those signed again by apksigner with v1 and v2: v2's digest covers the bytes in front. */
let janusV2: string;
let junkV2: string;

function prefixed(name: string, prefix: Uint8Array, apk: string): string {
  const out = join(dir, name);
  writeFileSync(out, Buffer.concat([prefix, readFileSync(apk)]));
  execFileSync('zip', ['-A', out], { stdio: 'pipe' });
  return out;
}

function signedV2(name: string, apk: string, ks: string): string {
  const out = join(dir, name);
  execFileSync('apksigner', [
    'sign',
    '--ks',
    ks,
    '--ks-pass',
    'pass:airlock-test',
    '--v1-signing-enabled',
    'true',
    '--v2-signing-enabled',
    'true',
    '--v3-signing-enabled',
    'false',
    '--out',
    out,
    apk,
  ]);
  return out;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-vet-prefix-'));
  dex = execFileSync('unzip', ['-p', POLITE, 'classes.dex'], { maxBuffer: 64 * 1024 * 1024 });
  janus = prefixed('janus.apk', dex, POLITE);
  junk = prefixed('junk.apk', new TextEncoder().encode('x'.repeat(100)), POLITE);
  const ks = join(dir, 'test.jks');
  execFileSync('keytool', [
    '-genkeypair',
    '-keystore',
    ks,
    '-storepass',
    'airlock-test',
    '-keypass',
    'airlock-test',
    '-alias',
    'test',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-dname',
    'CN=Airlock test',
    '-validity',
    '30',
  ]);
  janusV2 = signedV2('janus-v2.apk', janus, ks);
  junkV2 = signedV2('junk-v2.apk', junk, ks);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bytes before the first entry', () => {
  it('a DEX file in front of a v1-only release that apksigner verifies asks for review (Janus)', async () => {
    expect(dex.subarray(0, 4).toString('latin1')).toBe('dex\n');
    const oracle = await apksigner(janus);
    expect([oracle.verifies, oracle.schemes]).toEqual([true, { v1: true, v2: false, v3: false }]);
    expect(firstEntryAt(janus)).toBe(dex.length);
    const r = vet(janus);
    expect(r.signing?.verified).toBe(true);
    expect(r.prefix).toEqual({ bytes: dex.length, dex: true, signed: false });
    expect(janusReason(r)).toContain('covered by no signature');
    // The release it was made from asks for none of that.
    const clean = vet(POLITE);
    expect(clean.prefix).toBeUndefined();
    expect(reviewReasons(clean)).toEqual([]);
  });

  it('plain bytes no signature covers ask for review; the same bytes under a v2 signature do not', async () => {
    expect(await apksigner(junk)).toMatchObject({ verifies: true, schemes: { v2: false } });
    expect(firstEntryAt(junk)).toBe(100);
    expect(vet(junk).prefix).toEqual({ bytes: 100, dex: false, signed: false });
    expect(reviewReasons(vet(junk))).toEqual([
      '100 bytes before its first entry are covered by no signature',
    ]);
    expect(await apksigner(junkV2)).toMatchObject({ verifies: true, schemes: { v2: true } });
    expect(firstEntryAt(junkV2)).toBe(100);
    expect(vet(junkV2).prefix).toEqual({ bytes: 100, dex: false, signed: true });
    expect(reviewReasons(vet(junkV2))).toEqual([]);
  });

  it('a DEX file in front asks for review under a v2 signature too: it is not the code vetted', async () => {
    expect(await apksigner(janusV2)).toMatchObject({ verifies: true, schemes: { v2: true } });
    const r = vet(janusV2);
    expect(r.prefix).toEqual({ bytes: firstEntryAt(janusV2), dex: true, signed: true });
    expect(janusReason(r)).toBeDefined();
    expect(janusReason(r)).not.toContain('covered by no signature');
  });

  it('the corpus janus.apk: its 1032 bytes ask for review beside its debuggable build', () => {
    const r = vet(fd('janus.apk'));
    expect(r.prefix).toEqual({ bytes: firstEntryAt(fd('janus.apk')), dex: true, signed: false });
    expect(reviewReasons(r)).toEqual([janusReason(r), 'it is a debuggable build']);
  });
});

describe('against the approved release', () => {
  it('the same signer, permissions and version, and still a new approval: the bytes in front are new', () => {
    const d = diffReports(vet(POLITE), vet(janus));
    expect(d.signerChanged).toBe(false);
    expect(d.permissions).toEqual({ added: [], removed: [] });
    expect(d.flags).toEqual([{ name: 'bytesBeforeFirstEntry', approved: 0, candidate: dex.length }]);
    expect(diffNeedsReview(d)).toBe(true);
    // Approving one Janus file does not approve the next: like a failed signature, it is the file.
    expect(diffNeedsReview(diffReports(vet(janus), vet(janus)))).toBe(true);
    expect(diffNeedsReview(diffReports(vet(POLITE), vet(POLITE)))).toBe(false);
  });

  it('the CLI: exit 1 on its own and against the release it was made from, saying why', () => {
    const alone = airlock(['vet', janus], { env: { NO_COLOR: '1' } });
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/^Needs review: .*hold a DEX file.*Janus, CVE-2017-13156/m);
    const against = airlock(['vet', janus, '--against', POLITE], { env: { NO_COLOR: '1' } });
    expect(against.code).toBe(1);
    expect(against.stdout).toContain('same signer');
    expect(against.stdout).toContain(`bytesBeforeFirstEntry: 0 → ${dex.length}`);
    const run = JSON.parse(airlock(['vet', '--json', janus, '--against', POLITE]).stdout);
    expect(run.exitCode).toBe(1);
    expect(run.reports[0].prefix).toEqual({ bytes: dex.length, dex: true, signed: false });
    expect(run.diffs[0].needsReview).toBe(true);
  });
});

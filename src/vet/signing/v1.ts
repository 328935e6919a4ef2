/**
 * JAR signing (v1), checked as apksig's V1SchemeVerifier checks it: MANIFEST.MF lists a digest of
 * every entry outside META-INF/ and every entry it names exists; each signer's PKCS#7 block
 * verifies against its .SF; the .SF holds a digest of the whole manifest or of each section it
 * names; every entry is signed by the same signers and matches its digests. The .SF's
 * X-Android-APK-Signed header names the newer schemes the APK also carries (stripping protection).
 * Never throws for the input's sake: a malformed file makes the scheme fail with a problem.
 */
import { createHash } from 'node:crypto';
import { AirlockError } from '../../core/errors.js';
import { entryBytes } from '../zip/index.js';
import type { ZipArchive, ZipEntry } from '../zip/types.js';
import { type CertificateInfo, signerOf } from './certificate.js';
import { attribute, type ManifestSection, readManifest } from './jar-manifest.js';
import { SIGNING_LIMITS } from './limits.js';
import { checkSignerInfo, readSignedData } from './pkcs7.js';
import type { SchemeResult } from './types.js';

const MANIFEST = 'META-INF/MANIFEST.MF';
const N = 24;
const JB_MR2 = 18;

export interface V1Result extends SchemeResult {
  certs: CertificateInfo[];
  /** Why there is no JAR signature at all ('absent'): apksigner's error when v1 is required. */
  missing?: string;
}

interface NamedDigest {
  hash: string;
  digest: Buffer;
}

const CANONICAL: Record<string, string> = {
  MD5: 'md5',
  SHA: 'sha1',
  SHA1: 'sha1',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
const NEWER: [string, string][] = [
  ['SHA-512', 'sha512'],
  ['SHA-384', 'sha384'],
  ['SHA-256', 'sha256'],
  ['SHA1', 'sha1'],
];

/** The digests apksig checks for a section, for platforms [minSdk, ∞). */
function digestsToVerify(section: ManifestSection, suffix: string, minSdk: number): NamedDigest[] {
  const out: NamedDigest[] = [];
  if (minSdk < JB_MR2) {
    const algs = attribute(section, 'Digest-Algorithms') ?? 'SHA SHA1';
    for (const alg of algs.split(/\s+/).filter(Boolean)) {
      const b64 = attribute(section, alg + suffix);
      const hash = CANONICAL[alg.toUpperCase()];
      if (b64 === undefined || !hash) continue;
      if ((hash === 'sha384' || hash === 'sha512') && minSdk < 9) continue;
      out.push({ hash, digest: Buffer.from(b64, 'base64') });
      break;
    }
    if (out.length === 0) return out;
  }
  for (const [name, hash] of NEWER) {
    const b64 = attribute(section, name + suffix);
    if (b64 === undefined) continue;
    const digest = Buffer.from(b64, 'base64');
    if (!out.some((d) => d.hash === hash && d.digest.equals(digest))) out.push({ hash, digest });
    break;
  }
  return out;
}

const digestOf = (hash: string, data: Uint8Array): Buffer => createHash(hash).update(data).digest();

interface JarSigner {
  name: string;
  block: ZipEntry;
  sf: ZipEntry;
  sfBytes?: Uint8Array;
  cert?: CertificateInfo;
  sfNames?: Set<string>;
}

class V1Failure extends Error {}

function read(bytes: Uint8Array, e: ZipEntry, max: number): Uint8Array {
  try {
    return entryBytes(bytes, e, max);
  } catch (err) {
    if (err instanceof AirlockError) throw new V1Failure(`Malformed ZIP entry ${e.name}: ${err.message}`);
    throw err;
  }
}

/** Verifies the JAR signature; `found` holds the v2/v3 scheme IDs found (2, 3) for stripping checks. */
export function verifyV1(
  bytes: Uint8Array,
  zip: ZipArchive,
  minSdk: number,
  found: ReadonlySet<number>,
): V1Result {
  const out: V1Result = { status: 'failed', signers: [], problems: [], warnings: [], certs: [] };
  try {
    run(bytes, zip, minSdk, found, out);
  } catch (e) {
    if (e instanceof V1Failure) out.problems.push(e.message);
    else if (e instanceof AirlockError) out.problems.push(`JAR signature: ${e.message}`);
    else throw e;
  }
  if (out.missing) out.status = 'absent';
  else if (out.problems.length === 0) out.status = 'verified';
  return out;
}

function run(
  bytes: Uint8Array,
  zip: ZipArchive,
  minSdk: number,
  found: ReadonlySet<number>,
  out: V1Result,
): void {
  const problem = (p: string) => out.problems.push(p);
  const names = new Set<string>();
  const dups = new Set<string>();
  for (const e of zip.entries) {
    if (names.has(e.name) && !dups.has(e.name)) {
      dups.add(e.name);
      problem(`Duplicate entry: ${e.name}`);
    }
    names.add(e.name);
  }
  if (out.problems.length) return;

  let manifestEntry: ZipEntry | undefined;
  const sfEntries = new Map<string, ZipEntry>();
  const blocks: ZipEntry[] = [];
  for (const e of zip.entries) {
    if (!e.name.startsWith('META-INF/')) continue;
    if (!manifestEntry && e.name === MANIFEST) manifestEntry = e;
    else if (e.name.endsWith('.SF')) sfEntries.set(e.name, e);
    else if (/\.(RSA|DSA|EC)$/.test(e.name)) blocks.push(e);
  }
  if (!manifestEntry) {
    out.missing = `Missing ${MANIFEST}`;
    return;
  }
  const manifestBytes = read(bytes, manifestEntry, SIGNING_LIMITS.maxMetaBytes);
  const [main, ...sections] = readManifest(manifestBytes, MANIFEST);
  const byName = new Map<string, ManifestSection>();
  sections.forEach((s, i) => {
    if (s.name === undefined)
      problem(`Malformed ${MANIFEST}: invidual section #${i + 1} does not have a name`);
    else if (byName.has(s.name)) problem(`Malformed ${MANIFEST}: duplicate section ${s.name}`);
    else {
      byName.set(s.name, s);
      if (!names.has(s.name)) problem(`${s.name} entry referenced by ${MANIFEST} not found in the APK`);
    }
  });
  if (out.problems.length) return;

  let signers: JarSigner[] = [];
  for (const block of blocks) {
    const sfName = `${block.name.slice(0, block.name.lastIndexOf('.'))}.SF`;
    const sf = sfEntries.get(sfName);
    if (!sf) {
      out.warnings.push({
        name: 'jar-partial-signature',
        offset: block.centralOffset,
        detail: `Partial JAR signature. Found: ${block.name}, missing: ${sfName}`,
      });
      continue;
    }
    if (signers.length >= SIGNING_LIMITS.maxJarSigners)
      throw new V1Failure(`more than ${SIGNING_LIMITS.maxJarSigners} JAR signers`);
    signers.push({ name: block.name.slice('META-INF/'.length), block, sf });
  }
  if (signers.length === 0) {
    out.missing = 'No JAR signatures';
    return;
  }

  for (const s of signers) {
    const blockBytes = read(bytes, s.block, SIGNING_LIMITS.maxMetaBytes);
    s.sfBytes = read(bytes, s.sf, SIGNING_LIMITS.maxMetaBytes);
    const label = `JAR signer ${s.name}`;
    let sd: ReturnType<typeof readSignedData>;
    try {
      sd = readSignedData(blockBytes, s.block.name);
    } catch (e) {
      if (!(e instanceof AirlockError)) throw e;
      problem(`${label}: Failed to parse JAR signature ${s.block.name}: ${e.message}`);
      continue;
    }
    if (sd.signerInfos.length === 0) {
      problem(`${label}: JAR signature ${s.block.name} contains no signers`);
      continue;
    }
    // Before Android N only the first SignerInfo is tried; from N on, the first that verifies wins.
    const candidates = minSdk < N ? sd.signerInfos.slice(0, 1) : sd.signerInfos;
    for (const si of candidates) {
      let check: ReturnType<typeof checkSignerInfo>;
      try {
        check = checkSignerInfo(sd, si, s.sfBytes, minSdk, s.block.name);
      } catch (e) {
        if (!(e instanceof AirlockError)) throw e;
        check = { error: e.message };
      }
      if (check.error) {
        problem(
          `${label}: Failed to verify JAR signature ${s.block.name} against ${s.sf.name}: ${check.error}`,
        );
        break;
      }
      if (check.cert) {
        s.cert = check.cert;
        break;
      }
    }
    if (!s.cert && !out.problems.length) {
      problem(`${label}: JAR signature ${s.block.name} did not verify against ${s.sf.name}`);
    }
  }
  if (out.problems.length) return;

  const remaining: JarSigner[] = [];
  for (const s of signers) {
    if (checkSigFile(s, manifestBytes, main, byName, minSdk, found, out)) remaining.push(s);
  }
  if (out.problems.length) return;
  signers = remaining;
  if (signers.length === 0) throw new V1Failure('No JAR signatures');

  const sorted = [...zip.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let firstSigners: JarSigner[] | undefined;
  let firstName = '';
  for (const e of sorted) {
    if (e.name.startsWith('META-INF/') || e.name.endsWith('/')) continue;
    const section = byName.get(e.name);
    if (!section) {
      problem(`No JAR signature for ${e.name}: it is not listed in ${MANIFEST}`);
      continue;
    }
    const entrySigners = signers.filter((s) => s.sfNames!.has(e.name));
    if (entrySigners.length === 0) {
      problem(`${e.name} is not signed by any JAR signer`);
      continue;
    }
    if (!firstSigners) {
      firstSigners = entrySigners;
      firstName = e.name;
    } else if (entrySigners.map((s) => s.name).join() !== firstSigners.map((s) => s.name).join()) {
      problem(`${e.name} is signed by other JAR signers than ${firstName}`);
      continue;
    }
    const expected = digestsToVerify(section, '-Digest', minSdk);
    if (expected.length === 0) {
      problem(`No JAR signature digest for ${e.name} in ${MANIFEST}`);
      continue;
    }
    const data = read(bytes, e, SIGNING_LIMITS.maxEntryBytes);
    for (const d of expected) {
      if (!digestOf(d.hash, data).equals(d.digest)) {
        problem(
          `${d.hash.toUpperCase()} digest of ${e.name} does not match the digest specified in ${MANIFEST}`,
        );
      }
    }
  }
  if (!firstSigners) problem('No JAR entries covered by JAR signatures');
  if (out.problems.length) return;

  const signatureFiles = new Set([MANIFEST, ...firstSigners!.flatMap((s) => [s.block.name, s.sf.name])]);
  for (const e of zip.entries) {
    if (e.name.startsWith('META-INF/') && !e.name.endsWith('/') && !signatureFiles.has(e.name)) {
      out.warnings.push({
        name: 'jar-unprotected-entry',
        offset: e.centralOffset,
        detail: `${e.name} not protected by signature`,
      });
    }
  }
  out.certs = firstSigners!.map((s) => s.cert!);
  out.signers = out.certs.map((c) => signerOf('v1', c));
}

const SCHEME_NAMES: Record<number, string> = { 2: 'APK Signature Scheme v2', 3: 'APK Signature Scheme v3' };

/** The .SF against the manifest; false when the signer is ignored (apksig's setIgnored). */
function checkSigFile(
  s: JarSigner,
  manifestBytes: Uint8Array,
  main: ManifestSection | undefined,
  byName: Map<string, ManifestSection>,
  minSdk: number,
  found: ReadonlySet<number>,
  out: V1Result,
): boolean {
  const [sfMain, ...sfSections] = readManifest(s.sfBytes!, s.sf.name);
  if (!sfMain || attribute(sfMain, 'Signature-Version') === undefined) {
    out.problems.push(`${s.sf.name} has no Signature-Version attribute`);
    return false;
  }
  const signed = attribute(sfMain, 'X-Android-APK-Signed');
  if (signed === undefined) {
    if (found.size > 0) {
      out.warnings.push({
        name: 'jar-no-stripping-protection',
        offset: s.sf.centralOffset,
        detail: `${s.sf.name} lacks X-Android-APK-Signed: removing the newer signatures would go unnoticed`,
      });
    }
  } else {
    for (const t of signed
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const id = Number.parseInt(t, 10);
      if (SCHEME_NAMES[id] === undefined) {
        out.warnings.push({
          name: 'jar-unknown-scheme-id',
          offset: s.sf.centralOffset,
          detail: `${s.sf.name} names unknown APK signature scheme ${t}`,
        });
      } else if (!found.has(id)) {
        out.problems.push(
          `JAR signer ${s.name}: ${s.sf.name} indicates the APK is signed using ${SCHEME_NAMES[id]} but no such signature was found. Signature stripped?`,
        );
      }
    }
    if (out.problems.length) return true;
  }
  const signtool = attribute(sfMain, 'Created-By')?.includes('signtool') ?? false;
  const manifestDigests = digestsToVerify(sfMain, signtool ? '-Digest' : '-Digest-Manifest', minSdk);
  let wholeVerified = manifestDigests.length > 0;
  if (!wholeVerified) {
    out.warnings.push({
      name: 'jar-no-manifest-digest',
      offset: s.sf.centralOffset,
      detail: `${s.sf.name} holds no digest of ${MANIFEST}`,
    });
  }
  for (const d of manifestDigests) {
    if (!digestOf(d.hash, manifestBytes).equals(d.digest)) {
      wholeVerified = false;
      out.warnings.push({
        name: 'jar-manifest-digest-mismatch',
        offset: s.sf.centralOffset,
        detail: `${d.hash} digest of ${MANIFEST} does not match ${s.sf.name}; sections checked instead`,
      });
    }
  }
  if (!signtool && main) {
    for (const d of digestsToVerify(sfMain, '-Digest-Manifest-Main-Attributes', minSdk)) {
      if (!digestOf(d.hash, manifestBytes.subarray(main.start, main.start + main.size)).equals(d.digest)) {
        out.problems.push(
          `${d.hash} digest of ${MANIFEST} main section does not verify against ${s.sf.name}`,
        );
      }
    }
  }
  if (out.problems.length) return true;
  const sfNames = new Set<string>();
  for (const [i, sec] of sfSections.entries()) {
    if (sec.name === undefined) {
      out.problems.push(`Malformed ${s.sf.name}: invidual section #${i + 1} does not have a name`);
      return false;
    }
    if (sfNames.has(sec.name)) {
      out.problems.push(`Malformed ${s.sf.name}: duplicate section ${sec.name}`);
      return false;
    }
    sfNames.add(sec.name);
    if (wholeVerified) continue;
    const m = byName.get(sec.name);
    const expected = m ? digestsToVerify(sec, '-Digest', minSdk) : [];
    if (!m || expected.length === 0) {
      out.problems.push(`No digest for ${sec.name} in ${s.sf.name}`);
      continue;
    }
    let size = m.size;
    // signtool leaves one newline fewer at a section's end than it hashes
    if (signtool && manifestBytes[m.start + size - 1] === 0x0a && manifestBytes[m.start + size - 2] === 0x0a)
      size--;
    for (const d of expected) {
      if (!digestOf(d.hash, manifestBytes.subarray(m.start, m.start + size)).equals(d.digest)) {
        out.problems.push(
          `${d.hash} digest of ${MANIFEST} section for ${sec.name} does not verify against ${s.sf.name}`,
        );
      }
    }
  }
  s.sfNames = sfNames;
  return true;
}

/**
 * The signers of an APK Signature Scheme v2, v3 or v3.1 block and whether they hold, as apksig
 * judges them: each signer's signatures over its signed data verify with its public key, the first
 * certificate carries that key, the signatures and digests name the same algorithms, and the APK's
 * content digest matches. A malformed signer makes the scheme fail (a problem), as on a device;
 * nothing here throws for the input's sake.
 */
import type { KeyObject } from 'node:crypto';
import { AirlockError } from '../../core/errors.js';
import type { Warning } from '../../findings/model.js';
import type { ZipArchive } from '../zip/types.js';
import {
  preferred,
  publicKeyOf,
  type SignatureAlgorithm,
  signatureAlgorithm,
  verifySignature,
} from './algorithms.js';
import { type CertificateInfo, readCertificate, signerOf } from './certificate.js';
import { chunkedDigest } from './content-digest.js';
import { SIGNING_LIMITS } from './limits.js';
import { type LineageNode, lineageReader, readLineage } from './lineage.js';
import { LeReader } from './reader.js';
import type { SchemeName, SchemeResult, Signer } from './types.js';

export const ATTRIBUTES = {
  /** v2: the APK also carries this (newer) scheme; its absence means it was stripped. */
  strippingProtection: 0xbeeff00d,
  /** v3: the proof-of-rotation lineage. */
  proofOfRotation: 0x3ba06f8c,
  /** v3: the SDK from which v3.1's rotated signer applies (Android 13). */
  rotationMinSdk: 0x559f8b02,
  /** v3/v3.1: the rotation targets a development release. */
  rotationOnDevRelease: 0xc2a6b3ba,
} as const;

export const SCHEME_TITLE: Record<SchemeName, string> = {
  v1: 'JAR signing',
  v2: 'APK Signature Scheme v2',
  v3: 'APK Signature Scheme v3',
  v31: 'APK Signature Scheme v3.1',
};

export interface SchemeBlockResult extends SchemeResult {
  /** Each signer's first certificate, in signer order (only when parsed). */
  certs: CertificateInfo[];
  lineage?: LineageNode[];
  /** v2: scheme IDs its stripping-protection attributes name. */
  strippingRefs: number[];
  /** v3.1: the rotation-min-sdk attribute of the v3 signer, when present. */
  rotationMinSdk?: number;
}

export interface SchemeContext {
  bytes: Uint8Array;
  zip: Pick<ZipArchive, 'cdOffset' | 'eocdOffset'>;
  blockOffset: number;
}

interface ParsedSigner {
  index: number;
  cert: CertificateInfo;
  digests: Map<number, Uint8Array>;
  minSdk?: number;
  maxSdk?: number;
  lineage?: LineageNode[];
}

class SignerFailure extends Error {}

function signerInfo(scheme: SchemeName, p: ParsedSigner): Signer {
  return {
    ...signerOf(scheme, p.cert),
    ...(p.minSdk !== undefined ? { minSdk: p.minSdk, maxSdk: p.maxSdk } : {}),
    ...(p.lineage ? { lineage: p.lineage.map((n) => n.cert.certSha256) } : {}),
  };
}

const spkiOf = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });

/** Parses and checks one signer; throws SignerFailure (a verification failure) or AirlockError (malformed). */
function parseSigner(
  scheme: SchemeName,
  r: LeReader,
  index: number,
  out: SchemeBlockResult,
  warn: (w: Warning) => void,
): ParsedSigner {
  const label = `${SCHEME_TITLE[scheme]} signer #${index + 1}`;
  const fail = (why: string): never => {
    throw new SignerFailure(`${label}: ${why}`);
  };
  const signedData = r.lengthPrefixed('signed data');
  const v3 = scheme !== 'v2';
  const minSdk = v3 ? r.i32('min SDK') : undefined;
  const maxSdk = v3 ? r.i32('max SDK') : undefined;
  if (minSdk !== undefined && maxSdk !== undefined && (minSdk < 0 || minSdk > maxSdk)) {
    fail(`invalid SDK version range ${minSdk}..${maxSdk}`);
  }
  const sigs = r.lengthPrefixed('signatures');
  const publicKeyBytes = r.bytesPrefixed('public key');

  const signatures: { alg: SignatureAlgorithm; sig: Uint8Array }[] = [];
  const sigIds: number[] = [];
  while (sigs.remaining > 0) {
    if (sigIds.length >= SIGNING_LIMITS.maxItems) fail(`more than ${SIGNING_LIMITS.maxItems} signatures`);
    const s = sigs.lengthPrefixed(`signature #${sigIds.length + 1}`);
    const id = s.u32('algorithm ID');
    const sig = s.bytesPrefixed('signature');
    sigIds.push(id);
    const alg = signatureAlgorithm(id);
    if (!alg)
      warn({
        name: 'apk-signature-unknown-algorithm',
        offset: s.base,
        detail: `${label}: unknown signature algorithm 0x${id.toString(16)}`,
      });
    else signatures.push({ alg, sig });
  }
  if (sigIds.length === 0) fail('no signatures');
  if (signatures.length === 0) fail('no supported signatures');
  const key = publicKeyOf(publicKeyBytes);
  if (!key) fail('malformed public key');
  for (const { alg, sig } of signatures) {
    if (!verifySignature(alg, key!, signedData.bytes, sig))
      fail(`${alg.name} signature over signed-data did not verify`);
  }

  const digestsR = signedData.lengthPrefixed('digests');
  const certsR = signedData.lengthPrefixed('certificates');
  if (v3) {
    const smin = signedData.i32('signed min SDK');
    const smax = signedData.i32('signed max SDK');
    if (smin !== minSdk) fail(`min SDK ${minSdk} differs from the signed data's ${smin}`);
    if (smax !== maxSdk) fail(`max SDK ${maxSdk} differs from the signed data's ${smax}`);
  }
  const attrs = signedData.lengthPrefixed('additional attributes');

  const certs: CertificateInfo[] = [];
  while (certsR.remaining > 0) {
    if (certs.length >= SIGNING_LIMITS.maxItems) fail(`more than ${SIGNING_LIMITS.maxItems} certificates`);
    const at = certsR.offset + 4;
    const der = certsR.bytesPrefixed(`certificate #${certs.length + 1}`);
    try {
      certs.push(readCertificate(der, at));
    } catch (e) {
      if (!(e instanceof AirlockError)) throw e;
      fail(`malformed certificate #${certs.length + 1}: ${e.message}`);
    }
  }
  const cert = certs[0] ?? fail('no certificates');
  if (!cert.publicKey || !spkiOf(cert.publicKey).equals(spkiOf(key!))) {
    fail('public key mismatch between certificate and signature record');
  }

  const digests = new Map<number, Uint8Array>();
  const digestIds: number[] = [];
  while (digestsR.remaining > 0) {
    if (digestIds.length >= SIGNING_LIMITS.maxItems) fail(`more than ${SIGNING_LIMITS.maxItems} digests`);
    const d = digestsR.lengthPrefixed(`digest #${digestIds.length + 1}`);
    const id = d.u32('algorithm ID');
    digestIds.push(id);
    digests.set(id, d.bytesPrefixed('digest'));
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b).join(',');
  if (sorted(sigIds) !== sorted(digestIds)) {
    fail("signature algorithms don't match between digests and signatures records");
  }

  let lineage: LineageNode[] | undefined;
  let count = 0;
  while (attrs.remaining > 0) {
    if (++count > SIGNING_LIMITS.maxItems) fail(`more than ${SIGNING_LIMITS.maxItems} additional attributes`);
    const a = attrs.lengthPrefixed(`additional attribute #${count}`);
    const id = a.u32('attribute ID');
    const hex = `0x${id.toString(16).padStart(8, '0')}`;
    if (scheme === 'v2' && id === ATTRIBUTES.strippingProtection) {
      out.strippingRefs.push(a.u32('stripping protection scheme ID'));
    } else if (v3 && id === ATTRIBUTES.proofOfRotation) {
      try {
        lineage = readLineage(lineageReader(a.take(a.remaining, 'lineage'), a.offset));
      } catch (e) {
        if (!(e instanceof AirlockError)) throw e;
        fail(`proof-of-rotation lineage: ${e.message}`);
      }
      const last = lineage![lineage!.length - 1];
      if (last && last.cert.certSha256 !== cert.certSha256) {
        fail("the proof-of-rotation lineage's newest certificate is not the signer's");
      }
    } else if (scheme === 'v3' && id === ATTRIBUTES.rotationMinSdk && a.remaining >= 4) {
      out.rotationMinSdk = a.i32();
    } else if (v3 && (id === ATTRIBUTES.rotationMinSdk || id === ATTRIBUTES.rotationOnDevRelease)) {
      // v3.1 attributes, read by the platform; nothing to check here
    } else {
      warn({
        name: 'apk-signature-unknown-attribute',
        offset: a.base,
        detail: `${label}: unknown additional attribute ID ${hex}`,
      });
    }
  }
  return { index, cert, digests, minSdk, maxSdk, lineage };
}

/** Checks the signers' content digests against the APK; adds a problem per mismatch. */
function checkContentDigests(
  scheme: SchemeName,
  ctx: SchemeContext,
  signers: ParsedSigner[],
  out: SchemeBlockResult,
): void {
  const wanted = new Map<'sha256' | 'sha512', Uint8Array[]>();
  let verityOnly = false;
  for (const s of signers) {
    let best: SignatureAlgorithm | undefined;
    for (const id of s.digests.keys()) {
      const a = signatureAlgorithm(id);
      if (a) best = best ? preferred(best, a) : a;
    }
    for (const [id, d] of s.digests) {
      const a = signatureAlgorithm(id);
      if (!a || a.digest === 'verity-sha256') continue;
      const list = wanted.get(a.hash) ?? [];
      list.push(d);
      wanted.set(a.hash, list);
    }
    if (best?.digest === 'verity-sha256') verityOnly = true;
  }
  if (verityOnly)
    out.problems.push(`${SCHEME_TITLE[scheme]}: only a verity digest, which Airlock does not compute`);
  for (const [hash, expected] of wanted) {
    const actual = chunkedDigest(ctx.bytes, ctx.zip, ctx.blockOffset, hash);
    if (expected.some((e) => !Buffer.from(e).equals(actual))) {
      out.problems.push(
        `${SCHEME_TITLE[scheme]}: APK integrity check failed: CHUNKED_${hash.toUpperCase()} digest mismatch`,
      );
    }
  }
  if (
    signers.some((s) =>
      [...s.digests.keys()].some((id) => signatureAlgorithm(id)?.digest === 'verity-sha256'),
    )
  ) {
    out.warnings.push({
      name: 'apk-signature-verity-skipped',
      detail: `${SCHEME_TITLE[scheme]}: verity (0x042x) digest not checked; another digest was`,
    });
  }
}

/** Reads and verifies one scheme block (the value of its ID-value pair). */
export function verifySchemeBlock(
  scheme: SchemeName,
  value: Uint8Array,
  valueOffset: number,
  ctx: SchemeContext,
): SchemeBlockResult {
  const out: SchemeBlockResult = {
    status: 'failed',
    signers: [],
    problems: [],
    warnings: [],
    certs: [],
    strippingRefs: [],
  };
  const warn = (w: Warning) => out.warnings.push(w);
  const parsed: ParsedSigner[] = [];
  try {
    const r = new LeReader(value, valueOffset, SCHEME_TITLE[scheme]);
    const signers = r.lengthPrefixed('signers');
    if (signers.remaining === 0) throw new SignerFailure(`${SCHEME_TITLE[scheme]}: no signers`);
    while (signers.remaining > 0) {
      if (parsed.length >= SIGNING_LIMITS.maxSigners) {
        throw new SignerFailure(`${SCHEME_TITLE[scheme]}: more than ${SIGNING_LIMITS.maxSigners} signers`);
      }
      const i = parsed.length;
      let signer: LeReader;
      try {
        signer = signers.lengthPrefixed(`signer #${i + 1}`);
        parsed.push(parseSigner(scheme, signer, i, out, warn));
      } catch (e) {
        if (e instanceof AirlockError)
          throw new SignerFailure(`${SCHEME_TITLE[scheme]} signer #${i + 1}: malformed: ${e.message}`);
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof SignerFailure) out.problems.push(e.message);
    else if (e instanceof AirlockError) out.problems.push(`${SCHEME_TITLE[scheme]}: malformed: ${e.message}`);
    else throw e;
  }
  if (out.problems.length === 0) {
    checkContentDigests(scheme, ctx, parsed, out);
  }
  out.certs = parsed.map((p) => p.cert);
  out.signers = parsed.map((p) => signerInfo(scheme, p));
  out.lineage = parsed.find((p) => p.lineage)?.lineage;
  if (out.problems.length === 0) out.status = 'verified';
  return out;
}

/**
 * Who signed an APK and whether the signature holds, as `apksigner verify` judges it: the APK
 * Signing Block's v3/v3.1 and v2 schemes, then JAR signing (v1), each consulted only where the
 * platform versions the app supports would consult it (apksig's ApkVerifier):
 * - v3 (and v3.1) when present; v2 when the app runs below Android 9 or there is no v3;
 * - v1 when the app runs below Android 7 (minSdk < 24) or neither v2 nor v3 is present;
 * - then the schemes must name the same signer (or v3's lineage must start at it), and an app
 *   targeting SDK 30+ needs v2 or later.
 * Without a minSdk, v2/v3 are authoritative (as for minSdk 24). Pure: bytes in, report out; it
 * throws only when the caller's ZIP reading did.
 */
import type { Warning } from '../../findings/model.js';
import type { ZipArchive } from '../zip/types.js';
import type { SchemeBlockResult } from './scheme-block.js';
import { BLOCK_IDS, findSigningBlock } from './signing-block.js';
import type { SchemeName, SchemeResult, SigningOptions, SigningReport } from './types.js';
import { verifyV1 } from './v1.js';
import { readV2 } from './v2.js';
import { readV3 } from './v3.js';

export type { SchemeName, SchemeStatus, Signer, SigningOptions, SigningReport } from './types.js';

const N = 24;
const P = 28;
const R = 30;

export function readSigning(bytes: Uint8Array, zip: ZipArchive, opts: SigningOptions = {}): SigningReport {
  const minSdk = opts.minSdk ?? N;
  const warnings: Warning[] = [];
  const problems: string[] = [];
  const considered = new Set<SchemeName>();
  const results: Partial<Record<SchemeName, SchemeResult>> = {};
  const block = findSigningBlock(bytes, zip, warnings);
  const pair = (id: number) => block?.pairs.find((p) => p.id === id);
  const ctx = { bytes, zip, blockOffset: block?.offset ?? zip.cdOffset };
  const found = new Set<number>();

  const take = (name: SchemeName, r: SchemeResult | undefined, consult: boolean) => {
    if (!r) return;
    results[name] = r;
    if (consult) {
      considered.add(name);
      problems.push(...r.problems);
      warnings.push(...r.warnings);
    } else {
      warnings.push(...r.warnings);
      for (const p of r.problems)
        warnings.push({
          name: 'signature-ignored-problem',
          detail: `${p} (not consulted for minSdk ${minSdk})`,
        });
    }
  };

  // v3 and v3.1
  const v3 = readV3(pair(BLOCK_IDS.v3), pair(BLOCK_IDS.v31), ctx, minSdk);
  take('v3', v3.v3, true);
  take('v31', v3.v31, true);
  if (v3.v3) found.add(3);

  // v2: below Android 9 or without v3; its stripping protection names the schemes it was signed with
  let v2: SchemeBlockResult | undefined;
  const v2Pair = pair(BLOCK_IDS.v2);
  if (v2Pair && problems.length === 0) {
    v2 = readV2(v2Pair, ctx);
    const consult = minSdk < P || found.size === 0;
    if (consult) {
      for (const id of v2.strippingRefs) {
        if ((id === 3 || id === 2) && !found.has(id)) {
          v2.problems.push(
            `APK Signature Scheme v2 signer: its stripping protection says the APK is signed using APK Signature Scheme v${id} but no such signature was found. Signature stripped?`,
          );
          v2.status = 'failed';
        }
      }
    }
    take('v2', v2, consult);
    if (consult) found.add(2);
  }

  // v1: below Android 7 or without v2/v3
  if (problems.length === 0) {
    const v1 = verifyV1(bytes, zip, minSdk, found);
    const consult = minSdk < N || found.size === 0;
    if (consult && v1.missing) problems.push(v1.missing);
    if (v1.status !== 'absent' || consult) take('v1', v1, consult);
    if (consult && v1.status !== 'absent') considered.add('v1');
    if (problems.length === 0) crossCheck(results, considered, v1.certs, v2, v3.v3, problems);
  }

  const ok = (s: SchemeName) => considered.has(s) && results[s]?.status === 'verified';
  if (
    problems.length === 0 &&
    opts.targetSdk !== undefined &&
    opts.targetSdk >= R &&
    !ok('v2') &&
    !ok('v3') &&
    !ok('v31')
  ) {
    problems.push(
      `Target SDK version ${opts.targetSdk} requires a minimum of signature scheme v2; the APK is not signed with this or a later signature scheme`,
    );
  }

  const status = (s: SchemeName) => results[s]?.status ?? 'absent';
  const primary: SchemeName | undefined = ok('v3') ? 'v3' : ok('v2') ? 'v2' : ok('v1') ? 'v1' : undefined;
  const bySchemes: SigningReport['bySchemes'] = {};
  for (const [k, r] of Object.entries(results)) if (r.signers.length) bySchemes[k as SchemeName] = r.signers;
  return {
    schemes: { v1: status('v1'), v2: status('v2'), v3: status('v3'), v31: status('v31') },
    considered: [...considered],
    signers: primary ? (results[primary]?.signers ?? []) : [],
    bySchemes,
    verified: problems.length === 0 && primary !== undefined,
    problems,
    warnings,
    ...(block
      ? {
          block: {
            offset: block.offset,
            length: block.length,
            pairs: block.pairs.map((p) => ({
              id: p.id,
              name: p.name,
              offset: p.offset,
              length: p.value.length,
            })),
          },
        }
      : {}),
  };
}

/** The schemes must agree on who signed: same certificates for v1 and v2; v3's lineage starting at them. */
function crossCheck(
  results: Partial<Record<SchemeName, SchemeResult>>,
  considered: Set<SchemeName>,
  v1Certs: { certSha256: string }[],
  v2: SchemeBlockResult | undefined,
  v3: SchemeBlockResult | undefined,
  problems: string[],
): void {
  const ok = (s: SchemeName) => considered.has(s) && results[s]?.status === 'verified';
  const v1s = v1Certs.map((c) => c.certSha256);
  const v2s = v2?.certs.map((c) => c.certSha256) ?? [];
  if (ok('v1') && ok('v2')) {
    if (v1s.some((c) => !v2s.includes(c)))
      problems.push('a JAR signer has no matching APK Signature Scheme v2 signer');
    if (v2s.some((c) => !v1s.includes(c)))
      problems.push('an APK Signature Scheme v2 signer has no matching JAR signer');
  }
  if (ok('v3') && v3 && (ok('v1') || ok('v2'))) {
    const old = ok('v1') ? v1s : v2s;
    if (old.length !== 1)
      problems.push('APK Signature Scheme v3 supports one past signer; v1/v2 have several');
    const lineage = v3.lineage;
    if (!lineage) {
      if (v3.certs.length !== 1) problems.push('APK Signature Scheme v3 has several signers and no lineage');
      if (old[0] !== v3.certs[0]?.certSha256)
        problems.push(
          'APK Signature Scheme v3 signer differs from the v1/v2 signer and no lineage links them',
        );
    } else if (lineage[0]?.cert.certSha256 !== old[0]) {
      problems.push('the v1/v2 signer is not the first certificate of the APK Signature Scheme v3 lineage');
    }
  }
}

/**
 * APK Signature Scheme v3 (Android 9+) and v3.1 (Android 13+, key rotation aimed at newer
 * platforms): signers with the SDK range each applies to, a proof-of-rotation lineage, and the
 * rules that tie the two blocks together, as current apksig states them:
 * - v3's signers, sorted by min SDK, leave no gap and cover [max(minSdk, 28), ∞) — or up to just
 *   before v3.1's first SDK when a v3.1 block is there;
 * - a v3 signer naming a rotation min SDK needs a v3.1 block starting exactly there (else it was
 *   stripped); a v3.1 block needs a v3 block.
 */
import { type SchemeBlockResult, type SchemeContext, verifySchemeBlock } from './scheme-block.js';
import type { BlockPair } from './signing-block.js';
import type { Signer } from './types.js';

const P = 28;
const MAX_SDK = 0x7fffffff;

function coverageProblem(title: string, signers: Signer[], from: number, to: number): string | undefined {
  const sorted = [...signers].sort((a, b) => a.minSdk! - b.minSdk!);
  let lastMax: number | undefined;
  for (const s of sorted) {
    if (lastMax !== undefined && s.minSdk! !== lastMax + 1)
      return `${title}: inconsistent SDK versions between signers`;
    lastMax = s.maxSdk!;
  }
  const first = sorted[0];
  if (first && (first.minSdk! > from || lastMax! < to)) {
    const upTo = to === MAX_SDK ? '∞' : String(to);
    return `${title}: signers cover SDK ${first.minSdk}..${lastMax}, ${from}..${upTo} required`;
  }
  return undefined;
}

export interface V3Results {
  v3?: SchemeBlockResult;
  v31?: SchemeBlockResult;
}

export function readV3(
  v3: BlockPair | undefined,
  v31: BlockPair | undefined,
  ctx: SchemeContext,
  minSdk: number,
): V3Results {
  const out: V3Results = {
    v3: v3 && verifySchemeBlock('v3', v3.value, v3.offset, ctx),
    v31: v31 && verifySchemeBlock('v31', v31.value, v31.offset, ctx),
  };
  const r3 = out.v3;
  const r31 = out.v31;
  if (r31 && !r3) {
    r31.problems.push('APK Signature Scheme v3.1 block found without a v3 block');
    r31.status = 'failed';
  }
  if (r31?.status === 'verified') {
    // v3.1 signers need no particular start or end: only gaps between them matter.
    const gap = coverageProblem('APK Signature Scheme v3.1', r31.signers, MAX_SDK, 0);
    if (gap) r31.problems.push(gap);
  }
  const v31From = r31?.status === 'verified' ? Math.min(...r31.signers.map((s) => s.minSdk!)) : undefined;
  if (r3?.status === 'verified') {
    const to = v31From !== undefined ? v31From - 1 : MAX_SDK;
    const gap = coverageProblem('APK Signature Scheme v3', r3.signers, Math.max(minSdk, P), to);
    if (gap) r3.problems.push(gap);
    if (r3.rotationMinSdk !== undefined && !r31) {
      r3.problems.push(
        `APK Signature Scheme v3 signer names rotation from SDK ${r3.rotationMinSdk} but no v3.1 block was found: stripped?`,
      );
    } else if (r3.rotationMinSdk !== undefined && v31From !== undefined && r3.rotationMinSdk !== v31From) {
      r3.problems.push(
        `APK Signature Scheme v3 signer names rotation from SDK ${r3.rotationMinSdk}, the v3.1 block starts at ${v31From}`,
      );
    } else if (r3.rotationMinSdk === undefined && r31) {
      r3.warnings.push({
        name: 'apk-signature-v31-attribute-missing',
        detail:
          'APK Signature Scheme v3 signer lacks the rotation-min-sdk attribute that protects the v3.1 block',
      });
    }
  }
  for (const r of [r3, r31]) if (r && r.problems.length > 0) r.status = 'failed';
  return out;
}

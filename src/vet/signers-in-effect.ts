/**
 * Who signs an app, as a device will see it: the signers of the scheme the report judged by
 * (v3, v2 or v1), then those of a verified v3.1 block, which Android 13 and later use instead.
 * A v3.1 block is how a key is rotated for new devices only, so without it a rotation would pass
 * a diff as "same signer" (QA: apksig's v31 vectors). Each certificate once, in that order.
 */
import type { VetSigner, VetSigning } from './model.js';

export interface SignerInEffect extends VetSigner {
  /** Only Android 13 and later use it (APK Signature Scheme v3.1). */
  rotatedFor13?: true;
}

export function signersInEffect(s: VetSigning | undefined): SignerInEffect[] {
  if (!s) return [];
  const out = new Map<string, SignerInEffect>();
  for (const g of s.signers) if (!out.has(g.certSha256)) out.set(g.certSha256, g);
  if (s.schemes.v31 === 'verified')
    for (const g of s.v31Signers ?? [])
      if (!out.has(g.certSha256)) out.set(g.certSha256, { ...g, rotatedFor13: true });
  return [...out.values()];
}

/**
 * APK Signature Scheme v2 (Android 7.0+): its block's signers, verified, and the schemes its
 * stripping-protection attribute says the APK also carries (checked by index.ts against what was found).
 */
import { type SchemeBlockResult, type SchemeContext, verifySchemeBlock } from './scheme-block.js';
import type { BlockPair } from './signing-block.js';

export const readV2 = (pair: BlockPair, ctx: SchemeContext): SchemeBlockResult =>
  verifySchemeBlock('v2', pair.value, pair.offset, ctx);

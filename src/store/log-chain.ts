/**
 * The HMAC chain over log rows: mac(n) = HMAC-SHA256(key, mac(n-1) ‖ '\n' ‖ seq ‖ '\n' ‖
 * canonical JSON of the row). Canonical JSON sorts object keys, so the MAC does not depend on
 * the order a caller built the object in.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { nativeMacChain } from '../native/mac-chain.js';
import type { LogRow } from './types.js';

export function chainMac(key: Uint8Array, prevMac: string, seq: number, row: LogRow): string {
  return chainMacOfText(key, prevMac, seq, canonicalJson(row));
}

/** The same MAC from the row's canonical JSON text, when the writer already has it (row-json.ts). */
export function chainMacOfText(key: Uint8Array, prevMac: string, seq: number, canonical: string): string {
  return createHmac('sha256', key).update(`${prevMac}\n${seq}\n${canonical}`).digest('hex');
}

/**
 * The MACs of rows `firstSeq`, `firstSeq + 1`, … chained after `prevMac` ('' before the first
 * row), for texts already canonical: one native call for the batch where the addon has one
 * (mac-chain.c), else chainMacOfText row by row. A text holding a newline (never canonical JSON,
 * but the native call splits on them) takes the row-by-row path.
 */
export function chainMacsOfTexts(
  key: Uint8Array,
  prevMac: string,
  firstSeq: number,
  texts: readonly string[],
): string[] {
  const native = nativeMacChain();
  if (native && texts.length > 0 && !texts.some((t) => t.includes('\n'))) {
    const all = native(key, prevMac, firstSeq, texts.join('\n'));
    if (all.length === 64 * texts.length) {
      const macs = new Array<string>(texts.length);
      for (let i = 0; i < texts.length; i++) macs[i] = all.slice(64 * i, 64 * i + 64);
      return macs;
    }
  }
  const macs = new Array<string>(texts.length);
  let prev = prevMac;
  for (let i = 0; i < texts.length; i++) {
    prev = chainMacOfText(key, prev, firstSeq + i, texts[i]!);
    macs[i] = prev;
  }
  return macs;
}

/**
 * The event log's HMAC chain for a batch of rows in one native call (mac-chain.c): ~0.8 µs a row
 * against ~3–6 µs for createHmac, whose per-call overhead is most of the log thread's MAC time.
 * Undefined when the addon was not built or AIRLOCK_NO_NATIVE_MAC=1 (log-chain.ts then MACs each
 * row with createHmac; both give the same MACs, which the tests check).
 */
import { loadAddon } from './addon.js';

/** `bodies` joined by '\n' → each row's MAC as 64 hex digits, concatenated. Throws on bad arguments. */
export type NativeMacChain = (key: Uint8Array, prevMac: string, firstSeq: number, bodies: string) => string;

let fn: NativeMacChain | undefined | null = null;

export function nativeMacChain(): NativeMacChain | undefined {
  if (process.env.AIRLOCK_NO_NATIVE_MAC === '1') return undefined;
  if (fn === null) {
    const f = loadAddon().addon?.macChain;
    fn = typeof f === 'function' ? (f as NativeMacChain) : undefined;
  }
  return fn;
}

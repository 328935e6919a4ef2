/**
 * The HMAC chain over log rows: mac(n) = HMAC-SHA256(key, mac(n-1) ‖ '\n' ‖ seq ‖ '\n' ‖
 * canonical JSON of the row). Canonical JSON sorts object keys, so the MAC does not depend on
 * the order a caller built the object in.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { LogRow } from './types.js';

export function chainMac(key: Uint8Array, prevMac: string, seq: number, row: LogRow): string {
  return chainMacOfText(key, prevMac, seq, canonicalJson(row));
}

/** The same MAC from the row's canonical JSON text, when the writer already has it (row-json.ts). */
export function chainMacOfText(key: Uint8Array, prevMac: string, seq: number, canonical: string): string {
  return createHmac('sha256', key).update(`${prevMac}\n${seq}\n${canonical}`).digest('hex');
}

/**
 * The HMAC chain over log rows: mac(n) = HMAC-SHA256(key, mac(n-1) ‖ '\n' ‖ seq ‖ '\n' ‖
 * canonical JSON of the row). Canonical JSON sorts object keys, so the MAC does not depend on
 * the order a caller built the object in.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { LogRow } from './types.js';

export function chainMac(key: Uint8Array, prevMac: string, seq: number, row: LogRow): string {
  return createHmac('sha256', key)
    .update(`${prevMac}\n${seq}\n${canonicalJson(row)}`)
    .digest('hex');
}

/**
 * The HMAC chain over log rows: mac(n) = HMAC-SHA256(key, mac(n-1) ‖ '\n' ‖ seq ‖ '\n' ‖
 * canonical JSON of the row). Canonical JSON sorts object keys, so the MAC does not depend on
 * the order a caller built the object in.
 */
import { createHmac } from 'node:crypto';
import type { LogRow } from './types.js';

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

export function chainMac(key: Uint8Array, prevMac: string, seq: number, row: LogRow): string {
  return createHmac('sha256', key)
    .update(`${prevMac}\n${seq}\n${canonicalJson(row)}`)
    .digest('hex');
}

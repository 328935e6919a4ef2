/**
 * A stable fingerprint of the resolved policy, recorded with every scrub and gateway decision
 * so evidence says which rules applied. Canonical JSON: keys sorted at every depth, arrays in
 * order, undefined left out. Zones are hashed by content (their shapes), so editing an imported
 * zone file changes the hash even when airlock.yaml does not change.
 */
import { createHash } from 'node:crypto';
import type { Policy } from './types.js';

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  // -0 and 0 are the same policy.
  return JSON.stringify(typeof v === 'number' && Object.is(v, -0) ? 0 : v);
}

export const policyHash = (policy: Policy): string =>
  `sha256:${createHash('sha256').update(canonicalJson(policy)).digest('hex')}`;

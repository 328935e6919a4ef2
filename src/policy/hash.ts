/**
 * A stable fingerprint of the resolved policy, recorded with every scrub and gateway decision
 * so evidence says which rules applied. Canonical JSON: keys sorted at every depth, arrays in
 * order, undefined left out. Zones are hashed by content (their shapes), so editing an imported
 * zone file changes the hash even when airlock.yaml does not change.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { Policy } from './types.js';

export const policyHash = (policy: Policy): string =>
  `sha256:${createHash('sha256').update(canonicalJson(policy)).digest('hex')}`;

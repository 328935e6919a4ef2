/**
 * Which catalog entry describes a name. Unknown stays unknown: no fuzzy matching, no guessing
 * from the registrable domain. The most specific pattern wins (exact beats '*.', longer suffix
 * beats shorter), with the policy allowlist's rule that '*.x.com' does not cover x.com.
 */
import { mostSpecific, normalizeName } from '../policy/egress/names.js';
import { CATALOG } from './entries.js';
import type { CatalogEntry } from './types.js';

export function lookup(name: string, catalog: readonly CatalogEntry[] = CATALOG): CatalogEntry | undefined {
  const n = normalizeName(name);
  return n === undefined ? undefined : mostSpecific(catalog, (e) => e.host, n);
}

/** Field-by-field override of one policy layer by another (defaults ← profile ← file). */

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Values in `over` replace those in `base`; nested objects merge key by key. Arrays and
 * LocationRule objects (they carry an `action`) are single values: a file's `keep` list
 * replaces the profile's, and `drone: drop` replaces `{action: 'coarsen', metres: 1000}` whole.
 */
export function overlay<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over) || 'action' in over) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = overlay(base[k], v);
  return out as T;
}

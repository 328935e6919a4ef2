/**
 * Host names and host patterns. A pattern is 'host.example' (that name only) or '*.example'
 * (any name UNDER example: 'a.example', 'b.a.example' — but NOT 'example' itself, as in TLS
 * wildcard certificates and the policy file's comments; list 'example' too to allow it).
 */

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Names normalised lately: the gateway asks about the same few names per request, twice. */
const recent = new Map<string, string | undefined>();
const MAX_RECENT = 4096;

/** Lower case, one trailing dot removed; undefined when it is not a DNS name. */
export function normalizeName(name: string): string | undefined {
  // Longer than any name (253, and a trailing dot): not worth a place in the cache.
  if (name.length > 254) return undefined;
  if (recent.has(name)) return recent.get(name);
  const n = normalize(name);
  if (recent.size >= MAX_RECENT) recent.clear();
  recent.set(name, n);
  return n;
}

function normalize(name: string): string | undefined {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n.length === 0 || n.length > 253) return undefined;
  for (const label of n.split('.')) if (!LABEL.test(label)) return undefined;
  return n;
}

/** Does `pattern` cover the (normalised) `name`? */
export function matchesPattern(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  if (!p.startsWith('*.')) return p === name;
  const suffix = p.slice(1); // '.example'
  return name.length > suffix.length && name.endsWith(suffix);
}

/** Specificity of a pattern: exact names beat wildcards, longer suffixes beat shorter ones. */
export function specificity(pattern: string): number {
  return pattern.startsWith('*.') ? pattern.length - 2 : 1000 + pattern.length;
}

/** The most specific of `items` whose pattern covers `name` (ties: the first listed). */
export function mostSpecific<T>(
  items: readonly T[],
  patternOf: (t: T) => string,
  name: string,
): T | undefined {
  let best: T | undefined;
  let bestScore = -1;
  for (const item of items) {
    const p = patternOf(item);
    if (!matchesPattern(p, name)) continue;
    const s = specificity(p);
    if (s > bestScore) {
      best = item;
      bestScore = s;
    }
  }
  return best;
}

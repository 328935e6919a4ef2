/**
 * Canonical JSON: object keys sorted at every depth, arrays in order, undefined members left out
 * (undefined array items and a bare undefined are null). The same value always gives the same
 * text, whatever order its objects were built in: what the policy hash and the log chain's MACs
 * are computed over. A plain loop, not entries/filter/sort/map/join: the gateway computes one per
 * log row, thousands a second.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(v[i]);
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${canonicalJson(x)}`;
  }
  return `${out}}`;
}

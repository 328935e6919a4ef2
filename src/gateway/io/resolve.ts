/** Name resolution for upstream connections: the system resolver, every address, in its order. */
import { lookup } from 'node:dns/promises';

export async function systemResolve(host: string): Promise<string[]> {
  const all = await lookup(host, { all: true, verbatim: true });
  return all.map((a) => a.address);
}

/**
 * Keeps answers for `ttlMs` and joins concurrent lookups of one name, so a busy name costs one
 * lookup (a thread-pool round trip) per interval instead of one per request. An answer already
 * known is returned as is, not as a promise: the proxy judges it in the same turn. Failures are
 * not kept. Every address is still judged by the gate per connection: this only saves the lookup.
 */
export function cachingResolve(
  resolve: (host: string) => Promise<string[]>,
  ttlMs: number,
  maxNames = 4096,
  now: () => number = Date.now,
): (host: string) => readonly string[] | Promise<readonly string[]> {
  interface Kept {
    at: number;
    answer: Promise<string[]>;
    /** The answer, once it came. */
    known?: readonly string[];
  }
  const kept = new Map<string, Kept>();
  return (host) => {
    const t = now();
    const hit = kept.get(host);
    if (hit && t - hit.at < ttlMs) return hit.known ?? hit.answer;
    if (kept.size >= maxNames) kept.clear();
    const answer = resolve(host);
    const entry: Kept = { at: t, answer };
    kept.set(host, entry);
    answer.then(
      (addresses) => {
        entry.known = addresses;
      },
      () => {
        if (kept.get(host) === entry) kept.delete(host);
      },
    );
    return answer;
  };
}

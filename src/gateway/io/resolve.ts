/** Name resolution for upstream connections: the system resolver, every address, in its order. */
import { lookup } from 'node:dns/promises';

export async function systemResolve(host: string): Promise<string[]> {
  const all = await lookup(host, { all: true, verbatim: true });
  return all.map((a) => a.address);
}

/**
 * Keeps answers for `ttlMs` and joins concurrent lookups of one name, so a busy name costs one
 * lookup (a thread-pool round trip) per interval instead of one per request. Failures are not
 * kept. Every address is still judged by the gate per connection: this only saves the lookup.
 */
export function cachingResolve(
  resolve: (host: string) => Promise<string[]>,
  ttlMs: number,
  maxNames = 4096,
  now: () => number = Date.now,
): (host: string) => Promise<string[]> {
  const kept = new Map<string, { at: number; answer: Promise<string[]> }>();
  return (host) => {
    const t = now();
    const hit = kept.get(host);
    if (hit && t - hit.at < ttlMs) return hit.answer;
    if (kept.size >= maxNames) kept.clear();
    const answer = resolve(host);
    kept.set(host, { at: t, answer });
    answer.catch(() => {
      if (kept.get(host)?.answer === answer) kept.delete(host);
    });
    return answer;
  };
}

/**
 * Queries per client per minute, as a sliding window: a query is refused when the client has
 * already made `max` queries in the 60 000 ms before it. Refused queries count too, so a
 * tunnelling burst stays throttled. Memory per client is bounded by `max` timestamps.
 */

export const MINUTE_MS = 60_000;

export class DnsRateLimiter {
  private readonly clients = new Map<string, number[]>();

  constructor(readonly maxPerMinute: number) {}

  /** Records the query; true when it is within the limit. */
  admit(client: string, nowMs: number): boolean {
    let times = this.clients.get(client);
    if (!times) {
      times = [];
      this.clients.set(client, times);
    }
    while (times.length > 0 && nowMs - times[0]! >= MINUTE_MS) times.shift();
    const ok = times.length < this.maxPerMinute;
    times.push(nowMs);
    // Only the newest `max` matter for the decision: keep memory bounded.
    if (times.length > this.maxPerMinute) times.shift();
    return ok;
  }

  prune(nowMs: number): void {
    for (const [client, times] of this.clients) {
      if (times.length === 0 || nowMs - times[times.length - 1]! >= MINUTE_MS) this.clients.delete(client);
    }
  }
}

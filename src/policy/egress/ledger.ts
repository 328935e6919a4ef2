/**
 * Rolling per-destination upstream byte counts over the last hour. Bytes sent at time t count
 * while now - t < windowMs, and age out exactly at t + windowMs. Sends within one bucket
 * (bucketMs) share an entry stamped with the LAST send's time, so memory per key is bounded
 * (windowMs / bucketMs entries) and coalescing can only make bytes age out later, never earlier.
 */

interface Entry {
  bucket: number;
  lastMs: number;
  bytes: number;
}

export const HOUR_MS = 3_600_000;

export class RollingLedger {
  private readonly keys = new Map<string, { entries: Entry[]; total: number }>();

  constructor(
    readonly windowMs = HOUR_MS,
    readonly bucketMs = 1000,
  ) {}

  /** Bytes counted for `key` at `nowMs`. */
  total(key: string, nowMs: number): number {
    const k = this.keys.get(key);
    if (!k) return 0;
    this.expire(key, k, nowMs);
    return k.total;
  }

  add(key: string, bytes: number, nowMs: number): void {
    if (bytes <= 0) return;
    let k = this.keys.get(key);
    if (!k) {
      k = { entries: [], total: 0 };
      this.keys.set(key, k);
    }
    const bucket = Math.floor(nowMs / this.bucketMs);
    const last = k.entries[k.entries.length - 1];
    if (last && last.bucket === bucket) {
      last.bytes += bytes;
      last.lastMs = Math.max(last.lastMs, nowMs);
    } else {
      k.entries.push({ bucket, lastMs: nowMs, bytes });
    }
    k.total += bytes;
  }

  /** Keys with counted bytes (for stats and tests). */
  size(): number {
    return this.keys.size;
  }

  /** Drops every key whose bytes have all aged out: memory follows live destinations only. */
  prune(nowMs: number): void {
    for (const [key, k] of this.keys) this.expire(key, k, nowMs);
  }

  private expire(key: string, k: { entries: Entry[]; total: number }, nowMs: number): void {
    let drop = 0;
    while (drop < k.entries.length && nowMs - k.entries[drop]!.lastMs >= this.windowMs) {
      k.total -= k.entries[drop]!.bytes;
      drop++;
    }
    if (drop > 0) k.entries.splice(0, drop);
    if (k.entries.length === 0) this.keys.delete(key);
  }
}

/**
 * The names that left the gateway as queries (a lookup, a forwarded DNS query) within the last
 * window, each with when it was counted: a name is charged once per window, since sending the
 * same name again carries nothing new. Kept in the order counted, so expired names sit at the
 * front. Bounded: when full the oldest is forgotten, and is charged again if it comes back —
 * forgetting can only count more, never less.
 */
export class SentNames {
  private readonly at = new Map<string, number>();

  constructor(
    readonly windowMs = HOUR_MS,
    readonly max = 16_384,
  ) {}

  /** Was `name` counted less than windowMs before `nowMs`? */
  has(name: string, nowMs: number): boolean {
    const t = this.at.get(name);
    return t !== undefined && nowMs - t < this.windowMs;
  }

  add(name: string, nowMs: number): void {
    this.at.delete(name);
    if (this.at.size >= this.max) {
      const oldest = this.at.keys().next();
      if (!oldest.done) this.at.delete(oldest.value);
    }
    this.at.set(name, nowMs);
  }

  size(): number {
    return this.at.size;
  }

  prune(nowMs: number): void {
    for (const [name, t] of this.at) {
      if (nowMs - t < this.windowMs) break;
      this.at.delete(name);
    }
  }
}

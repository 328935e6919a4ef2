/**
 * Bytes up over time for one destination, in two bounded forms: a timeline whose bin width
 * doubles whenever it would exceed maxTimelineBins (for the HTML chart), and one-second buckets
 * over the last hour, whose running sum gives the largest rolling-hour upload (the hourly budget).
 */
import { AUDIT_LIMITS } from './limits.js';
import { VERDICT_THRESHOLDS } from './thresholds.js';

const BASE_BIN_MS = 1000;

export class UpTimeline {
  binMs = BASE_BIN_MS;
  /** bin index (floor(ms / binMs)) → bytes. */
  readonly bins = new Map<number, number>();
  /** Rolling hour: [second, bytes] in time order, and their sum. */
  private readonly secs: number[] = [];
  private readonly secBytes: number[] = [];
  private head = 0;
  private hourSum = 0;
  maxHour = 0;

  add(ms: number, bytes: number): void {
    if (bytes <= 0) return;
    const i = Math.floor(ms / this.binMs);
    this.bins.set(i, (this.bins.get(i) ?? 0) + bytes);
    if (this.bins.size > AUDIT_LIMITS.maxTimelineBins) this.widen();
    this.addHour(Math.floor(ms / 1000), bytes);
  }

  private widen(): void {
    const old = [...this.bins];
    this.bins.clear();
    this.binMs *= 2;
    for (const [i, b] of old) {
      const j = Math.floor(i / 2);
      this.bins.set(j, (this.bins.get(j) ?? 0) + b);
    }
  }

  private addHour(sec: number, bytes: number): void {
    const n = this.secs.length;
    // Out-of-order timestamps (several captures, clock steps) count in the newest second.
    const last = n > this.head ? this.secs[n - 1]! : Number.NEGATIVE_INFINITY;
    if (sec <= last) this.secBytes[n - 1]! += bytes;
    else {
      this.secs.push(sec);
      this.secBytes.push(bytes);
    }
    this.hourSum += bytes;
    const windowSec = VERDICT_THRESHOLDS.hourMs / 1000;
    const now = Math.max(sec, last);
    while (this.head < this.secs.length && this.secs[this.head]! <= now - windowSec) {
      this.hourSum -= this.secBytes[this.head]!;
      this.head++;
    }
    if (this.head > AUDIT_LIMITS.hourBuckets) {
      this.secs.splice(0, this.head);
      this.secBytes.splice(0, this.head);
      this.head = 0;
    }
    if (this.hourSum > this.maxHour) this.maxHour = this.hourSum;
  }
}

/**
 * Idle upstream connections kept for the next request to the same destination, so a keep-alive
 * client does not pay a TCP connect per request. A connection is only ever taken under the key it
 * was released with (one destination as the gate judged it: name, address, port), and only after
 * the new request was judged (the core asks for it in 'open-upstream'). An idle connection that
 * the upstream closes, errors, or that speaks unasked is dropped; none is reused after `idleMs`
 * idle (one sweep drops it within a quarter of that).
 */
import type { Socket } from 'node:net';
import { disown, readerOf, type UpstreamReader } from './upstream-reader.js';

export interface UpstreamPoolLimits {
  /** Time an idle connection is kept (below common server keep-alive timeouts). */
  idleMs: number;
  maxIdlePerKey: number;
  maxIdle: number;
}

export const DEFAULT_POOL_LIMITS: UpstreamPoolLimits = { idleMs: 4000, maxIdlePerKey: 64, maxIdle: 1024 };

interface Idle {
  socket: Socket;
  reader: UpstreamReader;
  /** When it was released (ms): idle past limits.idleMs, it is dropped. */
  since: number;
}

export class UpstreamPool {
  private readonly byKey = new Map<string, Idle[]>();
  private count = 0;
  /** One sweep for every idle connection, instead of a socket timer armed and cleared per request. */
  private sweeper: NodeJS.Timeout | undefined;
  /** Connections handed out again (tests, metrics). */
  reused = 0;

  constructor(
    private readonly limits: UpstreamPoolLimits = DEFAULT_POOL_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get idle(): number {
    return this.count;
  }

  /** An idle connection for `key` (the most recently used, not idle too long), or undefined. */
  take(key: string): Socket | undefined {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    const t = this.now();
    for (let it = list.pop(); it; it = list.pop()) {
      this.count--;
      disown(it.reader);
      if (t - it.since < this.limits.idleMs && !it.socket.destroyed) {
        if (list.length === 0) this.byKey.delete(key);
        this.reused++;
        return it.socket;
      }
      it.socket.destroy();
    }
    this.byKey.delete(key);
    this.stopSweeping();
    return undefined;
  }

  /** Keeps `socket` idle under `key`; the caller has given up its reader's slots (disown). */
  give(key: string, socket: Socket): void {
    const list = this.byKey.get(key) ?? [];
    const reader = readerOf(socket);
    if (
      !reader ||
      socket.destroyed ||
      !socket.writable ||
      list.length >= this.limits.maxIdlePerKey ||
      this.count >= this.limits.maxIdle
    ) {
      socket.destroy();
      return;
    }
    const entry: Idle = { socket, reader, since: this.now() };
    const gone = (): void => this.drop(key, entry);
    // Bytes, an end or an error from an idle connection were never asked for: it is dropped.
    reader.onData = gone;
    reader.onEnd = gone;
    reader.onClose = gone;
    reader.onError = gone;
    reader.holds = () => false;
    socket.resume();
    list.push(entry);
    this.byKey.set(key, list);
    this.count++;
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(100, this.limits.idleMs / 4)).unref();
  }

  /** Drops every idle connection. */
  close(): void {
    for (const list of this.byKey.values()) for (const it of list) it.socket.destroy();
    this.byKey.clear();
    this.count = 0;
    this.stopSweeping();
  }

  private drop(key: string, entry: Idle): void {
    const l = this.byKey.get(key);
    const i = l ? l.indexOf(entry) : -1;
    if (i >= 0) {
      l!.splice(i, 1);
      if (l!.length === 0) this.byKey.delete(key);
      this.count--;
    }
    disown(entry.reader);
    entry.socket.destroy();
    this.stopSweeping();
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, list] of this.byKey)
      for (const it of [...list]) if (t - it.since >= this.limits.idleMs) this.drop(key, it);
  }

  private stopSweeping(): void {
    if (this.count > 0 || !this.sweeper) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

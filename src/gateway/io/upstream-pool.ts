/**
 * Idle upstream connections kept for the next request to the same destination, so a keep-alive
 * client does not pay a TCP connect per request. A connection is only ever taken under the key it
 * was released with (one destination as the gate judged it: name, address, port), and only after
 * the new request was judged (the core asks for it in 'open-upstream'). An idle connection that
 * the upstream closes, errors, or that speaks unasked is dropped; none stays idle past `idleMs`.
 */
import type { Socket } from 'node:net';
import { readerOf } from './upstream-reader.js';

export interface UpstreamPoolLimits {
  /** Time an idle connection is kept (below common server keep-alive timeouts). */
  idleMs: number;
  maxIdlePerKey: number;
  maxIdle: number;
}

export const DEFAULT_POOL_LIMITS: UpstreamPoolLimits = { idleMs: 4000, maxIdlePerKey: 64, maxIdle: 1024 };

interface Idle {
  socket: Socket;
  drop: () => void;
}

export class UpstreamPool {
  private readonly byKey = new Map<string, Idle[]>();
  private count = 0;
  /** Connections handed out again (tests, metrics). */
  reused = 0;

  constructor(private readonly limits: UpstreamPoolLimits = DEFAULT_POOL_LIMITS) {}

  get idle(): number {
    return this.count;
  }

  /** An idle connection for `key` (the most recently used), or undefined. */
  take(key: string): Socket | undefined {
    const list = this.byKey.get(key);
    const it = list?.pop();
    if (!it) return undefined;
    if (list!.length === 0) this.byKey.delete(key);
    this.count--;
    it.drop();
    this.reused++;
    return it.socket;
  }

  /** Keeps `socket` idle under `key`; the caller has removed its own listeners. */
  give(key: string, socket: Socket): void {
    const list = this.byKey.get(key) ?? [];
    if (
      socket.destroyed ||
      !socket.writable ||
      list.length >= this.limits.maxIdlePerKey ||
      this.count >= this.limits.maxIdle
    ) {
      socket.destroy();
      return;
    }
    const gone = (): void => {
      const l = this.byKey.get(key);
      const i = l ? l.indexOf(entry) : -1;
      if (i >= 0) {
        l!.splice(i, 1);
        if (l!.length === 0) this.byKey.delete(key);
        this.count--;
      }
      entry.drop();
      socket.destroy();
    };
    const reader = readerOf(socket);
    const entry: Idle = {
      socket,
      drop: () => {
        if (reader) reader.onData = () => {};
        socket.off('data', gone);
        socket.off('end', gone);
        socket.off('close', gone);
        socket.off('error', gone);
        socket.off('timeout', gone);
        socket.setTimeout(0);
      },
    };
    // Bytes from an idle connection were never asked for: it is dropped.
    if (reader) {
      reader.onData = gone;
      reader.holds = () => false;
    }
    socket.on('data', gone);
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', gone);
    socket.on('timeout', gone);
    socket.setTimeout(this.limits.idleMs);
    socket.resume();
    list.push(entry);
    this.byKey.set(key, list);
    this.count++;
  }

  /** Drops every idle connection. */
  close(): void {
    for (const list of this.byKey.values()) for (const it of list) it.socket.destroy();
    this.byKey.clear();
    this.count = 0;
  }
}

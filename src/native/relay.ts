/**
 * The kernel relay (relay.c, built by node-gyp into build/Release/airlock_native.node): moves
 * bytes from one socket descriptor to another with splice(2), inside Node's event loop, without
 * copying them through JavaScript. Linux only; absent elsewhere, when the addon was not built,
 * or when AIRLOCK_NO_SPLICE=1 (the JS path, kept for comparison and as a fallback).
 */
import { loadAddon } from './addon.js';

declare const relayHandle: unique symbol;
/** One running relay; opaque. */
export type RelayHandle = { readonly [relayHandle]: true };

/** 'end': the source hit EOF and every byte read was written; 'error': errno from splice. */
export type RelayEvent = (kind: 'end' | 'error', errno?: number) => void;

export interface NativeRelay {
  /** Starts moving bytes from → to (dup()s both; the caller keeps and closes its own). Throws on failure. */
  start(fromFd: number, toFd: number, onEvent: RelayEvent): RelayHandle;
  /** Bytes written to toFd so far. */
  moved(h: RelayHandle): number;
  /** Idempotent and synchronous: no event and no byte moved after it. */
  stop(h: RelayHandle): void;
}

let loaded: { addon: NativeRelay | undefined; error?: Error } | undefined;

/** The addon, or why it is missing (tests insist it loads on Linux). */
export function loadRelay(): { addon: NativeRelay | undefined; error?: Error } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    loaded = { addon: undefined };
    return loaded;
  }
  const { addon: a, error } = loadAddon();
  const { start, moved, stop } = (a ?? {}) as Partial<NativeRelay>;
  loaded =
    start && moved && stop
      ? { addon: { start, moved, stop } }
      : { addon: undefined, error: error ?? new Error('airlock_native has no splice relay') };
  return loaded;
}

/** The relay to use now: undefined when splicing is unavailable or turned off (AIRLOCK_NO_SPLICE=1). */
export function nativeRelay(): NativeRelay | undefined {
  if (process.env.AIRLOCK_NO_SPLICE === '1') return undefined;
  return loadRelay().addon;
}

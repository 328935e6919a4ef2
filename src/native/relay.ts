/**
 * The kernel relay (relay.c, built by node-gyp into build/Release/airlock_native.node): moves
 * bytes from one socket descriptor to another with splice(2), inside Node's event loop, without
 * copying them through JavaScript. Linux only; absent elsewhere, when the addon was not built,
 * or when AIRLOCK_NO_SPLICE=1 (the JS path, kept for comparison and as a fallback).
 */
import { createRequire } from 'node:module';

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

interface Addon {
  start?: NativeRelay['start'];
  moved?: NativeRelay['moved'];
  stop?: NativeRelay['stop'];
}

let loaded: { addon: NativeRelay | undefined; error?: Error } | undefined;

/** The addon, or why it is missing (tests insist it loads on Linux). */
export function loadRelay(): { addon: NativeRelay | undefined; error?: Error } {
  if (loaded) return loaded;
  loaded = { addon: undefined };
  if (process.platform !== 'linux') return loaded;
  try {
    const req = createRequire(import.meta.url);
    const path = new URL('../../build/Release/airlock_native.node', import.meta.url).pathname;
    const a = req(path) as Addon;
    loaded =
      a.start && a.moved && a.stop
        ? { addon: { start: a.start, moved: a.moved, stop: a.stop } }
        : { addon: undefined, error: new Error('airlock_native has no splice relay') };
  } catch (e) {
    loaded = { addon: undefined, error: e as Error };
  }
  return loaded;
}

/** The relay to use now: undefined when splicing is unavailable or turned off (AIRLOCK_NO_SPLICE=1). */
export function nativeRelay(): NativeRelay | undefined {
  if (process.env.AIRLOCK_NO_SPLICE === '1') return undefined;
  return loadRelay().addon;
}

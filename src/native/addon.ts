/**
 * Loads airlock_native.node (addon.c, built by node-gyp at install) once, for every part that
 * uses it: the splice relay (relay.ts) and the log's MAC chain (mac-chain.ts). Each part checks
 * for its own functions and has a JavaScript path for when they are missing.
 */
import { createRequire } from 'node:module';

let loaded: { addon: Record<string, unknown> | undefined; error?: Error } | undefined;

/** The addon's exports, or why it could not be loaded. */
export function loadAddon(): { addon: Record<string, unknown> | undefined; error?: Error } {
  if (loaded) return loaded;
  try {
    const req = createRequire(import.meta.url);
    // dist/native/*.js and the bundle's dist/cli/*.js both sit two folders below the root.
    const path = new URL('../../build/Release/airlock_native.node', import.meta.url).pathname;
    loaded = { addon: req(path) as Record<string, unknown> };
  } catch (e) {
    loaded = { addon: undefined, error: e as Error };
  }
  return loaded;
}

/**
 * Unlock windows for the replay, from the store: the file named by --store, else the policy's
 * store.sqlitePath when that file exists. Opened read-only; an audit never creates a store.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AirlockError } from '../core/errors.js';
import type { UnlockWindow } from '../policy/egress/types.js';
import type { Policy } from '../policy/types.js';
import { SqliteStore } from '../store/sqlite.js';

export interface LoadedWindows {
  windows: UnlockWindow[];
  /** The store read, or undefined when there was none. */
  path?: string;
}

/** `policyFile`: the policy's path (relative sqlitePath is relative to its folder; else to cwd). */
export async function loadUnlockWindows(
  policy: Policy,
  policyFile: string | undefined,
  storeFlag: string | undefined,
): Promise<LoadedWindows> {
  const base = policyFile === undefined ? process.cwd() : dirname(resolve(policyFile));
  const configured = policy.store.sqlitePath;
  const path = storeFlag ?? (isAbsolute(configured) ? configured : resolve(base, configured));
  if (!existsSync(path)) {
    if (storeFlag !== undefined)
      throw new AirlockError('AIRLOCK_ERR_USAGE', `--store ${storeFlag}: no such file`, undefined, storeFlag);
    return { windows: [] };
  }
  const store = new SqliteStore(path, { readonly: true });
  try {
    const windows = (await store.unlockWindows()).map(({ host, fromMs, untilMs, reason }) => ({
      host,
      fromMs,
      untilMs,
      reason,
    }));
    return { windows, path };
  } finally {
    await store.close();
  }
}

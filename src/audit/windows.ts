/**
 * Unlock windows for the replay, from the store: the file named by --store, else the policy's
 * store (its PostgreSQL database when store.postgresUrl is set, else store.sqlitePath when that
 * file exists). Opened read-only; an audit never creates a store.
 *
 * A window is applied only when the store's HMAC key authenticates it (store/window-mac.ts): the
 * key named by --hmac-key, else the policy's store.hmacKeyFile. One that does not is reported and
 * not applied. Nor is one that authenticates but is not what its latest chained unlock row says
 * ('chain-mismatch'): a MAC cannot tell an earlier authentic state put back in the database (a
 * relocked window restored as it was) from the current one; the chain can, and the gateway
 * refuses such a window too. Without a readable key no window can be checked, so none is applied
 * (fail closed: whoever can write the database could have added one): each is listed as
 * unverified, and the report says which key to give.
 *
 * Every window is read, over or not (no `endingAfterMs`, unlike the gateway's polls): a capture
 * is from the past, and a window long over may be the one that covered it.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { loadHmacKey } from '../gateway/record/key-file.js';
import type { UnlockWindow } from '../policy/egress/types.js';
import type { Policy } from '../policy/types.js';
import type { WindowCheck } from '../report/audit/model.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { windowFault } from '../store/window-mac.js';

export interface LoadedWindows {
  /** The windows to apply. */
  windows: UnlockWindow[];
  /** The store read, or undefined when there was none. */
  path?: string;
  /** How the store's windows were authenticated, when there was a store. */
  check?: WindowCheck;
}

/** `policyFile`: the policy's path (relative sqlitePath is relative to its folder; else to cwd). */
export async function loadUnlockWindows(
  policy: Policy,
  policyFile: string | undefined,
  storeFlag: string | undefined,
  keyFlag?: string,
): Promise<LoadedWindows> {
  const base = policyFile === undefined ? process.cwd() : dirname(resolve(policyFile));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const postgres = storeFlag === undefined ? policy.store.postgresUrl : null;
  const path = storeFlag ?? at(policy.store.sqlitePath);
  if (!postgres && !existsSync(path)) {
    if (storeFlag !== undefined)
      throw new AirlockError('AIRLOCK_ERR_USAGE', `--store ${storeFlag}: no such file`, undefined, storeFlag);
    return { windows: [] };
  }
  // A key named on the command line must be readable; the policy's may not be (an auditor's copy).
  let key: Uint8Array | undefined;
  let detail: string | undefined;
  const keyPath = keyFlag ?? at(policy.store.hmacKeyFile);
  try {
    key = loadHmacKey(keyPath, { create: false });
  } catch (e) {
    if (keyFlag !== undefined) throw e;
    detail = `no HMAC key to authenticate them with (${keyPath}: ${(e as Error).message}); give it with --hmac-key`;
  }
  const opts = { readonly: true, ...(key ? { hmacKey: key } : {}) };
  const store: Store = postgres
    ? await (await import('../store/postgres.js')).PostgresStore.open(postgres, {
        ...opts,
        schema: policy.store.postgresSchema,
      })
    : new SqliteStore(path, opts);
  try {
    return { ...(await windowsOf(store, key !== undefined, detail)), path: store.path };
  } finally {
    await store.close();
  }
}

/**
 * The windows of an open store to apply (those that authenticate, when it has the key) and how
 * each was judged; `detail` says why they could not be authenticated.
 */
export async function windowsOf(
  store: Store,
  verified: boolean,
  detail?: string,
): Promise<Omit<LoadedWindows, 'path'> & { check: WindowCheck }> {
  const windows: UnlockWindow[] = [];
  const applied: NonNullable<WindowCheck['applied']> = [];
  const unauthenticated: WindowCheck['unauthenticated'] = [];
  for (const c of await store.unlockWindowsChecked()) {
    const { host, fromMs, untilMs, reason } = c.window;
    const problem = windowFault(c);
    // Columns of a forged row may hold anything SQLite stores: the report gets numbers.
    const listed = { id: c.window.id, host, fromMs: Number(fromMs), untilMs: Number(untilMs), reason };
    if (problem === undefined) {
      windows.push({ host, fromMs, untilMs, reason });
      applied.push(listed);
    } else
      unauthenticated.push({
        ...listed,
        problem,
        ...(problem === 'chain-mismatch' ? { detail: `it ${c.chainProblem}` } : {}),
      });
  }
  const check: WindowCheck = {
    status: verified ? 'verified' : 'unverified',
    ...(detail ? { detail } : {}),
    applied,
    unauthenticated,
  };
  return { windows, check };
}

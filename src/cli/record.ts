/**
 * The store a command names through its policy, opened for the command's length: the one place
 * the CLI opens the gateway's record, so every subcommand finds it where the gateway writes it
 * (beside the policy file, else the working directory) and closes it on every path.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type OpenRecord, openRecord, type RecordMode } from '../gateway/record/open.js';
import { recordPaths } from '../gateway/record/paths.js';
import type { Policy } from '../policy/types.js';
import { loadPolicy } from './load-policy.js';

/** Where relative store paths start: the policy file's folder, else the working directory. */
const baseDirOf = (policyFile: string | undefined): string =>
  policyFile === undefined ? process.cwd() : dirname(resolve(policyFile));

/** Runs `f` with the record `policyFile` names, opened in `mode`; the store is closed after. */
export async function withRecord<T>(
  policyFile: string | undefined,
  mode: RecordMode,
  f: (rec: OpenRecord, policy: Policy) => Promise<T>,
): Promise<T> {
  const { policy } = loadPolicy(policyFile);
  return closing(await openRecord(policy.store, baseDirOf(policyFile), mode), (rec) => f(rec, policy));
}

/** Runs `f` with `rec` (its notes said first), closing its store after, on every path. */
async function closing<T>(rec: OpenRecord, f: (rec: OpenRecord) => Promise<T>): Promise<T> {
  for (const n of rec.notes) process.stderr.write(`airlock: note: ${n}\n`);
  try {
    return await f(rec);
  } finally {
    await rec.store.close();
  }
}

/**
 * As withRecord, read-only, for a reader that also has a use without a store (the dashboard shows
 * reports alone): `rec` is undefined when the store does not exist yet, `storePath` says where it
 * would be.
 */
export async function withRecordIfAny<T>(
  policyFile: string | undefined,
  f: (rec: OpenRecord | undefined, storePath: string, policy: Policy) => Promise<T>,
): Promise<T> {
  const { policy } = loadPolicy(policyFile);
  const base = baseDirOf(policyFile);
  if (policy.store.postgresUrl) {
    const rec = await openRecord(policy.store, base, 'read');
    return closing(rec, (r) => f(r, r.store.path, policy));
  }
  const storePath = recordPaths(policy.store, base).sqlite;
  if (!existsSync(storePath)) return f(undefined, storePath, policy);
  return closing(await openRecord(policy.store, base, 'read'), (rec) => f(rec, storePath, policy));
}

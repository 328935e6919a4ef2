/** Opens the store with its HMAC key (created on first use by the gateway), and verifies it against the anchor. */
import { existsSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';
import type { StorePolicy } from '../../policy/types.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { ChainCheck, ChainHead } from '../../store/types.js';
import { type Anchor, readAnchor } from './anchor.js';
import { loadHmacKey } from './key-file.js';
import { type RecordPaths, recordPaths } from './paths.js';

export interface OpenRecord {
  store: SqliteStore;
  paths: RecordPaths;
  /** The event log's HMAC key (a log writer thread opens its own connection with it). */
  hmacKey: Uint8Array;
}

/**
 * How a command may open the store:
 * - `create`: the gateway and `unlock` may create the database and the key, and migrate;
 * - `write`: the store and its key must exist (`relock` never makes one: a key made then would
 *   MAC the window with a key no earlier row knows), opened writable;
 * - `read`: readers (log show/verify/export, gateway windows) open it read-only, never create or
 *   migrate anything.
 */
export type RecordMode = 'create' | 'write' | 'read';

export function openRecord(settings: StorePolicy, baseDir: string, mode: RecordMode): OpenRecord {
  if (settings.postgresUrl) {
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      'the PostgreSQL store is not implemented yet: unset store.postgresUrl',
    );
  }
  const paths = recordPaths(settings, baseDir);
  if (mode !== 'create' && !existsSync(paths.sqlite)) {
    throw new AirlockError('AIRLOCK_ERR_USAGE', 'no such store', undefined, paths.sqlite);
  }
  const hmacKey = loadHmacKey(paths.key, { create: mode === 'create' });
  return { store: new SqliteStore(paths.sqlite, { hmacKey, readonly: mode === 'read' }), paths, hmacKey };
}

export interface VerifyOptions {
  /** A head the auditor kept (from an earlier `log verify`, or a copy of the anchor). */
  head?: ChainHead;
  /** Verify although the anchor file is missing (truncation from the end then goes unseen). */
  withoutAnchor?: boolean;
}

export interface Verification {
  check: ChainCheck;
  /** The anchor compared against, when there was one. */
  anchor?: Anchor;
  /**
   * Set when the anchor file is missing and nothing stands in for it (no kept head, no
   * withoutAnchor): the verification fails closed — whoever can cut rows off the end of the
   * database can delete the anchor beside it.
   */
  anchorMissing?: true;
}

export async function verifyRecord(rec: OpenRecord, opts: VerifyOptions = {}): Promise<Verification> {
  const anchor = readAnchor(rec.paths.anchor);
  const heads: ChainHead[] = [
    ...(anchor ? [{ seq: anchor.seq, mac: anchor.mac }] : []),
    ...(opts.head ? [opts.head] : []),
  ];
  const check = await rec.store.verifyLog(heads);
  const missing = !anchor && !opts.head && !opts.withoutAnchor;
  return { check, ...(anchor ? { anchor } : {}), ...(missing ? { anchorMissing: true as const } : {}) };
}

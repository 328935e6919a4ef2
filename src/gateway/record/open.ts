/**
 * Opens the store with its HMAC key (created on first use by the gateway), and verifies it against
 * the anchor: the SQLite file of store.sqlitePath, or a fleet's PostgreSQL database when
 * store.postgresUrl is set (the key and the anchor stay files on the box either way).
 */
import { existsSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';
import type { StorePolicy } from '../../policy/types.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { ChainCheck, ChainHead, Store } from '../../store/types.js';
import { type Anchor, readAnchor } from './anchor.js';
import { loadHmacKey } from './key-file.js';
import { type RecordPaths, recordPaths } from './paths.js';

export interface OpenRecord {
  store: Store;
  /** Which store: the gateway's log writer thread opens its own connection to a SQLite one. */
  kind: 'sqlite' | 'postgres';
  paths: RecordPaths;
  /** The event log's HMAC key (a log writer thread opens its own connection with it). */
  hmacKey: Uint8Array;
  /** The schema version found on opening (0: no tables yet, a log of no rows). */
  schemaVersion: number;
  /** What the operator should hear about this store (a remote PostgreSQL without TLS). */
  notes: string[];
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

export async function openRecord(
  settings: StorePolicy,
  baseDir: string,
  mode: RecordMode,
): Promise<OpenRecord> {
  const paths = recordPaths(settings, baseDir);
  if (settings.postgresUrl) {
    const hmacKey = loadHmacKey(paths.key, { create: mode === 'create' });
    // Loaded only here: a box on SQLite never loads the PostgreSQL driver.
    const { PostgresStore, transportNote } = await import('../../store/postgres.js');
    const store = await PostgresStore.open(settings.postgresUrl, {
      hmacKey,
      readonly: mode === 'read',
      schema: settings.postgresSchema,
    });
    const schemaVersion = await store.schemaVersion();
    if (mode === 'write' && schemaVersion === 0) {
      await store.close();
      throw new AirlockError('AIRLOCK_ERR_IO', 'no such store', undefined, store.path);
    }
    const note = transportNote(settings.postgresUrl);
    return { store, kind: 'postgres', paths, hmacKey, schemaVersion, notes: note ? [note] : [] };
  }
  if (mode !== 'create' && !existsSync(paths.sqlite)) {
    throw new AirlockError('AIRLOCK_ERR_IO', 'no such store', undefined, paths.sqlite);
  }
  const hmacKey = loadHmacKey(paths.key, { create: mode === 'create' });
  const store = new SqliteStore(paths.sqlite, { hmacKey, readonly: mode === 'read' });
  return { store, kind: 'sqlite', paths, hmacKey, schemaVersion: store.schemaVersion(), notes: [] };
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

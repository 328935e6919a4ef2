/**
 * Schema migrations, applied in order inside one transaction each; `schema_version` records
 * which ran. A database newer than this Airlock is refused rather than half-understood.
 */
import { AirlockError } from '../core/errors.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'unlock windows and the chained event log',
    sql: `
      CREATE TABLE unlock_windows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        host TEXT NOT NULL,
        from_ms INTEGER NOT NULL,
        until_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        created_by TEXT,
        CHECK (until_ms >= from_ms)
      );
      CREATE INDEX unlock_windows_span ON unlock_windows (from_ms, until_ms);
      CREATE TABLE event_log (
        seq INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_mac TEXT NOT NULL,
        mac TEXT NOT NULL
      );
      CREATE INDEX event_log_ts ON event_log (ts_ms);
    `,
  },
  {
    // A window opens a host to uploads, so it must be authenticated by the HMAC key like the log
    // (store/window-mac.ts): mac = HMAC(key, the window's columns, its id included). Windows
    // written before this migration get none (SQL has no key): they are unauthenticated, so the
    // gateway and audit do not apply them, which at worst ends them early (a window lasts 7 days
    // at most, so within a week of the upgrade none is lost); `log verify` accepts one only when
    // a chained `unlock` row of that time records it.
    version: 2,
    description: 'unlock windows authenticated by the HMAC key',
    sql: `
      ALTER TABLE unlock_windows ADD COLUMN mac TEXT;
    `,
  },
  {
    // The gateway reads the windows every 500 ms and applies one only when it is what its latest
    // chained `unlock` row says (store/window-mac.ts): those rows are a handful among millions, so
    // they get an index of their own (partial: the other rows cost it nothing) and the store reads
    // only the ones after the last it read, never the whole log.
    version: 3,
    description: 'an index of the chained unlock rows',
    sql: `
      CREATE INDEX event_log_unlock ON event_log (seq) WHERE kind = 'unlock';
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** A store at a version newer than this Airlock is refused rather than half-understood (`where`: the store). */
export function refuseNewer(current: number, where: string): void {
  if (current > SCHEMA_VERSION)
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      `database schema version ${current} is newer than this Airlock understands (${SCHEMA_VERSION})`,
      undefined,
      where,
    );
}

/**
 * The same schema in PostgreSQL's dialect (postgres.ts), version for version, so a store of
 * either kind at version N has the same tables and columns. `s` is the quoted schema name.
 */
export const POSTGRES_MIGRATIONS: readonly {
  version: number;
  description: string;
  sql: (s: string) => string;
}[] = [
  {
    version: 1,
    description: MIGRATIONS[0]!.description,
    sql: (s) => `
      CREATE TABLE ${s}.unlock_windows (
        id BIGSERIAL PRIMARY KEY,
        host TEXT NOT NULL,
        from_ms BIGINT NOT NULL,
        until_ms BIGINT NOT NULL,
        reason TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        created_by TEXT,
        CHECK (until_ms >= from_ms)
      );
      CREATE INDEX unlock_windows_span ON ${s}.unlock_windows (from_ms, until_ms);
      CREATE TABLE ${s}.event_log (
        seq BIGINT PRIMARY KEY,
        ts_ms BIGINT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_mac TEXT NOT NULL,
        mac TEXT NOT NULL
      );
      CREATE INDEX event_log_ts ON ${s}.event_log (ts_ms);
    `,
  },
  {
    version: 2,
    description: MIGRATIONS[1]!.description,
    sql: (s) => `ALTER TABLE ${s}.unlock_windows ADD COLUMN mac TEXT;`,
  },
  {
    version: 3,
    description: MIGRATIONS[2]!.description,
    sql: (s) => `CREATE INDEX event_log_unlock ON ${s}.event_log (seq) WHERE kind = 'unlock';`,
  },
];

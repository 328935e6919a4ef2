/**
 * Schema migrations, applied in order inside one transaction each; `schema_version` records
 * which ran. A database newer than this Airlock is refused rather than half-understood.
 */
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
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

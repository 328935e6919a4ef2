/** The event + catalog store: SQLite embedded by default; PostgreSQL for fleets later, same interface. */
export { chainMac } from './log-chain.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export type {
  ChainCheck,
  ChainedLogRow,
  ConnectionLogRow,
  DnsLogRow,
  LogRow,
  NewUnlockWindow,
  Store,
  StoredUnlockWindow,
  UnlockLogRow,
} from './types.js';

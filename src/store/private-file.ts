/**
 * The log holds who talked to whom: the database is created 0600, like the key file, before
 * SQLite opens it. SQLite gives its -wal and -shm files the database file's permission bits, so
 * they are 0600 too; a database found wider (an older Airlock) is narrowed.
 *
 * A database that exists is never opened here, only stat'ed and chmod'ed: closing any descriptor
 * of a file drops every POSIX lock this process holds on it, SQLite's included. The gateway's log
 * thread opens its connection while the main one holds its WAL read lock; an open+close here
 * dropped that lock, and the next reader in another process, seeing no other user, deleted the
 * -wal and -shm the gateway was still writing to (its later rows went to a deleted file).
 */
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';

export function createPrivate(path: string): void {
  try {
    // 'wx' (O_CREAT|O_EXCL): a descriptor exists only for a file this call created, which no
    // connection of this process can hold a lock on.
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(p).mode & 0o077) !== 0) chmodSync(p, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

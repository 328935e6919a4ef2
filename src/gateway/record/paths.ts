/** Where the store, its HMAC key and its anchor live: the policy's paths, relative to the policy file's folder. */
import { isAbsolute, resolve } from 'node:path';
import type { StorePolicy } from '../../policy/types.js';

export interface RecordPaths {
  sqlite: string;
  key: string;
  anchor: string;
}

export function recordPaths(store: StorePolicy, baseDir: string): RecordPaths {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return { sqlite: at(store.sqlitePath), key: at(store.hmacKeyFile), anchor: at(store.anchorFile) };
}

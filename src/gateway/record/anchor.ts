/**
 * The anchor: the chain's head (seq and MAC) written outside the database, so cutting rows off
 * the end is detected (`airlock log verify`). Written to a temp name then renamed: a crash leaves
 * the old anchor or the new one, never half of one.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';

export interface Anchor {
  seq: number;
  mac: string;
  /** When the anchor was written. */
  tsMs: number;
}

export function writeAnchor(path: string, a: Anchor): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(a)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The anchor, or undefined when the file does not exist. */
export function readAnchor(path: string): Anchor | undefined {
  if (!existsSync(path)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new AirlockError('AIRLOCK_ERR_MALFORMED', 'the anchor file is not JSON', undefined, path);
  }
  const a = (v ?? {}) as Partial<Anchor>;
  // What writeAnchor writes: a row's seq (1 on) and its MAC (hex; a copy made by hand may have
  // changed its case, as --head accepts). An anchor at seq 0 would vouch for no row, so nothing
  // cut off the end would show.
  if (
    !Number.isSafeInteger(a.seq) ||
    a.seq! < 1 ||
    typeof a.mac !== 'string' ||
    !/^[0-9a-f]{64}$/i.test(a.mac) ||
    !Number.isSafeInteger(a.tsMs)
  ) {
    throw new AirlockError(
      'AIRLOCK_ERR_MALFORMED',
      'the anchor file lacks seq (1 or more), mac (64 hex digits) or tsMs',
      undefined,
      path,
    );
  }
  return { seq: a.seq!, mac: a.mac.toLowerCase(), tsMs: a.tsMs! };
}

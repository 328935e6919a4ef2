/**
 * The event log's HMAC key: 32 random bytes, hex in a file outside the database, so a copy of
 * the database cannot forge its chain. Created 0600 when absent (never overwritten: 'wx').
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { AirlockError } from '../../core/errors.js';

const KEY_BYTES = 32;

/** Reads the key; with `create`, makes one when the file does not exist. */
export function loadHmacKey(path: string, opts: { create: boolean }): Uint8Array {
  try {
    if (opts.create) {
      try {
        writeFileSync(path, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    // A key file others can read lets them forge rows: refuse it rather than trust it.
    if ((statSync(path).mode & 0o077) !== 0) {
      throw new AirlockError(
        'AIRLOCK_ERR_IO',
        'the HMAC key file is readable by others (chmod 600 it)',
        undefined,
        path,
      );
    }
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(text)) {
      throw new AirlockError(
        'AIRLOCK_ERR_IO',
        'the HMAC key file does not hold 64 hex digits',
        undefined,
        path,
      );
    }
    return Buffer.from(text, 'hex');
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new AirlockError(
      'AIRLOCK_ERR_IO',
      `HMAC key: ${err.code ?? ''} ${err.message}`.trim(),
      undefined,
      path,
    );
  }
}

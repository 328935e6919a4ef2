/**
 * Putting a finished output in place from its temporary name. A report given with --html,
 * --connections… replaces nothing unless asked (--force): README's exit table has "a file that
 * would be overwritten" as exit 2, and `policy init` already refuses without --force.
 */
import { linkSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { AirlockError } from './errors.js';

/** The error for an output that exists, naming the flag it came from. */
export const outputExists = (flag: string, path: string): AirlockError =>
  new AirlockError('AIRLOCK_ERR_IO', `${flag} ${path} exists: not overwritten (use --force)`);

/** Refuses anything at `path`, a dangling link too: writing there would replace or follow it. */
export function refuseExisting(flag: string, path: string): void {
  try {
    lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  throw outputExists(flag, path);
}

/**
 * Moves `tmp` to `path`: renamed over it when `replace`, else linked into place, which fails if
 * something took the name meanwhile (a rename would replace it); where the file system has no hard
 * links (FAT on a USB stick) it is checked again and renamed. `tmp` is gone afterwards either way.
 */
export function placeFile(tmp: string, path: string, replace: false | true, flag: string): void {
  try {
    if (replace) {
      renameSync(tmp, path);
      return;
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw outputExists(flag, path);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
      refuseExisting(flag, path);
      renameSync(tmp, path);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

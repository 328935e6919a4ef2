/**
 * Files under the paths a user names, in a deterministic order. Nothing is opened here: every
 * entry is lstat'ed (and stat'ed through symlinks) first, so a FIFO, socket or device is
 * reported, never read (opening a FIFO blocks forever). Symlinked folders are followed; a
 * link back to a folder already on the way down is a loop, reported, not walked. A name that is
 * not UTF-8 is reported too: Node would decode it with U+FFFD and then fail to find the file.
 */
import { type Dirent, readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, asAirlockError } from '../core/errors.js';
import { escapedBounded } from '../core/escape-bytes.js';
import { LIMITS } from '../core/limits.js';

export type WalkEntry =
  /**
   * `named`: the folder's listing says the name is itself no symlink (a root: not known), so the
   * file's real path is its folder's real path and its name (scrub resolves one per folder).
   */
  | { kind: 'file'; path: string; size: number; named?: true }
  /** Something that is not read: it becomes an 'error' entry in the report. */
  | { kind: 'error'; path: string; size: number | null; error: AirlockError };

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every regular file under `roots` (roots in the order given, folder entries sorted by name). */
export function* walk(roots: readonly string[]): Generator<WalkEntry> {
  for (const root of roots) yield* visit(root, [], 0, false);
}

function* visit(
  path: string,
  ancestors: readonly string[],
  depth: number,
  /** The folder's listing said this name is no symlink. */
  named: boolean,
): Generator<WalkEntry> {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    // A dangling link or a link loop at the file level (ELOOP) lands here, as does a vanished entry.
    yield { kind: 'error', path, size: null, error: asAirlockError(err, path) };
    return;
  }
  if (st.isFile()) {
    yield named ? { kind: 'file', path, size: st.size, named } : { kind: 'file', path, size: st.size };
    return;
  }
  if (!st.isDirectory()) {
    yield { kind: 'error', path, size: null, error: special(path, st) };
    return;
  }
  const id = `${st.dev}:${st.ino}`;
  if (ancestors.includes(id)) {
    const e = new AirlockError(
      'AIRLOCK_ERR_IO',
      'symlink loop: this folder links back to a folder above it',
      undefined,
      path,
    );
    yield { kind: 'error', path, size: null, error: e };
    return;
  }
  if (depth >= LIMITS.maxWalkDepth) {
    const e = new AirlockError(
      'AIRLOCK_ERR_LIMIT',
      `folder depth exceeds limit ${LIMITS.maxWalkDepth}`,
      undefined,
      path,
    );
    yield { kind: 'error', path, size: null, error: e };
    return;
  }
  let raw: Dirent<Buffer>[];
  try {
    // With each entry's type from the same listing (getdents' d_type; Node lstat's an entry
    // whose type the filesystem does not give): whether a name is a symlink costs no call.
    raw = readdirSync(path, { encoding: 'buffer', withFileTypes: true });
  } catch (err) {
    yield { kind: 'error', path, size: null, error: asAirlockError(err, path) };
    return;
  }
  const names = raw.map((d) => ({ bytes: d.name, text: d.name.toString('utf8'), link: d.isSymbolicLink() }));
  names.sort((a, b) => byCodeUnit(a.text, b.text));
  const below = [...ancestors, id];
  for (const { bytes, text, link } of names) {
    const child = join(path, text);
    if (!Buffer.from(text).equals(bytes)) {
      yield { kind: 'error', path: child, size: null, error: notUtf8(child, bytes) };
      continue;
    }
    yield* visit(child, below, depth + 1, !link);
  }
}

/** A name whose bytes are not UTF-8 (a card written under a legacy code page). */
function notUtf8(path: string, bytes: Buffer): AirlockError {
  return new AirlockError(
    'AIRLOCK_ERR_UNSUPPORTED',
    `file name is not UTF-8 (${escapedBounded(bytes, bytes.length, 1024)}): not read; rename it to UTF-8 to include it`,
    undefined,
    path,
  );
}

function special(path: string, st: Stats): AirlockError {
  const what = st.isFIFO()
    ? 'named pipe (FIFO)'
    : st.isSocket()
      ? 'socket'
      : st.isCharacterDevice()
        ? 'character device'
        : st.isBlockDevice()
          ? 'block device'
          : 'special file';
  return new AirlockError(
    'AIRLOCK_ERR_UNSUPPORTED',
    `${what}: not a regular file, not opened`,
    undefined,
    path,
  );
}

/** Outputs are written to a temporary name and renamed (DESIGN.md): never a half-written report. */
import { realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { placeFile, refuseExisting } from '../core/place-file.js';

/**
 * `data` written to a temporary name, then put at `path`: over what is there only with
 * `replace` (--force), else refused if something is (core/place-file.ts), naming `flag`.
 */
export function writeFileAtomic(path: string, data: string, opts: { replace: boolean; flag: string }): void {
  const tmp = `${path}.airlock-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  placeFile(tmp, path, opts.replace, opts.flag);
}

/**
 * Refuses outputs that would replace an input, or each other (`airlock audit x.pcap --html
 * x.pcap` would rename the report over the capture once it is done; `airlock inspect DCIM --html
 * DCIM/IMG_0001.JPG` over a photo): the same file by device and inode when it exists, the same
 * path when not, and an existing file inside an input folder (one of the inputs too).
 */
export function refuseOutputsOverInputs(
  outputs: readonly [flag: string, path: string][],
  inputs: readonly string[],
): void {
  const id = (p: string): string => {
    try {
      const s = statSync(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return resolve(p);
    }
  };
  const real = (p: string): string | undefined => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const seen = new Map(inputs.map((p) => [id(p), p]));
  const folders = inputs.flatMap((p) => {
    const r = real(p);
    return r !== undefined && statSync(r).isDirectory() ? [[r, p] as const] : [];
  });
  for (const [flag, path] of outputs) {
    const at = real(path);
    const inside = folders.find(([dir]) => at?.startsWith(dir.endsWith(sep) ? dir : dir + sep))?.[1];
    const clash = seen.get(id(path)) ?? (inside === undefined ? undefined : `a file in ${inside}`);
    if (clash !== undefined)
      throw new AirlockError(
        'AIRLOCK_ERR_USAGE',
        `${flag} ${path} would replace ${clash}: write it elsewhere`,
      );
    seen.set(id(path), `${flag} ${path}`);
  }
}

/** Before any work: each output that exists is refused unless --force, so no run is wasted. */
export function refuseExistingOutputs(
  outputs: readonly [flag: string, path: string][],
  force: boolean,
): void {
  if (!force) for (const [flag, path] of outputs) refuseExisting(flag, path);
}

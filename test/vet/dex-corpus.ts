/** DEX files of the corpus APKs, as `unzip` extracts them (independent of Airlock's zip reader). */
import { execFileSync } from 'node:child_process';

export const run = (cmd: string, args: string[]): Buffer =>
  execFileSync(cmd, args, { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

/** Every classes*.dex of an APK, in the archive's order. */
export function dexEntries(apk: string): { name: string; bytes: Uint8Array }[] {
  let names: string[];
  try {
    names = run('unzip', ['-Z1', apk]).toString('utf8').split('\n');
  } catch {
    return []; // archives unzip cannot list are the zip reader's business
  }
  return names
    .filter((n) => /^classes\d*\.dex$/.test(n))
    .map((n) => ({ name: n, bytes: new Uint8Array(run('unzip', ['-p', apk, n])) }));
}

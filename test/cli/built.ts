/**
 * The built CLI (dist/), as users run it. Rebuilt once per test file when any source is newer
 * than the build, so `npx vitest run test/cli` alone never tests stale code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/corpus.js';

export const BIN = join(ROOT, 'bin/airlock.js');
const MAIN = join(ROOT, 'dist/cli/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {}
  if (built >= newestSource(join(ROOT, 'src'))) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere still emit JavaScript; the tests below judge the behaviour.
  }
  // The bundle is what users run (bin/airlock.js prefers it when it is newer than tsc's output).
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, stdio: 'pipe' });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `airlock ARGS…` with a clean colour environment unless `env` says otherwise. */
export function airlock(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; as?: 'nobody' } = {},
): Run {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...opts.env,
  };
  const [cmd, argv] =
    opts.as === 'nobody'
      ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
  const r = spawnSync(cmd as string, argv as string[], {
    env,
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

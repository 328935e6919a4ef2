/**
 * The benches' peers and helpers come from Debian: each [command, package] whose command is
 * missing is installed with apt-get (root), or the bench stops saying what to install. A command
 * given as an absolute path (/usr/bin/time) is looked for as that file: `time` is also a shell
 * keyword, which `command -v` would find instead. Returns the packages it installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureDebianTools(tools) {
  const present = (cmd) =>
    cmd.startsWith('/') ? existsSync(cmd) : spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  const pkgs = tools.filter(([cmd]) => !present(cmd)).map(([, pkg]) => pkg);
  if (pkgs.length === 0) return [];
  if (process.getuid?.() !== 0)
    throw new Error(`missing ${pkgs.join(', ')}: apt-get install ${pkgs.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return pkgs;
}

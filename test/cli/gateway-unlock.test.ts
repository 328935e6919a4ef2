/**
 * `airlock gateway unlock` under a policy whose mode ignores windows (sealed, monitor): the window
 * is still recorded, and the command says plainly that it changes nothing in that mode. The
 * window is written with its MAC and its chained row: `log verify` checks both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-unlock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unlock(mode: string): { status: number | null; stdout: string; stderr: string } {
  const policy = join(dir, `${mode}.yaml`);
  writeFileSync(
    policy,
    // A store of its own per mode, in one folder: each gets an anchor of its own by default
    // (${mode}.anchor), since one anchor vouches for one chain.
    `version: 1\nnetwork:\n  mode: ${mode}\n  allow: [{host: flysafe.test}]\nstore:\n  sqlitePath: ${mode}.sqlite\n`,
  );
  return run('gateway', 'unlock', 'flysafe.test', '--for', '10m', '--reason', 'job 7', '--policy', policy);
}

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/airlock.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gateway unlock', () => {
  it('in one-way: opens the window, no note', () => {
    const r = unlock('one-way');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^unlock window \d+: flysafe\.test until /);
    expect(r.stderr).toBe('');
  });

  it('writes the window with its MAC and its chained row (with the window id): log verify passes', () => {
    const r = unlock('one-way');
    expect(r.status, r.stderr).toBe(0);
    const id = Number(/^unlock window (\d+):/.exec(r.stdout)![1]);
    const policy = join(dir, 'one-way.yaml');
    const v = run('log', 'verify', '--without-anchor', '--policy', policy);
    expect(v.stdout).toMatch(new RegExp(`^ok: ${id} rows, ${id} unlock windows?, head `));
    expect(v.status).toBe(0);
    const shown = run('log', 'show', '--policy', policy).stdout.trimEnd().split('\n');
    expect(shown.at(-1)).toMatch(new RegExp(`unlock flysafe\\.test until \\S+ \\(window ${id}\\): job 7$`));
  });

  for (const mode of ['sealed', 'monitor'])
    it(`in ${mode}: records the window and says it changes nothing in that mode`, () => {
      const r = unlock(mode);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^unlock window \d+: flysafe\.test until /);
      expect(r.stderr).toMatch(new RegExp(`mode is ${mode}: unlock windows apply only in one-way mode`));
    });
});

/**
 * `airlock gateway relock` (the built CLI) writes to a store that exists, with the key it was
 * made with: it re-MACs the window and chains a row, so a key made now would sign them with a key
 * no earlier row knows. It creates neither the store nor the key.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airlock, type Run } from './built.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function box(): { dir: string; run: (...args: string[]) => Run } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-relock-'));
  dirs.push(dir);
  const policy = join(dir, 'airlock.yaml');
  writeFileSync(policy, 'network:\n  mode: one-way\n  allow: [{host: up.test}]\n');
  return { dir, run: (...args) => airlock([...args, '--policy', policy], { cwd: dir }) };
}

describe('gateway relock', () => {
  it('ends a window of the store, with its key', () => {
    const { run } = box();
    expect(run('gateway', 'unlock', 'up.test', '--for', '10m', '--reason', 'job 1').code).toBe(0);
    const r = run('gateway', 'relock', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^unlock window 1: up\.test ended at /);
  });

  it('with no store: refused, naming it; nothing created', () => {
    const { dir, run } = box();
    const r = run('gateway', 'relock', '1');
    // A store that cannot be read, as README's exit table has it: 2, not a usage error.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/airlock\.sqlite: no such store/);
    expect(existsSync(join(dir, 'airlock.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'airlock.hmac.key'))).toBe(false);
  });

  it('with the key gone: refused, naming the key file; no key made, the window still open', () => {
    const { dir, run } = box();
    expect(run('gateway', 'unlock', 'up.test', '--for', '10m', '--reason', 'job 1').code).toBe(0);
    const key = join(dir, 'airlock.hmac.key');
    renameSync(key, `${key}.away`);
    const r = run('gateway', 'relock', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(key);
    expect(existsSync(key)).toBe(false);
    renameSync(`${key}.away`, key);
    const w = run('gateway', 'windows', '--json');
    expect(w.code, w.stderr).toBe(0);
    expect((JSON.parse(w.stdout) as { id: number; state: string }[]).map((x) => [x.id, x.state])).toEqual([
      [1, 'open'],
    ]);
  });
});

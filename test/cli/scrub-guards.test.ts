/**
 * `airlock scrub` as users run it (the built CLI): the exit codes and messages of the guards
 * around --out (a lock held, a manifest that cannot be read, a missing input), --workers checked,
 * the summary counting every entry, and stderr closed by its reader (`2>&1 | head -1`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_NAME } from '../../src/scrub/files.js';
import { MANIFEST_NAME } from '../../src/scrub/manifest.js';
import { writeBatch } from '../scrub/run-fixtures.js';
import { airlock, BIN, ensureBuilt } from './built.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-scrub-'));
const input = join(dir, 'in');
beforeAll(() => {
  ensureBuilt();
  writeBatch(input, 3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scrub guards', () => {
  it('--workers must be a whole number from 1: 64 otherwise, nothing written', () => {
    for (const w of ['0', '-1', 'abc', '1.5']) {
      const out = join(dir, `w${w}`);
      const r = airlock(['scrub', input, '--out', out, '--workers', w]);
      expect(r.code, w).toBe(64);
      expect(existsSync(out), w).toBe(false);
    }
    expect(airlock(['scrub', input, '--out', join(dir, 'w2'), '--workers', '2']).code).toBe(0);
  });

  it('a missing input: 2, named, and no --out made', () => {
    const out = join(dir, 'missing');
    const r = airlock(['scrub', join(dir, 'nope'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope does not exist/);
    expect(existsSync(out)).toBe(false);
  });

  it('the summary counts the entries the walk could not use', () => {
    const withLink = join(dir, 'in-link');
    writeBatch(withLink, 2);
    spawnSync('ln', ['-s', join(dir, 'nowhere'), join(withLink, 'dangling.SRT')]);
    const r = airlock(['scrub', withLink, '--out', join(dir, 'sum'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^withheld +\S*dangling\.SRT/m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('3 files: 1 withheld, 2 clean');
    expect(r.stderr).not.toMatch(/ENOENT: ENOENT/);
  });

  it('a lock held by a running scrub: 2 and why; a manifest that cannot be read: 2, the offset, what to do', () => {
    const out = join(dir, 'locked');
    mkdirSync(out);
    writeFileSync(join(out, LOCK_NAME), `${process.pid} ${hostname()} 2026-01-01T00:00:00Z\n`);
    const r = airlock(['scrub', input, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in use by another airlock scrub/);
    expect(existsSync(join(out, MANIFEST_NAME))).toBe(false);
    expect(airlock(['scrub', input, '--out', out, '--dry-run']).code).toBe(0);
    rmSync(join(out, LOCK_NAME));

    expect(airlock(['scrub', input, '--out', out]).code).toBe(0);
    const text = readFileSync(join(out, MANIFEST_NAME), 'utf8');
    writeFileSync(join(out, MANIFEST_NAME), text.slice(0, text.length - 10));
    const bad = airlock(['scrub', input, '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/airlock-manifest\.json: not valid JSON at byte offset \d+.*move it aside/);
  });

  it('`2>&1 | head -1`: the reader gone from stderr too, the exit code is the run’s', () => {
    const png = join(dir, 'png');
    writeBatch(png, 2);
    writeFileSync(join(png, 'z.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const out = join(dir, 'piped');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" scrub "${png}" --out "${out}" 2>&1 | head -1; echo "rc=\${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/rc=2\n$/);
    expect(r.stdout).not.toMatch(/EPIPE|internal error/);
  });
});

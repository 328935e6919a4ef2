/** Exit codes of the built CLI (README, "Exit codes"), judged on real corpus files and generated kits. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/report/model.js';
import { corpusFile } from '../helpers/corpus.js';
import { airlock } from './built.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect exit codes', () => {
  it('1 for a real DJI still (sensitive data found)', () => {
    const r = airlock(['inspect', '--no-progress', corpusFile('media/dji-mavic2pro-hasselblad-L1D-20c.jpg')]);
    expect(r.stdout).toMatch(/SerialNumber/);
    expect(r.code).toBe(1);
  });

  it.each([
    ['media/mat2-dirty.png', /PNG image/],
    ['media/exiftool-QuickTime.heic', /ISO-BMFF image/],
  ])('2 for %s, reported as not read with what it is (never clean)', (file, what) => {
    const r = airlock(['inspect', '--no-progress', corpusFile(file)]);
    expect(r.stdout).toMatch(/not read/);
    expect(r.stdout).toMatch(what);
    expect(r.stdout).not.toMatch(/\bclean\b/);
    expect(r.code).toBe(2);
  });

  it('2 wins over 1: a sensitive file next to an unread one', () => {
    const r = airlock([
      'inspect',
      '--json',
      corpusFile('media/dji-mavic2pro-hasselblad-L1D-20c.jpg'),
      corpusFile('media/mat2-dirty.png'),
    ]);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.summary.sensitiveFiles).toBe(1);
    expect(report.exitCode).toBe(2);
    expect(r.code).toBe(2);
  });

  it('0 for an empty file (read, nothing in it)', () => {
    const f = join(dir, 'empty.jpg');
    writeFileSync(f, '');
    expect(airlock(['inspect', f]).code).toBe(0);
  });

  it('2 for a path that does not exist, naming it', () => {
    const r = airlock(['inspect', join(dir, 'nope.jpg')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/nope\.jpg[\s\S]*ENOENT/);
  });

  it('64 for usage errors: unknown command, unknown option, missing path', () => {
    expect(airlock(['bogus']).code).toBe(64);
    expect(airlock(['inspect', '--bogus', dir]).code).toBe(64);
    expect(airlock(['inspect']).code).toBe(64);
  });

  it('0 for --help and version, which prints package.json version', () => {
    expect(airlock(['--help']).code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const v = airlock(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(`airlock ${pkg.version}`);
  });
});

describe('policy', () => {
  it('init writes a policy that check accepts (exit 0), and refuses to overwrite without --force (exit 2)', () => {
    const cwd = mkdtempSync(join(dir, 'init-'));
    expect(airlock(['policy', 'init'], { cwd }).code).toBe(0);
    const written = readFileSync(join(cwd, 'airlock.yaml'), 'utf8');
    expect(written).toMatch(/^version: 1$/m);
    expect(airlock(['policy', 'check', 'airlock.yaml'], { cwd }).code).toBe(0);

    writeFileSync(join(cwd, 'airlock.yaml'), '# mine\nversion: 1\n');
    const again = airlock(['policy', 'init'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists.*--force/);
    expect(readFileSync(join(cwd, 'airlock.yaml'), 'utf8')).toBe('# mine\nversion: 1\n');
    expect(airlock(['policy', 'init', '--force'], { cwd }).code).toBe(0);
    expect(readFileSync(join(cwd, 'airlock.yaml'), 'utf8')).toBe(written);
  });

  it('check names line:column of the first problem and exits 2', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nmedia:\n  location:\n    drone: teleport\n');
    const r = airlock(['policy', 'check', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:4:`);
    expect(r.stderr.split(bad).length - 1).toBe(1); // the file is named once
  });

  it('inspect with an invalid --policy exits 2 before reading anything', () => {
    const bad = join(dir, 'bad2.yaml');
    writeFileSync(bad, 'version: 1\nmedia: [\n');
    const r = airlock(['inspect', '--policy', bad, corpusFile('media/exiftool-GPS.jpg')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/AIRLOCK_ERR_POLICY/);
  });
});

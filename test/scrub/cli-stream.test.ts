/**
 * The built CLI on its worker pool: records cross from the workers as JSON lines, the lines are
 * printed as files finish (in input order), and the manifest is streamed from the journal. Each
 * record is checked against the files themselves (SHA-256 of input and output on disk).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOURNAL_NAME, MANIFEST_NAME, type Manifest } from '../../src/scrub/manifest.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { filesUnder, sha, writeBatch } from './run-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'airlock-scrub-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(() => ensureBuilt());

it('prints one line per file in input order, and a manifest whose hashes are those of the files on disk', () => {
  const input = join(scratch, 'in');
  const paths = writeBatch(input, 40);
  const out = join(scratch, 'out');
  const r = airlock(['scrub', input, '--out', out, '--no-progress', '--workers', '2']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);

  const lines = r.stdout.trim().split('\n');
  expect(lines.at(-1)).toBe('40 files: 40 clean');
  // Input order is the walk's (sorted per folder): the lines name the inputs in that order.
  const named = lines.slice(0, -1).map((l) => /^clean\s+(\S+) →/.exec(l)?.[1]);
  expect(named).toEqual([...filesUnder(input).values()]);

  const m = JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as Manifest;
  expect(m.complete).toBe(true);
  expect(m.files.map((f) => f.output)).toEqual([...filesUnder(input).keys()]);
  for (const f of m.files) {
    expect(f.inputSha256, f.input).toBe(sha(readFileSync(f.input)));
    expect(f.outputSha256, f.output).toBe(sha(readFileSync(join(out, f.output))));
    expect(f.findings.length, f.output).toBeGreaterThan(0);
  }
  expect(new Set(m.files.map((f) => relative(input, f.input)))).toEqual(
    new Set(paths.map((p) => relative(input, p))),
  );
  // The journal is gone once the manifest holds everything.
  expect([...filesUnder(out).keys()].filter((k) => k.includes(JOURNAL_NAME))).toEqual([]);
});

it('prints names with control characters escaped, as inspect does; the manifest keeps them as they are', () => {
  const input = join(scratch, 'names');
  mkdirSync(input, { recursive: true });
  const evil = 'evil\u001b]0;pwned\u0007\nnext.jpg';
  writeFileSync(join(input, evil), Buffer.alloc(0));
  const out = join(scratch, 'names-out');
  for (const dry of [false, true]) {
    const r = airlock(['scrub', input, '--out', out, '--no-progress', ...(dry ? ['--dry-run'] : [])]);
    expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u0007]/);
    expect(r.stdout).toContain('evil\\u001b]0;pwned\\u0007\\u000anext.jpg');
    // One line for the file, however its name is made.
    expect(r.stdout.split('\n').filter((l) => l.includes('pwned'))).toHaveLength(1);
  }
  const m = JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as Manifest;
  expect(m.files.map((f) => f.input)).toEqual([join(input, evil)]);
});

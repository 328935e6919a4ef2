/**
 * What a failed file's line says: its name once, and a readable share of a long list of
 * verification problems (a damaged SRT fails on every frame: the line once ran to ~48 KB).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManifestRecord } from '../../src/scrub/manifest.js';
import { failureOf } from '../../src/scrub/run.js';
import { airlock } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('failure lines', () => {
  it('a rewrite that fails names the file once (the corpus MOV, refused for its sample tables)', () => {
    const file = corpusFile('media', 'exiftool-QuickTime.mov');
    const out = join(dir, 'mov');
    const r = airlock(['scrub', '--no-progress', file, '--out', out]);
    expect(r.code).toBe(2);
    const line = r.stderr.split('\n').find((l) => l.includes('rewrite failed')) ?? '';
    expect(line.split(file).length - 1, line).toBe(1);
    expect(line).toMatch(/rewrite failed: offset \d+: 'stsc' run 1/);
    const rec = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')).files[0];
    expect(rec.error).not.toContain(file);
  });

  it('a verification failure shows three problems and how many more', () => {
    const problems = Array.from(
      { length: 1000 },
      (_, i) => `still present although dropped: text (other) at SRT › unknown frame ${i + 1}`,
    );
    const rec = { input: 'long.SRT', status: 'verify-failed', problems } as unknown as ManifestRecord;
    const line = failureOf(rec) as string;
    expect(line).toContain('frame 3;');
    expect(line).not.toContain('frame 4;');
    expect(line).toMatch(/and 997 more \(the manifest lists all\)$/);
    expect(line.length).toBeLessThan(400);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walk } from '../../src/inspect/walk.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-walk-'));
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, 'x.jpg')); // a folder named like a file
  writeFileSync(join(dir, 'x.jpg', 'inner.txt'), 'hi');
  writeFileSync(join(dir, 'b', '2.bin'), 'two');
  writeFileSync(join(dir, 'b', '10.bin'), 'ten');
  writeFileSync(join(dir, 'a.bin'), 'a');
  symlinkSync('..', join(dir, 'b', 'up')); // loop: b/up → dir
  symlinkSync('nowhere', join(dir, 'dangling'));
  execFileSync('mkfifo', [join(dir, 'pipe')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('walk', () => {
  it('lists regular files in code-unit order and folders named like files as folders', () => {
    const files = [...walk([dir])].filter((e) => e.kind === 'file').map((e) => e.path.slice(dir.length + 1));
    expect(files).toEqual(['a.bin', 'b/10.bin', 'b/2.bin', 'x.jpg/inner.txt']);
  });

  it('reports a symlink loop, a dangling link and a FIFO as errors without opening or hanging', () => {
    const errors = [...walk([dir])].flatMap((e) => (e.kind === 'error' ? [e] : []));
    const byName = Object.fromEntries(errors.map((e) => [e.path.slice(dir.length + 1), e.error]));
    expect(Object.keys(byName).sort()).toEqual(['b/up', 'dangling', 'pipe']);
    expect(byName['b/up']?.message).toMatch(/symlink loop/);
    expect(byName.dangling?.code).toBe('AIRLOCK_ERR_IO');
    expect(byName.pipe?.message).toMatch(/FIFO/);
  });

  it('reports a missing root as an IO error naming it', () => {
    const [e] = [...walk([join(dir, 'missing')])];
    expect(e?.kind).toBe('error');
    if (e?.kind === 'error') expect(e.error.message).toMatch(/ENOENT/);
  });

  it('reports a name that is not UTF-8 with its bytes, and walks its siblings', () => {
    const d = mkdtempSync(join(tmpdir(), 'airlock-walk-latin1-'));
    try {
      // 'IMG_é.JPG' written under Latin-1 (a card from a legacy code page): é is the lone byte 0xE9.
      const latin1 = Buffer.concat([Buffer.from(`${d}/IMG_`), Buffer.from([0xe9]), Buffer.from('.JPG')]);
      writeFileSync(latin1, 'x');
      writeFileSync(join(d, 'ok.jpg'), 'y');
      const entries = [...walk([d])];
      expect(entries.filter((e) => e.kind === 'file').map((e) => e.path)).toEqual([join(d, 'ok.jpg')]);
      const bad = entries.find((e) => e.kind === 'error');
      expect(bad?.kind === 'error' && bad.error.message).toMatch(/not UTF-8 \(IMG_\\xe9\.JPG\)/);
      expect(bad?.kind === 'error' && bad.error.code).toBe('AIRLOCK_ERR_UNSUPPORTED');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('gives the same order on every run', () => {
    const a = [...walk([dir])].map((e) => e.path);
    const b = [...walk([dir])].map((e) => e.path);
    expect(a).toEqual(b);
  });
});

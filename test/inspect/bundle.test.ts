/**
 * The bundled CLI (scripts/bundle.mjs) behaves as tsc's dist/ does: the same inspect report,
 * its worker threads found from the bundle's place (inspect on workers, scrub on more than 8
 * files), the version read from package.json, every command's chunk loadable. Bundled into a
 * temporary folder inside dist/ (so node_modules resolves as it does for dist/cli), never into
 * dist/cli itself: a run of the CLI tests beside this one is never handed a half-written bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built.js';
import { corpusDir, ROOT } from '../helpers/corpus.js';

let dir = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A launcher like bin/airlock.js for the CLI module at `entry`. */
function launcher(name: string, entry: string): string {
  const p = join(dir, name);
  writeFileSync(
    p,
    `import { main } from ${JSON.stringify(entry)};\nprocess.exitCode = await main(process.argv);\n`,
  );
  return p;
}

function run(script: string, args: string[]) {
  return spawnSync(process.execPath, [script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
}

/** The report without the one field that differs from run to run. */
const report = (stdout: string): unknown => ({ ...JSON.parse(stdout), generatedAt: null });

const media = corpusDir('media').filter((f) => /\.(jpe?g|tiff?|dng)$/i.test(f));
let bundled = '';
let plain = '';

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(ROOT, 'dist', '.bundle-test-'));
  execFileSync(process.execPath, ['scripts/bundle.mjs', join(dir, 'bundle')], { cwd: ROOT, stdio: 'pipe' });
  bundled = launcher('bundled.mjs', './bundle/airlock.js');
  plain = launcher('plain.mjs', join(ROOT, 'dist/cli/main.js'));
}, 120_000);

describe('the bundled CLI', () => {
  it('is a few files, lazily loaded commands in chunks beside the entry', () => {
    const files = readdirSync(join(dir, 'bundle'));
    expect(files).toContain('airlock.js');
    expect(files.filter((f) => /^airlock-[A-Z0-9]+\.js$/.test(f)).length).toBeGreaterThan(3);
    // Worker threads start from bundles of their own, named by the chunks that start them.
    const chunks = files
      .filter((f) => f.startsWith('airlock'))
      .map((f) => readFileSync(join(dir, 'bundle', f), 'utf8'));
    for (const w of ['worker-scrub.js', 'worker-inspect.js', 'worker-log.js']) {
      expect(files).toContain(w);
      expect(chunks.some((c) => c.includes(`new URL("./${w}", import.meta.url)`))).toBe(true);
    }
  });

  it('gives the same inspect report as dist/, read on worker threads', () => {
    // 4 × the corpus stills: past the 64 files below which no worker starts.
    const paths = [...media, ...media, ...media, ...media];
    expect(paths.length).toBeGreaterThanOrEqual(64);
    const args = ['inspect', '--json', '--no-progress', '--workers', '2', ...paths];
    const b = run(bundled, args);
    const p = run(plain, args);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(p.status);
    expect(report(b.stdout)).toEqual(report(p.stdout));
  }, 120_000);

  it('scrubs more than 8 files on its worker threads', () => {
    const out = join(dir, 'clean');
    const r = run(bundled, ['scrub', ...media.slice(0, 12), '--out', out]);
    expect(r.stderr).not.toMatch(/internal error|Cannot find module|ERR_MODULE_NOT_FOUND/);
    expect(r.stdout).toMatch(/12 files: /);
    expect(readdirSync(out).filter((f) => f !== 'airlock-manifest.json').length).toBeGreaterThan(0);
  }, 120_000);

  it('reports the package version, loading every command (help and --version do)', () => {
    const { version } = JSON.parse(
      execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    );
    expect(run(bundled, ['--version']).stdout.trim()).toBe(version);
  });
});

/**
 * Kill and resume, on the built CLI with its worker pool: SIGKILL `airlock scrub` at random
 * moments several times, then check that nothing partial sits under a final name, that a rerun
 * finishes, and that files finished before it are not redone (same inode and mtime).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LOCK_NAME } from '../../src/scrub/files.js';
import { JOURNAL_NAME, loadPrior, MANIFEST_NAME, type Manifest } from '../../src/scrub/manifest.js';
import { airlock, BIN } from '../cli/built.js';
import { ROOT } from '../helpers/corpus.js';
import { filesUnder, hashTree, sha, statTree, writeBatch } from './run-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'airlock-scrub-kill-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FILES = 300;
// A killed run leaves its lock too (the next run takes it over: its pid is gone).
const isOutput = (rel: string): boolean =>
  !rel.startsWith('airlock-manifest') && !rel.startsWith(JOURNAL_NAME) && rel !== LOCK_NAME;

/** Run the CLI and SIGKILL it after `ms` (if it is still running); resolves with how it ended. */
function runAndKill(args: string[], ms: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ killed: killed && code === null, code });
    });
  });
}

/** Every file under a final name is exactly what a journal/manifest record says was written there. */
function assertNoPartialOutputs(out: string): void {
  if (!existsSync(out)) return; // killed before it made DIR
  const prior = loadPrior(out);
  for (const [rel, abs] of filesUnder(out)) {
    if (!isOutput(rel)) continue;
    expect(rel.endsWith('.tmp'), `${rel} is a temp file; the sweep removes those on the next run`).toBe(
      rel.split('/').at(-1)?.startsWith('.airlock-') ?? false,
    );
    if (rel.endsWith('.tmp')) continue;
    const known = prior.ours.get(rel);
    expect(known?.has(sha(readFileSync(abs))), `${rel} under its final name has no matching record`).toBe(
      true,
    );
  }
}

it('SIGKILLed several times at random moments: no partial output, the rerun finishes without redoing finished files', async () => {
  const input = join(scratch, 'in');
  writeBatch(input, FILES);
  const originals = hashTree(input);
  const out = join(scratch, 'out');
  const args = ['scrub', input, '--out', out, '--no-progress'];

  // The kills land at random moments inside a run's own length, measured first on a scratch
  // output (fixed delays went stale as the scrub got faster: a run ended before the first kill).
  const t0 = performance.now();
  const whole = await runAndKill(
    ['scrub', input, '--out', join(scratch, 'timing'), '--no-progress'],
    600_000,
  );
  expect(whole.code).toBe(0);
  const runMs = performance.now() - t0;
  let kills = 0;
  // Killed until some outputs are finished (so the rerun has work to skip), at least twice.
  const finishedOutputs = (): number =>
    existsSync(out) ? [...statTree(out).keys()].filter((r) => isOutput(r) && !r.endsWith('.tmp')).length : 0;
  for (const at of [0.35, 0.45, 0.55, 0.65, 0.75, 0.85]) {
    const r = await runAndKill(args, Math.floor(runMs * (at + Math.random() * 0.1)));
    if (r.killed) kills += 1;
    assertNoPartialOutputs(out);
    if (!r.killed) break; // it finished: nothing left to interrupt
    if (kills >= 2 && finishedOutputs() > 0) break;
  }
  expect(kills).toBeGreaterThan(0);

  // Every kill may have landed before the run made DIR (a loaded machine): then nothing is finished yet.
  const finished = existsSync(out) ? [...statTree(out)] : [];
  const before = new Map(finished.filter(([rel]) => isOutput(rel) && !rel.endsWith('.tmp')));
  console.log(
    `run-kill: a whole run took ${runMs.toFixed(0)} ms; ${kills} kills; ${before.size} of ${FILES} outputs finished before the rerun`,
  );
  const done = airlock(args);
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);

  const after = statTree(out);
  for (const [rel, st] of before) expect(after.get(rel), `${rel} was redone`).toBe(st);
  const outputs = [...after.keys()].filter(isOutput);
  expect(outputs).toHaveLength(FILES);
  expect(outputs.filter((r) => r.endsWith('.tmp'))).toEqual([]);
  expect(existsSync(join(out, JOURNAL_NAME))).toBe(false);
  const m = JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as Manifest;
  expect(m.complete).toBe(true);
  expect(m.files.filter((f) => f.status === 'clean')).toHaveLength(FILES);
  for (const f of m.files) expect(sha(readFileSync(join(out, f.output)))).toBe(f.outputSha256);
  expect(hashTree(input)).toEqual(originals);
}, 120_000);

it('the CLI refuses an --out inside an input with the usage exit code, and --dry-run writes nothing', () => {
  const input = join(scratch, 'in2');
  writeBatch(input, 4);
  const refused = airlock(['scrub', input, '--out', join(input, 'clean')]);
  expect(refused.code).toBe(64);
  expect(refused.stderr).toMatch(/inside the input/);
  expect(existsSync(join(input, 'clean'))).toBe(false);

  const out = join(scratch, 'dry');
  const dry = airlock(['scrub', input, '--out', out, '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/replace +location\.drone +GPSPosition/);
  expect(dry.stdout).toMatch(/drop +identity\.device +\w*SerialNumber \(IFD0 › ExifIFD\)/);
  expect(existsSync(out)).toBe(false);
});

/**
 * The worker pool shared by scrub and inspect, driven with real worker threads: every result goes
 * back to the job that asked for it, a job that throws or a worker that dies fails that job alone,
 * a worker module that cannot load fails every job without spinning, and the pool never keeps
 * the process alive or leaves a hung worker behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JobFailed, WorkerCrash, WorkerPool } from '../../src/core/worker-pool.js';
import { ROOT } from '../helpers/corpus.js';

type Job =
  | { kind: 'echo' | 'ask' | 'ask-refused' | 'throw'; n: number; ms?: number }
  | { kind: 'exit' | 'uncaught' | 'hang' };
const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

let pool: WorkerPool<Job, unknown, number, number> | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('WorkerPool', () => {
  it('gives each job its own result, with the workerData every worker got', async () => {
    pool = new WorkerPool({ url: fixture('pool-worker.mjs'), size: 3, workerData: { tag: 'T' } });
    const jobs = Array.from({ length: 40 }, (_, n) => pool!.run({ kind: 'echo', n, ms: (n * 7) % 5 }));
    const results = await Promise.all(jobs);
    expect(results).toEqual(Array.from({ length: 40 }, (_, n) => ({ n, tag: 'T' })));
  });

  it('answers a question a worker asks mid-job, and sends a refusal back as an error', async () => {
    const asked: number[] = [];
    pool = new WorkerPool({
      url: fixture('pool-worker.mjs'),
      size: 2,
      answer: (q: number) => {
        if (q === 13) throw new Error('disk full');
        asked.push(q);
        return q * 10;
      },
    });
    const [a, b, c] = await Promise.all([
      pool.run({ kind: 'ask', n: 4 }),
      pool.run({ kind: 'ask', n: 5 }),
      pool.run({ kind: 'ask-refused', n: 13 }),
    ]);
    expect([a, b]).toEqual([
      { n: 4, answer: 40 },
      { n: 5, answer: 50 },
    ]);
    expect(c).toBe('refused: disk full');
    expect(asked.sort()).toEqual([4, 5]);
  });

  it('fails only the job that threw; the same worker takes the next job', async () => {
    pool = new WorkerPool({ url: fixture('pool-worker.mjs'), size: 1 });
    const bad = pool.run({ kind: 'throw', n: 2 });
    const good = pool.run({ kind: 'echo', n: 3 });
    await expect(bad).rejects.toThrow(JobFailed);
    await expect(bad).rejects.toThrow('job 2 refused');
    await expect(good).resolves.toEqual({ n: 3 });
  });

  it('fails only the job whose worker exited, replaces the worker, and finishes the rest', async () => {
    pool = new WorkerPool({ url: fixture('pool-worker.mjs'), size: 2 });
    const jobs: Promise<unknown>[] = [];
    for (let n = 0; n < 10; n++) jobs.push(pool.run(n === 4 ? { kind: 'exit' } : { kind: 'echo', n }));
    const settled = await Promise.allSettled(jobs);
    const crash = settled[4] as PromiseRejectedResult;
    expect(crash.reason).toBeInstanceOf(WorkerCrash);
    expect(String(crash.reason.message)).toMatch(/stopped while on this job: exited with code 7/);
    settled.forEach((s, n) => {
      if (n !== 4) expect(s).toEqual({ status: 'fulfilled', value: { n } });
    });
  });

  it('names the uncaught error that killed a worker in the failed job', async () => {
    pool = new WorkerPool({ url: fixture('pool-worker.mjs'), size: 1 });
    const lost = pool.run({ kind: 'uncaught' });
    await expect(lost).rejects.toThrow(/thrown outside the job/);
    await expect(pool.run({ kind: 'echo', n: 1 })).resolves.toEqual({ n: 1 });
  });

  it('does not respawn forever when the worker module cannot load: every job fails, clearly', async () => {
    pool = new WorkerPool({ url: fixture('broken-worker.mjs'), size: 2, maxRespawns: 3 });
    const jobs = Array.from({ length: 8 }, (_, n) => pool!.run({ kind: 'echo', n }));
    const settled = await Promise.allSettled(jobs);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(WorkerCrash);
    }
    const last = (settled[7] as PromiseRejectedResult).reason as Error;
    expect(last.message).toMatch(/this worker cannot start|keep stopping/);
    await expect(pool.run({ kind: 'echo', n: 9 })).rejects.toThrow(/keep stopping/);
  });

  it('close() ends hung workers promptly and rejects what they held', async () => {
    pool = new WorkerPool({ url: fixture('pool-worker.mjs'), size: 2 });
    const hung = [pool.run({ kind: 'hang' }), pool.run({ kind: 'hang' }), pool.run({ kind: 'echo', n: 1 })];
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await pool.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const p of hung) await expect(p).rejects.toThrow(/pool closed/);
    await expect(pool.run({ kind: 'echo', n: 2 })).rejects.toThrow(/pool closed/);
  });

  it('lets the process exit once jobs are done, even when nobody closes the pool', () => {
    const dist = pathToFileURL(join(ROOT, 'dist/core/worker-pool.js')).href;
    const url = fixture('pool-worker.mjs').href;
    const script = `const { WorkerPool } = await import(${JSON.stringify(dist)});
      const pool = new WorkerPool({ url: new URL(${JSON.stringify(url)}), size: 2 });
      console.log(JSON.stringify(await pool.run({ kind: 'echo', n: 5 })));`;
    // A file, not -e: workers inherit the parent's execArgv, and --input-type is refused there.
    const file = join(mkdtempSync(join(tmpdir(), 'airlock-pool-')), 'unclosed.mjs');
    writeFileSync(file, script);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 });
    rmSync(dirname(file), { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('{"n":5}');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

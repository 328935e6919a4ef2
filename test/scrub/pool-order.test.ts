/**
 * How a batch's jobs are spread over the workers: biggest first within bounded windows of input
 * order, and no job handed ahead to a worker already holding a big one (it would wait there
 * while another worker runs dry).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/core/worker-pool.js';
import type { JobSpec } from '../../src/scrub/job.js';
import { biggestFirst } from '../../src/scrub/run.js';

const spec = (size: number | undefined, n: number): JobSpec => ({
  input: `in/${n}`,
  output: `/out/${n}`,
  outputRel: String(n),
  ours: [],
  force: false,
  dryRun: false,
  policyHash: 'p',
  ...(size === undefined ? {} : { size }),
});

describe('biggestFirst', () => {
  it('orders each window by size, biggest first, equal sizes in input order, windows in input order', () => {
    const sizes = [5, 9, 5, 1, 7, 3, 3, 8, undefined, 2];
    const order = biggestFirst(
      sizes.map((s, n) => spec(s, n)),
      4,
    );
    expect(order).toEqual([1, 0, 2, 3, 7, 4, 5, 6, 9, 8]);
  });

  it('gives every job exactly once', () => {
    const specs = Array.from({ length: 1000 }, (_, n) => spec((n * 7919) % 613, n));
    expect([...biggestFirst(specs)].sort((a, b) => a - b)).toEqual(specs.map((_, n) => n));
  });
});

type Job = { kind: 'echo'; n: number } | { kind: 'hang' };
let pool: WorkerPool<Job, unknown> | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('WorkerPool aheadBudget', () => {
  it('hands nothing ahead to a worker holding a job over budget: the other worker takes the rest', async () => {
    // The first job never ends: any job queued behind it would never end either.
    pool = new WorkerPool<Job, unknown, never, never>({
      url: new URL('../inspect/fixtures/pool-worker.mjs', import.meta.url),
      size: 2,
      ahead: 4,
      aheadBudget: { cost: (j) => (j.kind === 'hang' ? 100 : 1), limit: 50 },
    });
    void pool.run({ kind: 'hang' });
    const rest = Array.from({ length: 9 }, (_, n) => pool?.run({ kind: 'echo', n }));
    expect(await Promise.all(rest)).toEqual(Array.from({ length: 9 }, (_, n) => ({ n })));
  });
});

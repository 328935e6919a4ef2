/**
 * A scrub worker thread: takes one job at a time from the pool (src/core/worker-pool.ts) and runs
 * scrubOne; the main thread journals each record before it renames the output into place.
 */
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../core/worker-pool.js';
import type { Policy } from '../policy/index.js';
import { type JobSpec, scrubOne, toWire, type WireOutcome } from './job.js';
import { rewriterFor } from './registry.js';

// A job: a spec in, an outcome out (its output left in a temp file, journalled and renamed by
// the main thread a batch at a time), so a worker never waits on a disk flush.
serveJobs<JobSpec, WireOutcome>(async (spec) =>
  toWire(await scrubOne(spec, (workerData as { policy: Policy }).policy, rewriterFor)),
);

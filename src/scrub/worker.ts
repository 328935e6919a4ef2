/**
 * A scrub worker thread: takes one job at a time from the pool (src/core/worker-pool.ts) and runs
 * scrubOne; the main thread journals each record before it renames the output into place.
 */
import { setFlagsFromString } from 'node:v8';
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../core/worker-pool.js';
import type { Policy } from '../policy/index.js';
import { type JobSpec, scrubOne } from './job.js';
import { rewriterFor } from './registry.js';
import { toWire, type WireOutcome } from './wire.js';

// Each worker is a fresh V8 isolate that compiles the same readers and rewriters again: with
// V8's default tiering budget, optimising compiles were ~30% of the CPU of a 2,000-file scrub.
// A larger budget (a V8 tiering option, process-wide; it changes speed, never results) leaves
// lukewarm code to the baseline tiers and optimises what runs hot: -18% instructions in all on
// 600 corpus files (callgrind). Default 66 KB in Node 20's V8.
setFlagsFromString('--interrupt-budget=1048576');

// A job: a spec in, an outcome out (its output left in a temp file, journalled and renamed by
// the main thread a batch at a time), so a worker never waits on a disk flush.
serveJobs<JobSpec, WireOutcome>(async (spec) =>
  toWire(await scrubOne(spec, (workerData as { policy: Policy }).policy, rewriterFor)),
);

/**
 * `airlock inspect` as a function. inspectStream yields one FileReport per entry as it
 * completes, so a caller that renders and forgets each one (the CLI) holds one file's findings
 * at a time; inspectPaths collects them into the whole report (tests, the demo).
 * The walk is listed first (stat only, a path per entry) so progress can show a total.
 * Many files are read on worker threads, their reports given back in walk order.
 */

import { availableParallelism } from 'node:os';
import { AirlockError } from '../core/errors.js';
import { WorkerPool } from '../core/worker-pool.js';
import { MIN_FILES_FOR_FACE_WORKERS } from '../faces/workers.js';
import type { Policy } from '../policy/index.js';
import type { FileReport, InspectHeader, InspectReport } from '../report/model.js';
import { INSPECT_SCHEMA_ID } from '../report/schema-id.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { errorReport, inspectWithFaces } from './inspect-file.js';
import { inOrder } from './ordered.js';
import { SummaryTally } from './summary.js';
import { type WalkEntry, walk } from './walk.js';

export interface InspectOptions {
  policy: Policy;
  policyHash: string;
  onProgress?: (done: number, total?: number) => void;
  /** The command line to record; defaults to 'airlock inspect PATH…'. */
  command?: string;
  /**
   * Look at every picture for faces (also whenever the policy's faces rule is withhold or mask). The
   * detector is loaded only when a picture is met.
   */
  faces?: boolean;
  /** Worker threads; default os.availableParallelism() - 1. 1 reads every file in this thread. */
  workers?: number;
  /** Tests only: the worker module to run instead of ./worker.js (it must call serveJobs). */
  workerUrl?: URL;
}

/** How long the loop may run before yielding to the event loop (so a progress bar can draw). */
const YIELD_EVERY_MS = 50;
/** Below this many files the workers' start-up costs more than they save. */
const MIN_FILES_FOR_WORKERS = 64;
/** Reports finished ahead of the one the writers wait for, per worker (bounds memory). */
const WINDOW_PER_WORKER = 16;
/** Files handed to a worker ahead of the one it reads: most take well under a millisecond, as
 * long as a message's round trip, so a worker given one at a time would wait half the run. */
const JOBS_AHEAD = 4;

export function inspectHeader(paths: readonly string[], opts: InspectOptions): InspectHeader {
  return {
    schema: INSPECT_SCHEMA_ID,
    airlockVersion: AIRLOCK_VERSION,
    policyHash: opts.policyHash,
    generatedAt: new Date().toISOString(),
    command: opts.command ?? ['airlock', 'inspect', ...paths].join(' '),
    roots: [...paths],
  };
}

/** Every entry under `paths`, inspected in walk order, one report at a time. */
export async function* inspectStream(
  paths: readonly string[],
  opts: InspectOptions,
): AsyncGenerator<FileReport, void, undefined> {
  const entries = [...walk(paths)];
  opts.onProgress?.(0, entries.length);
  const n = poolSize(opts.workers, entries, looksForFaces(opts));
  const reports = n > 1 ? onWorkers(entries, n, opts) : inThread(entries, opts.policy, looksForFaces(opts));
  let done = 0;
  for await (const f of reports) {
    yield f;
    opts.onProgress?.(++done, entries.length);
  }
}

/**
 * Worker threads to use. Source run by the test runner (.ts) cannot be loaded by a worker, and a
 * few files do not repay the workers' start-up (~50 ms each to load the analysers).
 */
function poolSize(asked: number | undefined, entries: readonly WalkEntry[], faces: boolean): number {
  const files = entries.filter((e) => e.kind === 'file').length;
  const compiled = import.meta.url.endsWith('.js');
  // With faces, this thread, rendering a report every few seconds, needs no core of its own.
  if (!compiled || files < (faces ? MIN_FILES_FOR_FACE_WORKERS : MIN_FILES_FOR_WORKERS)) return 1;
  // By default one core is left to this thread, which deserialises every report and renders it:
  // on 2 cores, 2 workers ran 2,000 small files slower than none.
  const byDefault = faces ? availableParallelism() : availableParallelism() - 1;
  return Math.max(1, Math.min(asked ?? byDefault, files));
}

/** Whether pictures are looked at for faces: asked for, or needed to say what scrub will do. */
export const looksForFaces = (opts: Pick<InspectOptions, 'faces' | 'policy'>): boolean =>
  opts.faces === true || opts.policy.media.faces !== 'keep';

async function* inThread(
  entries: readonly WalkEntry[],
  policy: Policy,
  faces: boolean,
): AsyncGenerator<FileReport> {
  let lastYield = Date.now();
  for (const entry of entries) {
    yield entry.kind === 'file'
      ? await inspectWithFaces(entry.path, policy, faces, entry.size)
      : errorReport(entry.path, entry.size, entry.error);
    if (Date.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
}

/** The same reports from a pool of workers, given back in walk order. */
async function* onWorkers(
  entries: readonly WalkEntry[],
  n: number,
  opts: InspectOptions,
): AsyncGenerator<FileReport> {
  if (looksForFaces(opts)) (await import('../faces/decode.js')).preloadSharp();
  const pool = new WorkerPool<string, FileReport>({
    url: opts.workerUrl ?? new URL('./worker.js', import.meta.url),
    size: n,
    workerData: { policy: opts.policy, faces: looksForFaces(opts) },
    ahead: JOBS_AHEAD,
  });
  try {
    const start = (e: WalkEntry): Promise<FileReport> =>
      e.kind === 'file'
        ? pool.run(e.path).catch((err: unknown) => lostReport(e.path, e.size, err))
        : Promise.resolve(errorReport(e.path, e.size, e.error));
    yield* inOrder(entries, start, n * WINDOW_PER_WORKER);
  } finally {
    await pool.close();
  }
}

/** The worker reading this file died (or the job could not come back): the file is an error, the run goes on. */
function lostReport(path: string, size: number, err: unknown): FileReport {
  const why = String((err as Error)?.message ?? err);
  return errorReport(
    path,
    size,
    new AirlockError('AIRLOCK_ERR_MALFORMED', `not inspected: ${why}`, undefined, path),
  );
}

/** The whole report in memory (for tests and small runs; the CLI streams). */
export async function inspectPaths(paths: string[], opts: InspectOptions): Promise<InspectReport> {
  const header = inspectHeader(paths, opts);
  const tally = new SummaryTally();
  const files: FileReport[] = [];
  for await (const f of inspectStream(paths, opts)) {
    tally.add(f);
    files.push(f);
  }
  return { ...header, files, summary: tally.summary(), exitCode: tally.exitCode() };
}

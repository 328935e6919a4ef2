/**
 * `airlock scrub` as a function: inputs, DIR and a policy in; clean copies, the manifest and an
 * exit code out. Lists the inputs first (stat only, so progress has a total), refuses an --out
 * inside an input, sweeps temp files a killed run left, then runs one job per file on a pool of
 * worker threads (or in this thread for a handful of files, and under the test runner).
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { WorkerPool } from '../core/worker-pool.js';
import { walk } from '../inspect/walk.js';
import type { Policy } from '../policy/index.js';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { GroupCommit } from './commit.js';
import { type JobOutcome, type JobSpec, scrubOne, TEMP_PREFIX, TEMP_SUFFIX } from './job.js';
import {
  CONVENTIONS,
  Journal,
  loadPrior,
  MANIFEST_NAME,
  MANIFEST_SCHEMA,
  type Manifest,
  type ManifestRecord,
  type PriorState,
  writeManifest,
} from './manifest.js';
import type { RewriterLookup } from './plan.js';
import { rewriterFor as registryLookup } from './registry.js';

export interface ScrubOptions {
  out: string;
  policy: Policy;
  policyHash: string;
  force?: boolean;
  dryRun?: boolean;
  /** Worker threads; default os.availableParallelism(). 1 runs every job in this thread. */
  workers?: number;
  /** In-thread only (tests): rewriters to use instead of the registry. */
  rewriterFor?: RewriterLookup;
  onProgress?: (done: number, total: number) => void;
  onOutcome?: (o: JobOutcome) => void;
}

export interface ScrubResult {
  manifest: Manifest;
  /** This run's outcomes, in input order. */
  outcomes: JobOutcome[];
  exitCode: number;
  /** One line per file that makes the exit code non-zero. */
  failures: string[];
}

/** Below this many files the pool costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 8;
/** The manifest is rewritten at most this often while a batch runs (the journal covers between)... */
const MANIFEST_EVERY_MS = 1000;
/** ...and never taking more than 1/this of the run's time. */
const MANIFEST_COST_FACTOR = 20;

const usage = (msg: string): AirlockError => new AirlockError('AIRLOCK_ERR_USAGE', msg);

/** realpath of a path that may not exist yet: its nearest existing ancestor, resolved, plus the rest. */
function realpathLoose(p: string): string {
  const abs = resolve(p);
  let head = abs;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    tail.unshift(basename(head));
    head = up;
  }
  return join(realpathSync(head), ...tail);
}

const inside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

interface Planned {
  specs: JobSpec[];
  /** Entries the walk could not use (special files, loops): recorded, never jobs. */
  walkErrors: ManifestRecord[];
}

function listJobs(inputs: readonly string[], out: string, opts: ScrubOptions, prior: PriorState): Planned {
  const policyHash = opts.policyHash;
  const specs: JobSpec[] = [];
  const walkErrors: ManifestRecord[] = [];
  const several = inputs.length > 1;
  const tops = new Map<string, string>();
  for (const input of inputs) {
    const top = basename(resolve(input));
    const had = tops.get(top);
    if (several && had !== undefined)
      throw usage(`inputs ${had} and ${input} would both be written to ${join(out, top)}`);
    tops.set(top, input);
  }
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // Reported by the walk below as an unreadable entry.
    }
    for (const entry of walk([input])) {
      const rel0 = isDir ? relative(input, entry.path) : basename(entry.path);
      // One input: its tree directly under DIR; several: each folder under DIR/<its basename>, each file as DIR/<name>.
      const relParts = (
        several && isDir ? [basename(resolve(input)), ...rel0.split(sep)] : rel0.split(sep)
      ).filter(Boolean);
      const outputRel = relParts.join('/');
      if (entry.kind === 'error') {
        walkErrors.push({
          input: entry.path,
          inputSha256: '',
          inputSize: entry.size ?? 0,
          output: outputRel,
          status: 'withheld',
          format: null,
          policyHash,
          withheld: { why: 'unreadable', detail: entry.error.describe() },
          findings: [],
          kept: [],
          notes: [],
          finishedAt: new Date().toISOString(),
        });
        continue;
      }
      const spec: JobSpec = {
        input: entry.path,
        output: join(out, ...relParts),
        outputRel,
        ours: [...(prior.ours.get(outputRel) ?? [])],
        force: opts.force ?? false,
        dryRun: opts.dryRun ?? false,
        policyHash,
      };
      const p = prior.records.get(outputRel);
      if (p) spec.prior = p;
      specs.push(spec);
    }
  }
  return { specs, walkErrors };
}

/** Temp outputs a killed run left behind (never under a final name, but litter). */
function sweepTemps(dir: string, depth = 0): void {
  if (depth > 64) return;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sweepTemps(p, depth + 1);
    else if (e.isFile() && e.name.startsWith(TEMP_PREFIX) && e.name.endsWith(TEMP_SUFFIX))
      rmSync(p, { force: true });
    else if (e.isFile() && e.name.startsWith(`${MANIFEST_NAME}.airlock-`)) rmSync(p, { force: true });
  }
}

/** Exit status of one record: failures make the run exit 2 (README, "Exit codes"). */
export function failureOf(r: ManifestRecord): string | undefined {
  switch (r.status) {
    case 'clean':
    case 'copied':
      return undefined;
    case 'withheld':
      return r.withheld && ['unreadable', 'unsupported', 'error'].includes(r.withheld.why)
        ? `${r.input}: withheld (${r.withheld.why}): ${r.withheld.detail}`
        : undefined;
    case 'verify-failed':
      return `${r.input}: VERIFICATION FAILED, no output written: ${(r.problems ?? []).join('; ')}`;
    case 'error':
      return `${r.input}: ${r.error ?? 'failed'}`;
  }
}

export async function scrubPaths(inputs: readonly string[], opts: ScrubOptions): Promise<ScrubResult> {
  if (inputs.length === 0) throw usage('no input given');
  const out = resolve(opts.out);
  const outReal = realpathLoose(out);
  for (const input of inputs) {
    let real: string;
    try {
      real = realpathSync(input);
    } catch {
      continue; // a missing input is reported per file by the walk
    }
    if (inside(outReal, real))
      throw usage(
        `--out ${opts.out} is ${outReal === real ? 'the same as' : 'inside'} the input ${input}: refused (originals are never written to)`,
      );
  }
  if (existsSync(out) && !statSync(out).isDirectory()) throw usage(`--out ${opts.out} is not a folder`);
  if (!opts.dryRun) {
    mkdirSync(out, { recursive: true });
    sweepTemps(out);
  }

  const prior = loadPrior(out);
  const { specs, walkErrors } = listJobs(inputs, out, opts, prior);
  const records = new Map(prior.records);
  const journal = opts.dryRun ? undefined : new Journal(out);
  let lastManifest = Date.now();
  const manifest = (complete: boolean): Manifest => ({
    schema: MANIFEST_SCHEMA,
    airlockVersion: AIRLOCK_VERSION,
    policyHash: opts.policyHash,
    conventions: CONVENTIONS,
    updatedAt: new Date().toISOString(),
    complete,
    files: [...records.values()].sort((a, b) => (a.output < b.output ? -1 : a.output > b.output ? 1 : 0)),
  });
  // The manifest is rewritten while the batch runs only as often as keeps its cost small: it grows
  // with the batch (rewriting it each second made a long batch quadratic); the journal covers between.
  let manifestEveryMs = MANIFEST_EVERY_MS;
  const onRecord = (r: ManifestRecord): void => {
    records.set(r.output, r);
    if (Date.now() - lastManifest > manifestEveryMs) {
      const t0 = Date.now();
      try {
        writeManifest(out, manifest(false));
      } catch {
        // The journal already holds the record; the manifest is written again at the end.
      }
      lastManifest = Date.now();
      manifestEveryMs = Math.max(MANIFEST_EVERY_MS, MANIFEST_COST_FACTOR * (lastManifest - t0));
    }
  };
  const committer = new GroupCommit(journal, onRecord);
  const committed: Promise<void>[] = [];
  if (!opts.dryRun)
    for (const r of walkErrors)
      committed.push(committer.add({ record: r, output: join(out, r.output) }).then());

  let manifestError: string | undefined;
  const outcomes: JobOutcome[] = new Array(specs.length);
  let done = 0;
  const total = specs.length;
  opts.onProgress?.(0, total);
  const settle = (i: number, o: JobOutcome): void => {
    outcomes[i] = o;
    done += 1;
    opts.onOutcome?.(o);
    opts.onProgress?.(done, total);
  };
  // A written job counts as done once its batch is durable (journalled, renamed into place).
  const finished = (i: number, o: JobOutcome): void => {
    if (o.kind !== 'done') {
      settle(i, o);
      return;
    }
    committed.push(committer.add(o.pending).then((record) => settle(i, { ...o, record })));
  };

  try {
    const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), specs.length));
    const compiled = import.meta.url.endsWith('.js');
    if (workers > 1 && compiled && !opts.rewriterFor && specs.length >= MIN_FILES_FOR_WORKERS) {
      await runPool(specs, workers, opts.policy, finished);
    } else {
      const lookup = opts.rewriterFor ?? registryLookup;
      for (const [i, spec] of specs.entries()) finished(i, await scrubOne(spec, opts.policy, lookup));
    }
    committer.flush();
    await Promise.all(committed);
    if (!opts.dryRun) {
      try {
        writeManifest(out, manifest(true));
        journal?.closeAndRemove();
      } catch (err) {
        // The journal stays: a rerun (with space) rebuilds the manifest from it.
        const e = err as NodeJS.ErrnoException;
        manifestError = `${join(out, MANIFEST_NAME)}: cannot write the manifest: ${e?.code ?? ''} ${e?.message ?? e}`;
      }
    }
  } finally {
    // A batch stopped early still makes what finished durable (the rerun skips it).
    committer.flush();
    journal?.close();
  }

  const final = manifest(true);
  const mine = [...walkErrors, ...outcomes.map((o) => o.record)];
  const failures = mine.map(failureOf).filter((f): f is string => f !== undefined);
  if (manifestError) failures.push(manifestError);
  return { manifest: final, outcomes, exitCode: failures.length ? EXIT.ERROR : EXIT.OK, failures };
}

/** One job per worker at a time; the main thread owns the journal, the renames and the manifest. */
async function runPool(
  specs: JobSpec[],
  n: number,
  policy: Policy,
  settle: (i: number, o: JobOutcome) => void,
): Promise<void> {
  const pool = new WorkerPool<JobSpec, JobOutcome>({
    url: new URL('./worker.js', import.meta.url),
    size: n,
    workerData: { policy },
  });
  try {
    // Any failure stops the batch (the journal and manifest keep what finished; a rerun resumes).
    await Promise.all(
      specs.map((spec, i) =>
        pool.run(spec).then(
          (o) => settle(i, o),
          (err: unknown) => {
            throw new Error(`${spec.input}: ${(err as Error)?.message ?? err}`);
          },
        ),
      ),
    );
  } finally {
    await pool.close();
  }
}

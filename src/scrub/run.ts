/**
 * `airlock scrub` as a function: inputs, DIR and a policy in; clean copies, the manifest and an
 * exit code out. Lists the inputs first (stat only, so progress has a total), refuses an --out
 * inside an input, sweeps temp files a killed run left, then runs one job per file on a pool of
 * worker threads (or in this thread for a handful of files, and under the test runner).
 */

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { WorkerPool } from '../core/worker-pool.js';
import { MIN_FILES_FOR_FACE_WORKERS } from '../faces/workers.js';
import { walk } from '../inspect/walk.js';
import type { Policy } from '../policy/index.js';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { GroupCommit } from './commit.js';
import { FilesystemSync, LOCK_NAME, lockFolder } from './files.js';
import type { JobOutcome, JobSpec } from './job.js';
import {
  CONVENTIONS,
  JOURNAL_NAME,
  Journal,
  loadPrior,
  MANIFEST_NAME,
  MANIFEST_SCHEMA,
  type Manifest,
  type ManifestRecord,
  type PriorState,
  writeManifestStreamed,
} from './manifest.js';
import type { RewriterLookup } from './plan.js';
import { TEMP_PREFIX, TEMP_SUFFIX } from './temp-output.js';
import { fromWire, type WireOutcome } from './wire.js';

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
  /**
   * Each entry the walk could not use (FIFO, device, dangling link, loop, unreadable folder), or
   * refused (a reserved name, a link into DIR): recorded, never a job; told before any outcome.
   */
  onUnlisted?: (r: ManifestRecord) => void;
  /** Each outcome as it is final, with its index in input order. */
  onOutcome?: (o: JobOutcome, index: number) => void;
  /** Keep every outcome for the result (default true); the CLI streams them and keeps none. */
  keepOutcomes?: boolean;
}

export interface ScrubResult {
  /** The manifest as written (read back from DIR on first use). */
  readonly manifest: Manifest;
  /** This run's outcomes, in input order (empty with keepOutcomes: false). */
  outcomes: JobOutcome[];
  /** Records of entries that were never jobs (onUnlisted), in walk order. */
  unlisted: ManifestRecord[];
  exitCode: number;
  /** One line per file that makes the exit code non-zero. */
  failures: string[];
}

/** Files handed to each worker ahead of the one it works on... */
const JOBS_AHEAD = 4;
/** ...while those it holds are smaller than this in all: a big still is taken by a free worker. */
const AHEAD_BYTES = 2 ** 20;
/** Jobs started biggest first within each run of this many (in input order run after run). */
const ORDER_WINDOW = 256;
/** Below this many files the pool costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 8;

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
  /** Entries the walk could not use (special files, loops) or that are refused: recorded, never jobs. */
  walkErrors: ManifestRecord[];
}

/** Names under DIR that are Airlock's own: the manifest, its journal, the lock (top level only). */
const OWN_TOP = new Set([MANIFEST_NAME, JOURNAL_NAME, LOCK_NAME]);

/** Why an output path is Airlock's own (its manifest, journal, lock or a temp name the sweep removes), if it is. */
function reservedName(relParts: readonly string[]): string | undefined {
  const top = relParts[0] ?? '';
  if (OWN_TOP.has(top)) return `${top} is Airlock's own file in --out`;
  const name = relParts[relParts.length - 1] ?? '';
  if (
    (name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX)) ||
    name.startsWith(`${MANIFEST_NAME}.airlock-`)
  )
    return `${name} is named like Airlock's temporary files, which a run removes`;
  return undefined;
}

function listJobs(
  inputs: readonly string[],
  out: string,
  outReal: string,
  opts: ScrubOptions,
  prior: PriorState,
): Planned {
  const policyHash = opts.policyHash;
  const specs: JobSpec[] = [];
  const walkErrors: ManifestRecord[] = [];
  const several = inputs.length > 1;
  const present = presentIn();
  const tops = new Map<string, string>();
  for (const input of inputs) {
    const top = basename(resolve(input));
    const had = tops.get(top);
    if (several && had !== undefined)
      throw usage(`inputs ${had} and ${input} would both be written to ${join(out, top)}`);
    tops.set(top, input);
  }
  const record = (
    input: string,
    outputRel: string,
    size: number,
    why: 'unreadable' | 'error',
    detail: string,
  ) => {
    const owned = prior.ours.get(outputRel);
    const r: ManifestRecord = {
      input,
      inputSha256: '',
      inputSize: size,
      output: outputRel,
      status: 'withheld',
      format: null,
      policyHash,
      withheld: { why, detail },
      findings: [],
      kept: [],
      notes: [],
      ...(owned?.size ? { ownedSha256: [...owned] } : {}),
      airlockVersion: AIRLOCK_VERSION,
      finishedAt: new Date().toISOString(),
    };
    walkErrors.push(r);
  };
  /** Links found inside an input that lead into DIR, each recorded once. */
  const linksIntoOut = new Set<string>();
  const realFolder = realFolders();
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // Reported by the walk below as an unreadable entry.
    }
    const relPartsOf = (path: string): string[] => {
      const rel0 = isDir ? relative(input, path) : basename(path);
      // One input: its tree directly under DIR; several: each folder under DIR/<its basename>, each file as DIR/<name>.
      return (several && isDir ? [basename(resolve(input)), ...rel0.split(sep)] : rel0.split(sep)).filter(
        Boolean,
      );
    };
    for (const entry of walk([input])) {
      const relParts = relPartsOf(entry.path);
      const outputRel = relParts.join('/');
      if (entry.kind === 'error') {
        record(entry.path, outputRel, entry.size ?? 0, 'unreadable', entry.error.describe());
        continue;
      }
      // A link inside an input that leads into DIR: never followed (the run would read, and
      // with --force overwrite, its own outputs).
      const link = isDir ? linkIntoOut(input, entry.path, outReal, realFolder, entry.named) : undefined;
      if (link !== undefined) {
        if (!linksIntoOut.has(link)) {
          linksIntoOut.add(link);
          record(
            link,
            relPartsOf(link).join('/'),
            0,
            'error',
            `a link into --out ${opts.out}: not followed (nothing under --out is ever read as an input)`,
          );
        }
        continue;
      }
      const reserved = reservedName(relParts);
      if (reserved !== undefined) {
        record(
          entry.path,
          outputRel,
          entry.size,
          'error',
          `reserved name: ${reserved}; not written (rename the input to have it scrubbed)`,
        );
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
        version: AIRLOCK_VERSION,
        size: entry.size,
      };
      const exists = present(spec.output);
      if (exists !== undefined) spec.exists = exists;
      const p = prior.records.get(outputRel);
      if (p) spec.prior = p;
      specs.push(spec);
    }
  }
  return { specs, walkErrors };
}

/**
 * The real path of a folder, resolved once per folder (undefined when it cannot be), so a
 * folder's files cost no resolution each (realpath(3): a getcwd and a readlink per component).
 */
function realFolders(): (dir: string) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (dir) => {
    if (known.has(dir)) return known.get(dir);
    let real: string | undefined;
    try {
      real = realpathSync.native(dir);
    } catch {
      real = undefined;
    }
    known.set(dir, real);
    return real;
  };
}

/**
 * For a file found under the folder `input` whose real path lies inside DIR: the outermost path
 * between them that already leads into DIR (the link to skip); undefined for any other file.
 * A file whose name is no symlink (`named`, from the walk's listing) lies where its folder
 * really is: its folder's real path (one per folder) and its name are its real path.
 */
function linkIntoOut(
  input: string,
  path: string,
  outReal: string,
  realFolder: (dir: string) => string | undefined,
  named?: boolean,
): string | undefined {
  let real: string;
  try {
    const folder = named ? realFolder(dirname(path)) : undefined;
    real = folder === undefined ? realpathSync.native(path) : join(folder, basename(path));
  } catch {
    return undefined; // the job reports what cannot be read
  }
  if (!inside(real, outReal)) return undefined;
  let link = path;
  for (let up = dirname(path); up.length > input.length && inside(up, input); up = dirname(up)) {
    try {
      if (!inside(realpathSync.native(up), outReal)) break;
    } catch {
      break;
    }
    link = up;
  }
  return link;
}

/**
 * Whether a path exists, by one readdir per folder (cached for this listing), not a lookup per
 * file; undefined when the folder cannot be listed (the job then looks the file up itself).
 */
function presentIn(): (path: string) => boolean | undefined {
  const folders = new Map<string, Set<string> | null>();
  return (path) => {
    const dir = dirname(path);
    let names = folders.get(dir);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(dir));
      } catch (err) {
        // No folder yet (a fresh DIR): nothing in it.
        names = (err as NodeJS.ErrnoException)?.code === 'ENOENT' ? new Set() : null;
      }
      folders.set(dir, names);
    }
    return names === null ? undefined : names.has(basename(path));
  };
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

/** Verification problems a failure line shows. */
const SHOWN_PROBLEMS = 3;

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
    case 'verify-failed': {
      // A damaged long file can fail on every frame: the line names a few, the manifest all.
      const problems = r.problems ?? [];
      const more =
        problems.length > SHOWN_PROBLEMS
          ? `; and ${problems.length - SHOWN_PROBLEMS} more (the manifest lists all)`
          : '';
      return `${r.input}: VERIFICATION FAILED, no output written: ${problems.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`;
    }
    case 'error':
      return `${r.input}: ${r.error ?? 'failed'}`;
  }
}

export async function scrubPaths(inputs: readonly string[], opts: ScrubOptions): Promise<ScrubResult> {
  if (inputs.length === 0) throw usage('no input given');
  const out = resolve(opts.out);
  const outReal = realpathLoose(out);
  for (const input of inputs) {
    try {
      lstatSync(input);
    } catch (err) {
      // A path that is not there (a typo): refused before anything is made or written.
      if ((err as NodeJS.ErrnoException)?.code === 'ENOENT')
        throw new AirlockError('AIRLOCK_ERR_IO', `input ${input} does not exist: nothing done`);
    }
    let real: string;
    try {
      real = realpathSync(input);
    } catch {
      continue; // an input that cannot be resolved is reported per file by the walk
    }
    if (inside(outReal, real))
      throw usage(
        `--out ${opts.out} is ${outReal === real ? 'the same as' : 'inside'} the input ${input}: refused (originals are never written to)`,
      );
    if (inside(real, outReal))
      throw usage(
        `the input ${input} is inside --out ${opts.out}: refused (a run would read, and could overwrite, what it writes)`,
      );
  }
  if (existsSync(out) && !statSync(out).isDirectory()) throw usage(`--out ${opts.out} is not a folder`);
  // One run at a time per DIR (a dry run writes nothing and takes none): held to the end.
  let unlock: (() => void) | undefined;
  if (!opts.dryRun) {
    mkdirSync(out, { recursive: true });
    unlock = lockFolder(out, opts.out);
  }
  try {
    return await scrubLocked(inputs, opts, out, outReal);
  } finally {
    unlock?.();
  }
}

async function scrubLocked(
  inputs: readonly string[],
  opts: ScrubOptions,
  out: string,
  outReal: string,
): Promise<ScrubResult> {
  if (!opts.dryRun) sweepTemps(out);
  const prior = loadPrior(out);
  const { specs, walkErrors } = listJobs(inputs, out, outReal, opts, prior);
  const journal = opts.dryRun ? undefined : new Journal(out);
  const head = (): Omit<Manifest, 'files'> => ({
    schema: MANIFEST_SCHEMA,
    airlockVersion: AIRLOCK_VERSION,
    policyHash: opts.policyHash,
    conventions: CONVENTIONS,
    updatedAt: new Date().toISOString(),
    complete: true,
  });
  // This run's records live in the journal (the manifest is streamed from it at the end), so
  // memory stays flat however many files the batch holds. Only a record the journal refused
  // (disk full) is kept here, for the manifest and the report.
  const unjournalled = new Map<string, ManifestRecord>();
  // Failures by input index (walk errors first), so they are reported in input order.
  const failing: [number, string][] = [];
  const onRecord = (r: ManifestRecord, journalled: boolean): void => {
    if (!journalled) unjournalled.set(r.output, r);
  };
  // Started before the workers, while this process is small: forked once, not per batch.
  const fsSync = opts.dryRun ? undefined : FilesystemSync.start();
  const committer = new GroupCommit(journal, onRecord, fsSync ? { syncFs: (d) => fsSync.sync(d) } : {});
  const committed: Promise<void>[] = [];
  for (const r of walkErrors) {
    opts.onUnlisted?.(r);
    const f = failureOf(r);
    if (f) failing.push([-1, f]);
    if (!opts.dryRun) committed.push(committer.add({ record: r, output: join(out, r.output) }).then());
  }

  let manifestWritten = false;
  const keep = opts.keepOutcomes ?? true;
  const outcomes: JobOutcome[] = keep ? new Array(specs.length) : [];
  let done = 0;
  const total = specs.length;
  opts.onProgress?.(0, total);
  const settle = (i: number, o: JobOutcome): void => {
    if (keep) outcomes[i] = o;
    const f = failureOf(o.record);
    if (f) failing.push([i, f]);
    done += 1;
    opts.onOutcome?.(o, i);
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

  let poolClosed: Promise<void> | undefined;
  try {
    const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), specs.length));
    const compiled = import.meta.url.endsWith('.js');
    const minFiles = opts.policy.media.faces !== 'keep' ? MIN_FILES_FOR_FACE_WORKERS : MIN_FILES_FOR_WORKERS;
    if (workers > 1 && compiled && !opts.rewriterFor && specs.length >= minFiles) {
      poolClosed = (await runPool(specs, workers, opts.policy, finished)).closed;
    } else {
      // Loaded here, not up front: with workers, this thread never reads or rewrites a file, and
      // the readers and rewriters it would compile first delay the workers' start.
      const [{ scrubOne }, { rewriterFor }] = await Promise.all([
        import('./job.js'),
        import('./registry.js'),
      ]);
      const lookup = opts.rewriterFor ?? rewriterFor;
      for (const [i, spec] of specs.entries()) finished(i, await scrubOne(spec, opts.policy, lookup));
    }
    await committer.flush();
    await Promise.all(committed);
    if (journal) {
      try {
        writeManifestStreamed(out, head(), prior.records, journal, unjournalled);
        manifestWritten = true;
        journal.closeAndRemove();
      } catch (err) {
        // The journal stays: a rerun (with space) rebuilds the manifest from it.
        const e = err as NodeJS.ErrnoException;
        failing.push([
          specs.length,
          `${join(out, MANIFEST_NAME)}: cannot write the manifest: ${String(e?.message ?? e)}`,
        ]);
      }
    }
  } finally {
    // A batch stopped early still makes what finished durable (the rerun skips it).
    await committer.flush();
    journal?.close();
    fsSync?.close();
    await poolClosed;
  }

  // Read back only when asked (tests, the demo): the CLI never holds the whole manifest.
  let manifest: Manifest | undefined;
  const readManifest = (): Manifest => {
    if (manifestWritten) return JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as Manifest;
    const records = loadPrior(out).records;
    for (const [k, r] of unjournalled) records.set(k, r);
    const files = [...records.values()].sort((a, b) =>
      a.output < b.output ? -1 : a.output > b.output ? 1 : 0,
    );
    return { ...head(), files };
  };
  const failures = failing.sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  return {
    get manifest(): Manifest {
      manifest ??= readManifest();
      return manifest;
    },
    outcomes,
    unlisted: walkErrors,
    exitCode: failures.length ? EXIT.ERROR : EXIT.OK,
    failures,
  };
}

/** One job per worker at a time; the main thread owns the journal, the renames and the manifest. */
async function runPool(
  specs: JobSpec[],
  n: number,
  policy: Policy,
  settle: (i: number, o: JobOutcome) => void,
): Promise<{ closed: Promise<void> }> {
  if (policy.media.faces !== 'keep') (await import('../faces/decode.js')).preloadSharp();
  const pool = new WorkerPool<JobSpec, WireOutcome>({
    url: new URL('./worker.js', import.meta.url),
    size: n,
    workerData: { policy },
    // A small file takes a few milliseconds: a worker holding the next ones never waits for the
    // main thread (busy journalling and renaming) to hand it work.
    ahead: JOBS_AHEAD,
    aheadBudget: { cost: (spec) => spec.size ?? 0, limit: AHEAD_BYTES },
  });
  try {
    // Any failure stops the batch (the journal and manifest keep what finished; a rerun resumes).
    await Promise.all(
      biggestFirst(specs).map((i) => {
        const spec = specs[i] as JobSpec;
        return pool.run(spec).then(
          (o) => settle(i, fromWire(o)),
          (err: unknown) => {
            throw new Error(`${spec.input}: ${(err as Error)?.message ?? err}`);
          },
        );
      }),
    );
  } catch (err) {
    await pool.close();
    throw err;
  }
  // Terminating the workers (~20 ms) overlaps the last commit instead of coming before it.
  return { closed: pool.close() };
}

/**
 * The order jobs start in: input order window by window, biggest first inside each. The last
 * files of a batch are then its small ones, so the workers run out of work together (a 25 MB
 * still started last kept one worker busy ~0.1 s while the other had nothing) and the final
 * flush, which nothing overlaps, is of small files. Bounded windows keep the CLI's in-order
 * lines (and memory) bounded.
 */
export function biggestFirst(specs: readonly JobSpec[], window = ORDER_WINDOW): number[] {
  const order: number[] = [];
  for (let start = 0; start < specs.length; start += window) {
    const ids = Array.from({ length: Math.min(window, specs.length - start) }, (_, k) => start + k);
    // Array.prototype.sort is stable: equal sizes keep input order.
    ids.sort((a, b) => (specs[b]?.size ?? 0) - (specs[a]?.size ?? 0));
    order.push(...ids);
  }
  return order;
}

/**
 * `airlock inspect` as a function: paths and a policy in, the whole report out.
 * The walk is listed first (cheap: stat only) so progress can show a total.
 */
import type { Policy } from '../policy/index.js';
import { inspectExitCode } from '../report/exit-codes.js';
import { type FileReport, INSPECT_SCHEMA_ID, type InspectReport } from '../report/model.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { errorReport, inspectFile } from './inspect-file.js';
import { summarise } from './summary.js';
import { walk } from './walk.js';

export interface InspectOptions {
  policy: Policy;
  policyHash: string;
  onProgress?: (done: number, total?: number) => void;
  /** The command line to record; defaults to 'airlock inspect PATH…'. */
  command?: string;
}

/** How long the loop may run before yielding to the event loop (so a progress bar can draw). */
const YIELD_EVERY_MS = 50;

export async function inspectPaths(paths: string[], opts: InspectOptions): Promise<InspectReport> {
  const entries = [...walk(paths)];
  const files: FileReport[] = [];
  opts.onProgress?.(0, entries.length);
  let lastYield = Date.now();
  for (const entry of entries) {
    files.push(
      entry.kind === 'file'
        ? inspectFile(entry.path, opts.policy)
        : errorReport(entry.path, entry.size, entry.error),
    );
    opts.onProgress?.(files.length, entries.length);
    if (Date.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  return {
    schema: INSPECT_SCHEMA_ID,
    airlockVersion: AIRLOCK_VERSION,
    policyHash: opts.policyHash,
    generatedAt: new Date().toISOString(),
    command: opts.command ?? ['airlock', 'inspect', ...paths].join(' '),
    roots: paths,
    files,
    summary: summarise(files),
    exitCode: inspectExitCode(files),
  };
}

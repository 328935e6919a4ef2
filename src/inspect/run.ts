/**
 * `airlock inspect` as a function. inspectStream yields one FileReport per entry as it
 * completes, so a caller that renders and forgets each one (the CLI) holds one file's findings
 * at a time; inspectPaths collects them into the whole report (tests, the demo).
 * The walk is listed first (stat only, a path per entry) so progress can show a total.
 */
import type { Policy } from '../policy/index.js';
import type { FileReport, InspectHeader, InspectReport } from '../report/model.js';
import { INSPECT_SCHEMA_ID } from '../report/schema-id.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { errorReport, inspectFile } from './inspect-file.js';
import { SummaryTally } from './summary.js';
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
  let lastYield = Date.now();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    yield entry.kind === 'file'
      ? inspectFile(entry.path, opts.policy)
      : errorReport(entry.path, entry.size, entry.error);
    opts.onProgress?.(i + 1, entries.length);
    if (Date.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
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

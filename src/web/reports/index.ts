/**
 * The dashboard's reports (`airlock serve --reports DIR`): the JSON reports Airlock's commands
 * wrote under DIR (inspect/audit/vet --json, scrub's airlock-manifest.json), listed with one line
 * each, and each rendered with its command's own HTML renderer.
 *
 * DIR is input like any file: walked within limits (limits.ts), each file read up to a size,
 * every name from a URL checked before it touches the file system, nothing followed out of DIR.
 * Nothing here throws for what a file holds: a report that cannot be shown is a ReportProblem.
 */
import { realpath } from 'node:fs/promises';
import { AirlockError } from '../../core/errors.js';
import { type ReportLimits, reportLimits } from './limits.js';
import { nameSegments } from './names.js';
import { listReport, loadReport } from './read.js';
import type { RenderResult, ReportEntry, ReportProblem } from './types.js';
import { walk } from './walk.js';

export { DEFAULT_REPORT_LIMITS, type ReportLimits } from './limits.js';
export type { RenderResult, ReportEntry, ReportKind, ReportProblem } from './types.js';

/** DIR's real path, or why it cannot be walked. */
async function realRoot(dir: string): Promise<string | AirlockError> {
  try {
    return await realpath(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code ?? String(err);
    return new AirlockError('AIRLOCK_ERR_IO', `the reports folder could not be read (${code})`);
  }
}

/** Newest first by the time a report states (those stating none last), then by name. */
function newestFirst(a: ReportEntry, b: ReportEntry): number {
  if (a.madeAt !== b.madeAt) {
    if (a.madeAt === undefined) return 1;
    if (b.madeAt === undefined) return -1;
    return a.madeAt < b.madeAt ? 1 : -1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export async function listReports(
  dir: string,
  limits?: Partial<ReportLimits>,
): Promise<{ reports: ReportEntry[]; problems: ReportProblem[] }> {
  const lim = reportLimits(limits);
  const root = await realRoot(dir);
  if (root instanceof AirlockError)
    return { reports: [], problems: [{ name: '.', code: root.code, message: root.message }] };
  const walked = await walk(root, lim);
  const reports: ReportEntry[] = [];
  const problems = walked.problems;
  // One at a time: each parse holds the event loop, and a server answers others between them.
  for (const name of walked.files) {
    const got = await listReport(root, name.split('/'), lim);
    if (got.status === 'report') {
      const { kind, madeAt, headline, attention } = got.summary;
      reports.push({ name, kind, ...(madeAt ? { madeAt } : {}), headline, attention, bytes: got.bytes });
    } else if (got.status === 'problem') {
      problems.push({ name, code: got.error.code, message: got.error.message });
    }
  }
  reports.sort(newestFirst);
  return { reports, problems };
}

export async function renderReport(
  dir: string,
  name: string,
  limits?: Partial<ReportLimits>,
): Promise<RenderResult> {
  const lim = reportLimits(limits);
  const notFound: RenderResult = { ok: false, status: 404, message: 'no such report' };
  const segments = nameSegments(name, lim.maxDepth);
  if (!segments) return notFound;
  const root = await realRoot(dir);
  if (root instanceof AirlockError) return { ok: false, status: 404, message: root.message };
  const got = await loadReport(root, segments, lim);
  if (got.status === 'skip') return notFound;
  if (got.status === 'problem') {
    const { code, message } = got.error;
    // A file that cannot be read (or leads out of DIR) is not found, as far as a browser is told.
    if (code === 'AIRLOCK_ERR_IO') return { ok: false, status: 404, message };
    return { ok: false, status: code === 'AIRLOCK_ERR_LIMIT' ? 413 : 422, message: `${message} (${code})` };
  }
  return { ok: true, html: got.readout.render() };
}

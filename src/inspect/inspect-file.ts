/**
 * One file → one FileReport: read it through the registry, then let the policy say what scrub
 * would do with each finding and which protected zones its positions fall in.
 */
import { readFileSync, statSync } from 'node:fs';
import { AirlockError, asAirlockError } from '../core/errors.js';
import { FileSource } from '../core/source.js';
import type { Action, Finding } from '../findings/model.js';
import { type AnalysisResult, analyseSource, errorOf } from '../media/registry.js';
import { mediaAction } from '../policy/media-action.js';
import type { Policy } from '../policy/types.js';
import type { FileReport } from '../report/model.js';
import { type FilePlan, planFile } from '../scrub/plan.js';
import { rewriterFor } from '../scrub/registry.js';

/**
 * Inspect one path. Never throws: whatever goes wrong becomes the report's status and error.
 * `walked`: the size the walk found when it stat'ed this path as a regular file just before; the
 * path is then not stat'ed again (a FIFO swapped in since cannot block: FileSource opens
 * non-blocking, and a read that fails becomes the report's error).
 */
export function inspectFile(path: string, policy: Policy, walked?: number): FileReport {
  let size: number | null = null;
  try {
    if (walked === undefined) {
      const st = statSync(path);
      // Checked before opening: opening a FIFO would block, a folder cannot be analysed.
      if (!st.isFile()) {
        const e = new AirlockError(
          'AIRLOCK_ERR_UNSUPPORTED',
          'not a regular file, not opened',
          undefined,
          path,
        );
        return errorReport(path, null, e);
      }
      size = st.size;
    } else size = walked;
    const src = FileSource.open(path);
    let result: AnalysisResult;
    try {
      result = analyseSource(src, path);
    } finally {
      src.close();
    }
    return applyPolicy(path, size, result, policy);
  } catch (err) {
    return errorReport(path, size, asAirlockError(err, path));
  }
}

/**
 * inspectFile, then, when `faces`, a look at the picture for faces (formats that hold none are
 * not opened again). The detector is loaded on the first picture, never by a run without faces.
 */
export async function inspectWithFaces(
  path: string,
  policy: Policy,
  faces: boolean,
  walked?: number,
): Promise<FileReport> {
  const report = inspectFile(path, policy, walked);
  if (!faces || report.status === 'error') return report;
  const [{ holdsPictures, lookForFaces }, { withFaces }, { maskProblem }] = await Promise.all([
    import('../faces/look.js'),
    import('./with-faces.js'),
    import('../faces/mask-jpeg.js'),
  ]);
  if (!holdsPictures(report.format)) return report;
  const look = await lookForFaces(path, path, report.format);
  // Under `mask`, whether scrub can mask this file's faces: its picture read as coefficients.
  return withFaces(report, look, policy, () => maskProblem(report.format, () => readFileSync(path)));
}

/** A report for an entry that was not read at all. */
export function errorReport(path: string, size: number | null, error: AirlockError): FileReport {
  return {
    path,
    size,
    format: null,
    status: 'error',
    reason: error.message,
    error: errorOf(error),
    findings: [],
    warnings: [],
    facts: {},
    zones: [],
  };
}

/** Inspect says what scrub will do, so it asks scrub's own planner (one answer, not two). */
function applyPolicy(path: string, size: number, r: AnalysisResult, policy: Policy): FileReport {
  const plan = planFile(r, policy, rewriterFor);
  const findings = r.findings.map((f) => withAction(f, policy, plan));
  const report: FileReport = {
    path,
    size,
    format: r.format,
    status: r.status,
    findings,
    warnings: r.warnings,
    facts: r.facts,
    zones: plan.kind === 'copy' ? [] : plan.zones,
  };
  if (r.reason !== undefined) report.reason = r.reason;
  if (r.error !== undefined) report.error = r.error;
  return report;
}

function withAction(f: Finding, policy: Policy, plan: FilePlan): Finding {
  // A file scrub will not copy (zone, flight record, unreadable): every finding is withheld with it.
  if (plan.kind === 'withhold') return annotated(f, 'withhold', plan.detail);
  if (plan.kind === 'rewrite' && plan.zones.length > 0 && f.category.startsWith('location.')) {
    const names = plan.zones.map((z) => z.zone).join(', ');
    return annotated(f, 'drop', `inside protected zone ${names}: location dropped`);
  }
  const { action, reason } = mediaAction(f, policy);
  return annotated(f, action, reason);
}

/**
 * A copy of `f` with its action. Built field by field, not spread: analysers make findings in
 * many shapes, and a spread over them is V8's slow generic copy (it was the largest single cost
 * of inspect). Keys are added in the model's order, so the JSON reads the same.
 */
function annotated(f: Finding, action: Action, reason: string | undefined): Finding {
  const out: Finding = { category: f.category, tag: f.tag, path: f.path, ranges: f.ranges, value: f.value };
  if (f.frame !== undefined) out.frame = f.frame;
  out.action = action;
  if (reason !== undefined) out.actionReason = reason;
  return out;
}

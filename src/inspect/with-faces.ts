/**
 * A file's report with what a look for faces found: one 'face' finding per face, each with the
 * policy's action. Where the faces rule withholds the file (a face under `withhold`; a face that
 * cannot be masked under `mask`; a picture that could not be looked at under either), as scrub
 * will, every finding says so.
 */
import { faceFindings } from '../faces/findings.js';
import type { FaceLook } from '../faces/look.js';
import { faceVerdict } from '../faces/verdict.js';
import type { Finding } from '../findings/model.js';
import { mediaAction } from '../policy/media-action.js';
import type { Policy } from '../policy/types.js';
import type { FileReport } from '../report/model.js';

export function withFaces(
  report: FileReport,
  look: FaceLook,
  policy: Policy,
  maskProblem: () => string | undefined,
): FileReport {
  const faces = faceFindings(look).map((f): Finding => {
    const { action, reason } = mediaAction(f, policy);
    return reason === undefined ? { ...f, action } : { ...f, action, actionReason: reason };
  });
  const warnings = [...report.warnings];
  if (look.kind === 'failed' || look.kind === 'cannot')
    warnings.push({
      name: 'faces-not-looked-for',
      detail: look.kind === 'failed' ? look.error.describe(false) : look.detail,
    });
  let findings = [...report.findings, ...faces];
  const keepsPreviews = report.findings.some((f) => f.category === 'imagery.embedded' && f.action === 'keep');
  const verdict = faceVerdict(look, policy.media.faces, keepsPreviews, maskProblem);
  // A file scrub already withholds for another reason keeps that reason.
  const alreadyWithheld = report.findings.length > 0 && report.findings.every((f) => f.action === 'withhold');
  if (verdict.kind === 'withhold' && !alreadyWithheld)
    findings = findings.map((f) => ({ ...f, action: 'withhold', actionReason: verdict.detail }));
  return { ...report, findings, warnings };
}

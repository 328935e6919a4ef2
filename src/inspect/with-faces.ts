/**
 * A file's report with what a look for faces found: one 'face' finding per face, each with the
 * policy's action. Under `faces: withhold` a face (or a picture that could not be looked at)
 * withholds the whole file, as scrub will, so every finding says so.
 */
import { faceFindings, withholdReason } from '../faces/findings.js';
import type { FaceLook } from '../faces/look.js';
import type { Finding } from '../findings/model.js';
import { mediaAction } from '../policy/media-action.js';
import type { Policy } from '../policy/types.js';
import type { FileReport } from '../report/model.js';

export function withFaces(report: FileReport, look: FaceLook, policy: Policy): FileReport {
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
  const why = policy.media.faces === 'withhold' ? withholdReason(look) : undefined;
  // A file scrub already withholds for another reason keeps that reason.
  const alreadyWithheld = report.findings.length > 0 && report.findings.every((f) => f.action === 'withhold');
  if (why !== undefined && !alreadyWithheld)
    findings = findings.map((f) => ({ ...f, action: 'withhold', actionReason: why }));
  return { ...report, findings, warnings };
}

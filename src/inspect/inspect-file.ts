/**
 * One file → one FileReport: read it through the registry, then let the policy say what scrub
 * would do with each finding and which protected zones its positions fall in.
 */
import { statSync } from 'node:fs';
import { AirlockError, asAirlockError } from '../core/errors.js';
import { FileSource } from '../core/source.js';
import type { Category, Finding, Position } from '../findings/model.js';
import { type AnalysisResult, analyseSource, errorOf } from '../media/registry.js';
import { mediaAction, type Policy, zoneHits } from '../policy/index.js';
import type { FileReport, ZoneHitReport } from '../report/model.js';

type Role = ZoneHitReport['role'];
const ROLE_OF: Partial<Record<Category, Role>> = {
  'location.drone': 'drone',
  'location.operator': 'operator',
  'location.target': 'target',
};

/** Inspect one path. Never throws: whatever goes wrong becomes the report's status and error. */
export function inspectFile(path: string, policy: Policy): FileReport {
  let size: number | null = null;
  try {
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

function applyPolicy(path: string, size: number, r: AnalysisResult, policy: Policy): FileReport {
  const findings = r.findings.map((f) => withAction(f, policy));
  const report: FileReport = {
    path,
    size,
    format: r.format,
    status: r.status,
    findings,
    warnings: r.warnings,
    facts: r.facts,
    zones: zonesOf(findings, policy),
  };
  if (r.reason !== undefined) report.reason = r.reason;
  if (r.error !== undefined) report.error = r.error;
  return report;
}

function withAction(f: Finding, policy: Policy): Finding {
  const { action, reason } = mediaAction(f, policy);
  const out: Finding = { ...f, action };
  if (reason !== undefined) out.actionReason = reason;
  return out;
}

/** Which protected zones the file's positions fall in (one hit per zone and role). */
function zonesOf(findings: readonly Finding[], policy: Policy): ZoneHitReport[] {
  const positions: { role: Role; position: Position }[] = [];
  for (const f of findings) {
    const role = ROLE_OF[f.category];
    if (role && f.value.kind === 'position') positions.push({ role, position: f.value.position });
  }
  if (positions.length === 0 || policy.zones.length === 0) return [];
  return zoneHits(positions, policy);
}

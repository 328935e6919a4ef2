/** The totals at the foot of an inspect report. */
import type { Category } from '../findings/model.js';
import { isSensitiveFile } from '../report/exit-codes.js';
import type { FileReport, Summary } from '../report/model.js';

export function summarise(files: readonly FileReport[]): Summary {
  const byStatus = { read: 0, partial: 0, 'not-read': 0, error: 0 };
  const byCategory: Partial<Record<Category, number>> = {};
  let findings = 0;
  let sensitiveFiles = 0;
  let filesInZones = 0;
  for (const f of files) {
    byStatus[f.status]++;
    findings += f.findings.length;
    if (isSensitiveFile(f)) sensitiveFiles++;
    for (const x of f.findings) byCategory[x.category] = (byCategory[x.category] ?? 0) + 1;
    if (f.zones.length > 0) filesInZones++;
  }
  return { files: files.length, byStatus, sensitiveFiles, findings, byCategory, filesInZones };
}

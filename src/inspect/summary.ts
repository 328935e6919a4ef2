/**
 * The totals at the foot of an inspect report, counted as files complete: a streamed run keeps
 * these counters, never the files themselves (memory stays flat however many files there are).
 */
import type { Category } from '../findings/model.js';
import { EXIT, type ExitCode, isSensitiveFile } from '../report/exit-codes.js';
import type { FileReport, Summary } from '../report/model.js';

export class SummaryTally {
  private readonly byStatus = { read: 0, partial: 0, 'not-read': 0, error: 0 };
  private readonly byCategory: Partial<Record<Category, number>> = {};
  private files = 0;
  private findings = 0;
  private sensitiveFiles = 0;
  private filesInZones = 0;

  add(f: FileReport): void {
    this.files++;
    this.byStatus[f.status]++;
    this.findings += f.findings.length;
    if (isSensitiveFile(f)) this.sensitiveFiles++;
    const byCategory = this.byCategory;
    for (const x of f.findings) byCategory[x.category] = (byCategory[x.category] ?? 0) + 1;
    if (f.zones.length > 0) this.filesInZones++;
  }

  summary(): Summary {
    return {
      files: this.files,
      byStatus: { ...this.byStatus },
      sensitiveFiles: this.sensitiveFiles,
      findings: this.findings,
      byCategory: { ...this.byCategory },
      filesInZones: this.filesInZones,
    };
  }

  /** The same answer as inspectExitCode(files): 2 if any file was not fully read, else 1 if any is sensitive. */
  exitCode(): ExitCode {
    const b = this.byStatus;
    if (b.partial + b['not-read'] + b.error > 0) return EXIT.ERROR;
    return this.sensitiveFiles > 0 ? EXIT.SENSITIVE : EXIT.OK;
  }
}

export function summarise(files: readonly FileReport[]): Summary {
  const tally = new SummaryTally();
  for (const f of files) tally.add(f);
  return tally.summary();
}

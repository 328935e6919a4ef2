/** How far listReports looks and how much it reads: a reports folder is input, like any file. */
export interface ReportLimits {
  /** Folders below the reports folder a report may sit in (0: its top only). */
  maxDepth: number;
  /** Folder entries looked at in all, files and folders (a scrub folder holds its clean copies). */
  maxEntries: number;
  /** A JSON file larger than this is a problem, not read (a 2,000-file inspect report is ~20 MB). */
  maxBytes: number;
}

export const DEFAULT_REPORT_LIMITS: Readonly<ReportLimits> = {
  maxDepth: 4,
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
};

export const reportLimits = (limits: Partial<ReportLimits> = {}): ReportLimits => ({
  ...DEFAULT_REPORT_LIMITS,
  ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
});

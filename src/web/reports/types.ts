/** What the dashboard shows of a reports folder (src/web/reports/index.ts says how it is made). */
import type { ErrorCode } from '../../core/errors.js';

export type ReportKind = 'inspect' | 'audit' | 'vet' | 'scrub-manifest';

export interface ReportEntry {
  /** Path relative to the reports folder, '/'-separated: the only names renderReport accepts. */
  name: string;
  kind: ReportKind;
  /** When the report says it was made (generatedAt / updatedAt), ISO text; absent when it does not say. */
  madeAt?: string;
  /** One line a programme manager reads: "2,000 files · 312 findings · 41 with sensitive data". */
  headline: string;
  /** True when the report says something needs a look. */
  attention: boolean;
  bytes: number;
}

/** A file that claims to be an Airlock report but cannot be shown, or a limit the walk met ('.': the folder). */
export interface ReportProblem {
  name: string;
  code: ErrorCode;
  message: string;
}

export type RenderResult =
  | { ok: true; html: string }
  | { ok: false; status: 404 | 413 | 422; message: string };

/**
 * The reports Airlock writes, by the schema id in their top-level `schema` field: how each is
 * checked (its zod schema), summed up (headline.ts) and rendered (the renderer its command uses).
 */
import type { z } from 'zod';
import { AirlockError } from '../../core/errors.js';
import { renderAuditHtml } from '../../report/audit/html.js';
import { AUDIT_SCHEMA_ID, auditReportSchema } from '../../report/audit/model.js';
import { renderHtml } from '../../report/html.js';
import { INSPECT_SCHEMA_ID, inspectReportSchema } from '../../report/model.js';
import { renderScrubManifestHtml } from '../../report/scrub/html.js';
import { renderVetHtml } from '../../report/vet/html.js';
import { MANIFEST_SCHEMA } from '../../scrub/manifest.js';
import { VET_RUN_SCHEMA_ID, VET_SCHEMA_ID, type VetDiff, vetRunSchema } from '../../vet/model.js';
import { auditGist, type Gist, inspectGist, scrubGist, vetGist } from './headline.js';
import { scrubManifestSchema } from './scrub-manifest-schema.js';
import type { ReportKind } from './types.js';

/** A report that passed its schema: what the list shows, and its page on demand. */
export interface Readout extends Gist {
  kind: ReportKind;
  madeAt?: string;
  render(): string;
}

interface Kind {
  /** The report, or why it is not one (AIRLOCK_ERR_MALFORMED naming the field). */
  read(value: unknown): Readout | AirlockError;
}

function kind<T>(
  name: ReportKind,
  schema: z.ZodType<T>,
  madeAt: (r: T) => string | undefined,
  gist: (r: T) => Gist,
  render: (r: T) => string,
): Kind {
  return {
    read(value) {
      const got = schema.safeParse(value);
      if (!got.success) return new AirlockError('AIRLOCK_ERR_MALFORMED', describeIssues(got.error.issues));
      const r = got.data;
      const at = madeAt(r);
      return { kind: name, ...(at ? { madeAt: at } : {}), ...gist(r), render: () => render(r) };
    },
  };
}

/** ISO text of a time the report states; undefined when it states none a Date can read. */
function isoOf(text: string): string | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The first issue with where it is ('files[3].status: …'), and how many more there are. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'does not match its schema';
  const where = first.path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}${s ? '.' : ''}${String(k)}`),
    '',
  );
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${where || 'the top level'}: ${first.message}${more}`;
}

/**
 * The run's diffs carry no reports (not printed twice): diffs[i] compares reports[i] with the
 * approved release (src/cli/vet.ts), which is how they are paired again for the page.
 */
const vetRun = vetRunSchema.refine(
  (run) => run.diffs === undefined || (run.approved !== undefined && run.diffs.length === run.reports.length),
  { path: ['diffs'], message: 'there must be one per report, and an approved release' },
);

export const KINDS: ReadonlyMap<string, Kind> = new Map([
  [
    INSPECT_SCHEMA_ID,
    kind('inspect', inspectReportSchema, (r) => isoOf(r.generatedAt), inspectGist, renderHtml),
  ],
  [
    AUDIT_SCHEMA_ID,
    kind('audit', auditReportSchema, (r) => isoOf(r.generatedAt), auditGist, renderAuditHtml),
  ],
  [
    VET_RUN_SCHEMA_ID,
    kind(
      'vet',
      vetRun,
      (run) => (run.generatedAt === undefined ? undefined : isoOf(run.generatedAt)),
      vetGist,
      (run) => {
        const approved = run.approved;
        const diffs: VetDiff[] = approved
          ? (run.diffs ?? []).map((d, i) => ({
              ...d,
              reports: { approved, candidate: run.reports[i] ?? approved },
            }))
          : [];
        return renderVetHtml({
          airlockVersion: run.airlockVersion,
          command: run.command,
          exitCode: run.exitCode,
          reports: run.reports,
          ...(approved ? { approved } : {}),
          diffs,
        });
      },
    ),
  ],
  [
    MANIFEST_SCHEMA,
    kind(
      'scrub-manifest',
      scrubManifestSchema,
      (m) => isoOf(m.updatedAt),
      scrubGist,
      renderScrubManifestHtml,
    ),
  ],
]);

/** Airlock writes a release's report only inside a run; one taken out of it (jq) says why it is not shown. */
export const PART_ONLY: ReadonlyMap<string, string> = new Map([
  [
    VET_SCHEMA_ID,
    `one release's part of an airlock vet run (${VET_RUN_SCHEMA_ID}), never written alone: keep the run's whole JSON (airlock vet --json)`,
  ],
]);

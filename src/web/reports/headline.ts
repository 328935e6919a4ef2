/**
 * Each kind of report in one line a programme manager reads, and whether it asks for a look.
 * Taken from what the report itself says (its summary, review reasons, statuses), never
 * recomputed under today's rules: the page shows the report as it was written.
 */
import { formatBytes } from '../../report/audit/format.js';
import type { AuditReport } from '../../report/audit/model.js';
import type { InspectReport } from '../../report/model.js';
import type { Manifest, RecordStatus } from '../../scrub/manifest.js';
import type { VetRun } from '../../vet/model.js';

export interface Gist {
  headline: string;
  attention: boolean;
}

const num = (n: number): string => n.toLocaleString('en-US');
const counted = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;
const line = (parts: readonly (string | false | undefined)[]): string =>
  parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');

export function inspectGist(r: InspectReport): Gist {
  const s = r.summary;
  const unread = s.byStatus.partial + s.byStatus['not-read'] + s.byStatus.error;
  return {
    headline: line([
      counted(s.files, 'file'),
      counted(s.findings, 'finding'),
      `${num(s.sensitiveFiles)} with sensitive data`,
      s.filesInZones > 0 && `${num(s.filesInZones)} in protected zones`,
      unread > 0 && `${num(unread)} not fully read`,
    ]),
    attention: s.sensitiveFiles > 0 || s.filesInZones > 0 || r.exitCode !== 0,
  };
}

export function auditGist(r: AuditReport): Gist {
  const s = r.summary;
  // Destinations, not connections: "3 would be blocked" is three places the drone talks to.
  const stopped = r.destinations.filter((d) => d.outcome.blocked + d.outcome.cut > 0).length;
  const unread = r.captures.filter((c) => c.status !== 'read').length;
  const forged = r.unlockWindowCheck?.unauthenticated.length ?? 0;
  return {
    headline: line([
      counted(s.egress + s.local, 'destination'),
      `${num(stopped)} would be blocked or cut`,
      `${formatBytes(s.origBytes)} up`,
      unread > 0 && `${counted(unread, 'capture')} not fully read`,
      forged > 0 && `${counted(forged, 'unlock window')} not applied`,
    ]),
    attention: r.exitCode !== 0 || stopped > 0 || forged > 0,
  };
}

type VetRelease = VetRun['reports'][number];

const releaseName = (r: VetRelease): string =>
  `${r.app.package ?? r.file.path.split('/').pop() ?? r.file.path}${r.app.versionName ? ` ${r.app.versionName}` : ''}`;

export function vetGist(run: VetRun): Gist {
  const diffs = run.diffs ?? [];
  // diffs[i] compares reports[i] with the approved release (src/cli/vet.ts).
  const needs = run.reports.map(
    (r, i) => r.review.length > 0 || r.problems.length > 0 || diffs[i]?.needsReview === true,
  );
  const flagged = needs.filter(Boolean).length;
  const unread = run.reports.filter((r) => r.problems.length > 0).length;
  const only = run.reports.length === 1 ? run.reports[0] : undefined;
  const appr = run.approved;
  // 'com.x 2.3 against 2.0' when both are the same app.
  const against = !appr
    ? ''
    : ` against ${only && appr.app.package !== undefined && appr.app.package === only.app.package && appr.app.versionName ? appr.app.versionName : releaseName(appr)}`;
  const what = `${only ? releaseName(only) : counted(run.reports.length, 'release')}${against}`;
  return {
    headline: line([
      what,
      only ? (flagged ? 'needs review' : 'nothing asks for review') : `${num(flagged)} need review`,
      unread > 0 && (only ? 'not fully read' : `${num(unread)} not fully read`),
    ]),
    attention: run.exitCode !== 0 || flagged > 0 || (run.approved?.review.length ?? 0) > 0,
  };
}

/** Statuses in the order the headline names them; those with no file are left out. */
const STATUS_ORDER: readonly RecordStatus[] = ['clean', 'copied', 'withheld', 'error', 'verify-failed'];
const NEEDS_LOOK: ReadonlySet<RecordStatus> = new Set(['withheld', 'error', 'verify-failed']);

export function scrubGist(m: Manifest): Gist {
  const by = new Map<RecordStatus, number>();
  for (const f of m.files) by.set(f.status, (by.get(f.status) ?? 0) + 1);
  return {
    headline: line([
      m.files.length === 0 && 'no files',
      ...STATUS_ORDER.map((s) => (by.get(s) ? `${num(by.get(s) ?? 0)} ${s}` : undefined)),
      !m.complete && 'incomplete',
    ]),
    attention: !m.complete || m.files.some((f) => NEEDS_LOOK.has(f.status)),
  };
}

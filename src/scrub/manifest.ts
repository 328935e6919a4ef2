/**
 * DIR/airlock-manifest.json: what scrub did, per file, under which policy. Records never carry
 * an original value (the manifest travels with the clean copies): findings are listed by
 * category, tag, path and the action taken, with the value written where one was replaced.
 *
 * Durability: a record is appended (and fsync'ed, a batch at a time: commit.ts) to
 * DIR/.airlock-manifest.journal before its output is renamed into place; the manifest itself is rewritten atomically (temp, fsync,
 * rename) as files finish and at the end. A run killed at any moment therefore leaves every
 * output under a final name described by a record, and a rerun reads manifest + journal.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatPath, type Value } from '../findings/model.js';
import type { ZoneHit } from '../policy/index.js';
import { writeAll } from './files.js';
import type { PlannedFinding, WithholdReason } from './plan.js';

export const MANIFEST_NAME = 'airlock-manifest.json';
export const JOURNAL_NAME = '.airlock-manifest.journal';
export const MANIFEST_SCHEMA = 'airlock.scrub-manifest/1';

export type RecordStatus =
  /** A clean copy written and verified. */
  | 'clean'
  /** Copied as is on purpose (media.flightRecords: copy). */
  | 'copied'
  /** Not copied: see `withheld`. */
  | 'withheld'
  /** Rewrite or write failed: no output. */
  | 'error'
  /** The output failed verification: not put in place. */
  | 'verify-failed';

export interface FindingRecord {
  category: string;
  tag: string;
  path: string;
  action: 'keep' | 'drop' | 'replace';
  /** How many findings (SRT frames, CSV rows) share this line. */
  count: number;
  /** The value written instead, when one finding was replaced. */
  written?: Value;
}

export interface ManifestRecord {
  input: string;
  inputSha256: string;
  inputSize: number;
  /** Relative to DIR, '/'-separated. */
  output: string;
  outputSha256?: string;
  status: RecordStatus;
  format: string | null;
  policyHash: string;
  withheld?: { why: WithholdReason | 'error'; detail: string; zones?: ZoneHit[] };
  error?: string;
  /** Verification problems, for 'verify-failed'. */
  problems?: string[];
  findings: FindingRecord[];
  /** Tags kept (category:tag), for a quick look at what left. */
  kept: string[];
  /** What the rewriter kept although the policy drops it, and why. */
  notes: string[];
  imageHashIn?: string;
  imageHashOut?: string;
  finishedAt: string;
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  airlockVersion: string;
  policyHash: string;
  /** How date-only times are written (so a reader never takes 00:00:00 for a capture time). */
  conventions: Record<string, string>;
  updatedAt: string;
  /** True once a run finished every input. */
  complete: boolean;
  files: ManifestRecord[];
}

export const CONVENTIONS: Record<string, string> = {
  'date-only':
    "EXIF times become 'YYYY:MM:DD 00:00:00' (the tag's fixed form); ISO/XMP/SRT times become 'YYYY-MM-DD'; times without a date are dropped",
  coarsen:
    'cell centre of a grid: latitude step = metres / 111320 degrees, longitude step = metres / (111320 × cos(snapped latitude)); 7 decimals; altitudes to 100 m',
  output: 'one input: its tree directly under DIR; several inputs: each under DIR/<input basename>',
};

/** Findings grouped by (category, tag, path, action): a 10,000-frame SRT stays readable. */
export function findingRecords(planned: readonly PlannedFinding[]): FindingRecord[] {
  const byKey = new Map<string, FindingRecord>();
  for (const { finding: f, decision: d } of planned) {
    const path = formatPath(f.path);
    const key = `${f.category}\0${f.tag}\0${path}\0${d.action}`;
    const had = byKey.get(key);
    if (had) {
      had.count += 1;
      delete had.written; // one value per line only when the line is one finding
      continue;
    }
    const r: FindingRecord = { category: f.category, tag: f.tag, path, action: d.action, count: 1 };
    if (d.action === 'replace') r.written = d.value;
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

export const keptTags = (planned: readonly PlannedFinding[]): string[] => [
  ...new Set(
    planned.filter((p) => p.decision.action !== 'drop').map((p) => `${p.finding.category}:${p.finding.tag}`),
  ),
];

/** Previous records by output path, and every output hash ever recorded for a path (ours). */
export interface PriorState {
  records: Map<string, ManifestRecord>;
  ours: Map<string, Set<string>>;
}

export function loadPrior(dir: string): PriorState {
  const records = new Map<string, ManifestRecord>();
  const ours = new Map<string, Set<string>>();
  const add = (r: ManifestRecord): void => {
    records.set(r.output, r);
    if (r.outputSha256) {
      const s = ours.get(r.output) ?? new Set<string>();
      s.add(r.outputSha256);
      ours.set(r.output, s);
    }
  };
  const manifestPath = join(dir, MANIFEST_NAME);
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
      if (m.schema === MANIFEST_SCHEMA && Array.isArray(m.files)) for (const r of m.files) add(r);
    } catch {
      // Written atomically, so never torn; a hand-edited or foreign file is simply not trusted.
    }
  }
  const journalPath = join(dir, JOURNAL_NAME);
  if (existsSync(journalPath)) {
    for (const line of readFileSync(journalPath, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        add(JSON.parse(line) as ManifestRecord);
      } catch {
        // The last line of a journal killed mid-append; its output was never renamed into place.
      }
    }
  }
  return { records, ours };
}

/** Appends records durably (fsync) before outputs are renamed into place. */
export class Journal {
  private fd: number;
  constructor(readonly dir: string) {
    this.fd = openSync(join(dir, JOURNAL_NAME), 'a');
  }
  append(r: ManifestRecord): void {
    this.appendMany([r]);
  }
  /** Several records, one write and one fsync (group commit, src/scrub/commit.ts). */
  appendMany(rs: readonly ManifestRecord[]): void {
    if (rs.length === 0) return;
    writeAll(this.fd, Buffer.from(rs.map((r) => `${JSON.stringify(r)}\n`).join('')));
    fsyncSync(this.fd);
  }
  /** Once the manifest holds everything, the journal is no longer needed. */
  closeAndRemove(): void {
    this.close();
    rmSync(join(this.dir, JOURNAL_NAME), { force: true });
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Write `data` to `path` atomically: temp name in the same folder, fsync, rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.airlock-${process.pid}.tmp`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeManifest(dir: string, m: Manifest): void {
  writeAtomic(join(dir, MANIFEST_NAME), `${JSON.stringify(m, null, 2)}\n`);
}

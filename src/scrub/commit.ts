/**
 * Group commit: the durable end of every job, done for many files at once in the main thread.
 *
 * A job leaves its output in a temp file (written, not yet fsync'ed) and hands back its record.
 * Once a batch is full (or a short delay passed, or the run ends) `flush` makes it durable in
 * this order: fsync every temp → append every record to the journal with ONE fsync → rename each
 * temp to its final name (or remove a stale output) → fsync each folder once. So every output
 * under a final name is complete and described by a journalled record, as before, with about
 * (files + 1 + folders) fsyncs per batch instead of 3 per file.
 *
 * What a SIGKILL (or power loss) can lose: at most the batch in flight. Its temps are swept by
 * the rerun; its records, if already journalled, point at outputs that are missing (or carry
 * another hash), which `matches` in job.ts never takes for finished, so the rerun redoes them.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from './files.js';
import type { Journal, ManifestRecord } from './manifest.js';

/** What a finished job still needs done durably. */
export interface PendingCommit {
  record: ManifestRecord;
  /** Absolute final path. */
  output: string;
  /** The written, not yet fsync'ed, clean copy: renamed to `output` once its record is journalled. */
  tmp?: string;
  /** An output of ours that the record makes stale (a file now withheld): removed after the record. */
  removeStale?: boolean;
  /** Bytes in `tmp`. */
  size?: number;
}

export interface GroupCommitOptions {
  /** Flush once this many commits wait. */
  maxFiles?: number;
  /** ...or once this many bytes of temp output wait (bounds what a kill can cost a rerun). */
  maxBytes?: number;
  /** ...or this long after the first of them arrived. */
  maxDelayMs?: number;
}

interface Waiting {
  p: PendingCommit;
  done: (r: ManifestRecord) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxFiles: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly journal: Journal | undefined,
    /** Called with each record once it is journalled (or failed), before `add`'s promise resolves. */
    private readonly onRecord: (r: ManifestRecord) => void,
    opts: GroupCommitOptions = {},
  ) {
    this.maxFiles = opts.maxFiles ?? 64;
    this.maxBytes = opts.maxBytes ?? 256 * 2 ** 20;
    this.maxDelayMs = opts.maxDelayMs ?? 200;
  }

  /** Queue one job's commit; resolves with the record as it stands once durable (an error record if writing failed). */
  add(p: PendingCommit): Promise<ManifestRecord> {
    return new Promise((resolve) => {
      this.waiting.push({ p, done: resolve });
      this.bytes += p.size ?? 0;
      if (this.waiting.length >= this.maxFiles || this.bytes >= this.maxBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** Make every waiting commit durable now (synchronous: nothing else interleaves). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    if (batch.length === 0) return;

    const failed = new Map<Waiting, ManifestRecord>();
    const fail = (w: Waiting, err: unknown): void => {
      if (w.p.tmp) rmSync(w.p.tmp, { force: true });
      failed.set(w, failedRecord(w.p, err));
    };
    for (const w of batch) {
      if (!w.p.tmp) continue;
      try {
        fsyncPath(w.p.tmp);
      } catch (err) {
        fail(w, err);
      }
    }
    const records = batch.map((w) => failed.get(w) ?? w.p.record);
    try {
      this.journal?.appendMany(records);
    } catch (err) {
      // No record journalled: nothing may go under a final name. The run reports these from memory.
      for (const w of batch) if (!failed.has(w)) fail(w, err);
      for (const w of batch) this.settle(w, failed.get(w) as ManifestRecord, false);
      return;
    }
    const dirs = new Set<string>();
    for (const w of batch) {
      if (failed.has(w)) continue;
      try {
        if (w.p.tmp) renameSync(w.p.tmp, w.p.output);
        else if (w.p.removeStale) rmSync(w.p.output, { force: true });
        if (w.p.tmp || w.p.removeStale) dirs.add(dirname(w.p.output));
      } catch (err) {
        fail(w, err);
      }
    }
    for (const d of dirs) fsyncDir(d);
    for (const w of batch) {
      const r = failed.get(w);
      // A rename that failed after its record was journalled: record the failure too (the
      // journalled 'clean' record names an output that is absent, which a rerun redoes anyway).
      this.settle(w, r ?? w.p.record, r !== undefined && records.includes(w.p.record));
    }
  }

  private settle(w: Waiting, r: ManifestRecord, journalAgain: boolean): void {
    if (journalAgain) {
      try {
        this.journal?.appendMany([r]);
      } catch {
        // Best effort: the in-memory record (and the final manifest) still says what happened.
      }
    }
    this.onRecord(r);
    w.done(r);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function failedRecord(p: PendingCommit, err: unknown): ManifestRecord {
  const e = err as NodeJS.ErrnoException;
  const r: ManifestRecord = { ...p.record, status: 'error' };
  delete r.outputSha256;
  r.error = e?.code ? `cannot write ${p.output}: ${e.code} (${e.message})` : String(e?.message ?? e);
  return r;
}

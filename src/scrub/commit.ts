/**
 * Group commit: the durable end of every job, done for many files at once by the main thread,
 * whose own work stays small: every fsync runs on libuv's thread pool, never blocking dispatch.
 *
 * A job leaves its output in a temp file (written, not yet fsync'ed) and hands back its record;
 * a big temp's fsync starts at once. Once a batch is full (or a short delay passed, or the run
 * ends) it is made durable in this order, one batch after another: every temp durable (its own
 * fsync, or for the small ones one syncfs of the filesystem, where there is one) → every record
 * appended to the journal with ONE fsync → each temp renamed to its final name (or a stale
 * output removed) → each folder fsync'ed once. So every output under a final name is complete
 * and described by a journalled record, with a handful of flushes per batch, not 3 per file.
 *
 * What a SIGKILL (or power loss) can lose: at most the batch in flight. Its temps are swept by
 * the rerun; its records, if already journalled, point at outputs that are missing (or carry
 * another hash), which `matches` in job.ts never takes for finished, so the rerun redoes them.
 */
import { renameSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  /** Output hashes earlier records gave this path: carried by the error record if the write fails. */
  ours?: readonly string[];
  /** Bytes in `tmp`. */
  size?: number;
  /** `record` as JSON, made by the worker that made the record (the journal line, less work here). */
  line?: string;
}

export interface GroupCommitOptions {
  /** Flush once this many commits wait. */
  maxFiles?: number;
  /** ...or once this many bytes of temp output wait (bounds what a kill can cost a rerun). */
  maxBytes?: number;
  /** ...or this long after the first of them arrived. */
  maxDelayMs?: number;
  /**
   * Makes everything written on the filesystem holding a folder durable (syncfs), or answers
   * false where it cannot; temps below `fsyncEachFrom` bytes are then made durable together.
   */
  syncFs?: (dir: string) => Promise<boolean>;
  /** Temps at least this big are fsync'ed one by one, at once (default 1 MiB). */
  fsyncEachFrom?: number;
}

interface Waiting {
  p: PendingCommit;
  done: (r: ManifestRecord) => void;
  /** The temp's own fsync, started when it arrived (undefined once done, or its error); absent: left to the batch. */
  synced?: Promise<unknown>;
  settled?: boolean;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches commit one after another, in order: each waits for the one before. */
  private chain: Promise<void> = Promise.resolve();
  private readonly maxFiles: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;
  private readonly fsyncEachFrom: number;
  private readonly syncFs: (dir: string) => Promise<boolean>;

  constructor(
    private readonly journal: Journal | undefined,
    /** Called with each record once it is journalled (or failed: `journalled` false), before `add`'s promise resolves. */
    private readonly onRecord: (r: ManifestRecord, journalled: boolean) => void,
    opts: GroupCommitOptions = {},
  ) {
    this.syncFs = opts.syncFs ?? (async () => false);
    this.maxFiles = opts.maxFiles ?? 64;
    this.maxBytes = opts.maxBytes ?? 256 * 2 ** 20;
    this.maxDelayMs = opts.maxDelayMs ?? 200;
    this.fsyncEachFrom = opts.syncFs ? (opts.fsyncEachFrom ?? 2 ** 20) : 0;
  }

  /** Queue one job's commit; resolves with the record as it stands once durable (an error record if writing failed). */
  add(p: PendingCommit): Promise<ManifestRecord> {
    return new Promise((resolve) => {
      // A big temp's fsync starts now, on libuv's thread pool: the disk works while workers clean
      // the next files and this thread stays free to hand them out. Small ones wait for the
      // batch: one syncfs costs less than an fsync (and its journal commit) per file.
      const w: Waiting = { p, done: resolve };
      if (p.tmp && (p.size ?? 0) >= this.fsyncEachFrom) w.synced = fsyncPathAsync(p.tmp);
      this.waiting.push(w);
      this.bytes += p.size ?? 0;
      if (this.waiting.length >= this.maxFiles || this.bytes >= this.maxBytes) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
    });
  }

  /** Commit every waiting job (after the batches before it); resolves once all of them are settled. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    if (batch.length > 0)
      this.chain = this.chain
        .then(() => this.commit(batch))
        .catch((err: unknown) => {
          // Unexpected (commit handles file errors itself): no job may wait forever.
          for (const w of batch) if (!w.settled) this.settle(w, failedRecord(w.p, err), false, false);
        });
    return this.chain;
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const failed = new Map<Waiting, ManifestRecord>();
    const fail = (w: Waiting, err: unknown): void => {
      if (w.p.tmp) rmSync(w.p.tmp, { force: true });
      failed.set(w, failedRecord(w.p, err));
    };
    const left = batch.filter((w) => w.p.tmp && !w.synced);
    const together = left.length > 0 && (await this.syncFs(dirname(left[0]?.p.tmp as string)));
    if (!together) for (const w of left) w.synced = fsyncPathAsync(w.p.tmp as string);
    const syncErrors = await Promise.all(batch.map((w) => w.synced));
    for (const [i, w] of batch.entries()) if (syncErrors[i] !== undefined) fail(w, syncErrors[i]);
    const records = batch.map((w) => failed.get(w) ?? w.p.record);
    try {
      // A worker's own serialisation of its record, when it is the record journalled.
      await this.journal?.appendManyAsync(
        records,
        batch.map((w, i) => (records[i] === w.p.record ? w.p.line : undefined)),
      );
    } catch (err) {
      // No record journalled: nothing may go under a final name. The run reports these from memory.
      for (const w of batch) if (!failed.has(w)) fail(w, err);
      for (const w of batch) this.settle(w, failed.get(w) as ManifestRecord, false, false);
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
    await Promise.all([...dirs].map(fsyncDirAsync));
    for (const w of batch) {
      const r = failed.get(w);
      // A rename that failed after its record was journalled: record the failure too (the
      // journalled 'clean' record names an output that is absent, which a rerun redoes anyway).
      this.settle(w, r ?? w.p.record, r !== undefined && records.includes(w.p.record), true);
    }
  }

  private settle(w: Waiting, r: ManifestRecord, journalAgain: boolean, journalled: boolean): void {
    w.settled = true;
    if (journalAgain) {
      try {
        this.journal?.appendMany([r]);
      } catch {
        // Best effort: the in-memory record (and the final manifest) still says what happened.
        journalled = false;
      }
    }
    this.onRecord(r, journalled && this.journal !== undefined);
    w.done(r);
  }
}

/** fdatasync a written file off this thread; resolves with the error instead of throwing. */
async function fsyncPathAsync(path: string): Promise<unknown> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    await fh.datasync();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Make renames durable: fsync their folder (best effort: some filesystems refuse it; the rename is still atomic). */
async function fsyncDirAsync(dir: string): Promise<void> {
  await fsyncPathAsync(dir);
}

function failedRecord(p: PendingCommit, err: unknown): ManifestRecord {
  const e = err as NodeJS.ErrnoException;
  const r: ManifestRecord = { ...p.record, status: 'error' };
  delete r.outputSha256;
  // What was at the output stays Airlock's (the new copy never got there).
  if (p.ours?.length) r.ownedSha256 = [...p.ours];
  else delete r.ownedSha256;
  r.error = e?.code ? `cannot write ${p.output}: ${e.message}` : String(e?.message ?? e);
  return r;
}

/**
 * A LogSink that appends to the store (SQLite, or a fleet's PostgreSQL) on a worker thread of its
 * own. On the proxy's thread, each group commit (a canonical JSON and an HMAC per row, the
 * inserts, and now and then a WAL checkpoint that writes the database file and syncs it) stalled
 * every connection for its length: the gateway's tail latency. Here the proxy only posts the rows.
 *
 * What a SIGKILL can lose is unchanged: the rows not yet committed, whichever thread holds them.
 * If the thread stops (it should not), every batch in flight fails — the gateway's log writer
 * then refuses new connections — and the next batch starts a new thread, at most once a second.
 * A batch the stopped thread had committed before it could answer is not written twice: the
 * writer sends it again after the head it last saw, and the store recognises it (AppendOptions).
 */
import { Worker } from 'node:worker_threads';
import { AirlockError } from '../core/errors.js';
import { encodeRows, type ThreadReply, type ThreadRequest, type WorkerData } from './log-wire.js';
import type { AppendOptions, ChainHead, LogRow, LogSink } from './types.js';

const RESTART_EVERY_MS = 1000;

interface Pending {
  resolve: (head: ChainHead | undefined) => void;
  reject: (e: Error) => void;
}

export class LogThread implements LogSink {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Why the last thread stopped, while a new one may not start yet. */
  private stopped: string | undefined;

  /** `path`: the database, already created and migrated by the caller's own connection. */
  constructor(private readonly data: WorkerData) {}

  appendBatch(rows: readonly LogRow[], opts: AppendOptions = {}): Promise<ChainHead | undefined> {
    if (rows.length === 0) return Promise.resolve(undefined);
    if (this.closed) return Promise.reject(new AirlockError('AIRLOCK_ERR_IO', 'the log writer is closed'));
    const worker = this.running();
    if (!worker)
      return Promise.reject(
        new AirlockError('AIRLOCK_ERR_IO', `the log writer thread stopped: ${this.stopped ?? 'unknown'}`),
      );
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const m: ThreadRequest = {
        type: 'append',
        id,
        rows: encodeRows(rows),
        ...(opts.after ? { after: opts.after } : {}),
      };
      worker.postMessage(m);
    });
  }

  /** Ends the thread after the batches in flight (it handles messages in order). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    const m: ThreadRequest = { type: 'close' };
    w.postMessage(m);
    await exited;
  }

  private running(): Worker | undefined {
    if (this.worker) return this.worker;
    const now = Date.now();
    if (now - this.lastStartMs < RESTART_EVERY_MS) return undefined;
    this.lastStartMs = now;
    const w = new Worker(new URL('./log-worker.js', import.meta.url), { workerData: this.data });
    // The gateway's close() ends it; a forgotten close must not keep a process alive.
    w.unref();
    w.on('message', (r: ThreadReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.error) p.reject(new AirlockError(r.error.code, r.error.message, undefined, r.error.file));
      else p.resolve(r.head);
    });
    const gone = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.stopped = why;
      const err = new AirlockError(
        'AIRLOCK_ERR_IO',
        `the log writer thread stopped: ${why}`,
        undefined,
        this.data.path,
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (e) => gone(e.message));
    w.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = w;
    return w;
  }
}

/**
 * Appends the gateway's rows to the store, group-committed as one transaction per group: every
 * `groupCommitMs`, or as soon as `flushAtRows` rows wait. What a SIGKILL can lose is the rows
 * queued since the last commit plus the commit in progress (test/gateway/sigkill.test.ts measures
 * it). After each flush the chain head goes to the anchor file, at most once per `anchorEveryMs`.
 *
 * Why not only on the timer: under load a 50 ms group was ~500 rows, which the log thread then
 * MACs and inserts in one ~5 ms burst, taking one of the machine's cores from the proxy while
 * every request in flight waits. Flushing at `flushAtRows` spreads that work out; while a group is
 * being written the rows arriving meanwhile wait and go out together as the next group, so the
 * group size adapts to how fast the store commits.
 *
 * Fail closed: when a flush fails, `healthy` turns false and the gateway refuses new connections
 * until a later flush succeeds. Rows wait (bounded) and are retried in order, so the chain keeps
 * every row it can.
 */
import type { ChainHead, LogRow, LogSink } from '../../store/types.js';
import { writeAnchor } from './anchor.js';

/** Rows per transaction: bounds one commit's time and memory when a backlog built up. */
const MAX_BATCH_ROWS = 10_000;

export interface LogWriterOptions {
  groupCommitMs: number;
  /** Flush as soon as this many rows wait (default 64). */
  flushAtRows?: number;
  anchorPath: string;
  anchorEveryMs?: number;
  /**
   * The log's head as the start found it (checked against the anchor): the first group is chained
   * on only while it is still there, as every later group is after the head before it.
   */
  head?: ChainHead;
  /** Rows held while the store fails; beyond, rows are dropped and counted. */
  maxQueuedRows?: number;
  now?: () => number;
  onError?: (message: string) => void;
}

export class LogWriter {
  private queue: LogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastAnchorMs = Number.NEGATIVE_INFINITY;
  private head: ChainHead | undefined;
  private anchoredSeq = -1;
  /** After stop(): the sink may be closed, a row now is counted as dropped, never sent. */
  private stopped = false;
  healthy = true;
  rowsWritten = 0;
  rowsDropped = 0;
  writeErrors = 0;

  constructor(
    private readonly sink: LogSink,
    private readonly opts: LogWriterOptions,
  ) {
    this.head = opts.head;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.groupCommitMs);
    this.timer.unref();
  }

  append(row: LogRow): void {
    if (this.stopped || this.queue.length >= (this.opts.maxQueuedRows ?? 100_000)) {
      this.rowsDropped++;
      return;
    }
    this.queue.push(row);
    // A failing store is retried on the timer only, not on every row.
    if (this.queue.length >= (this.opts.flushAtRows ?? 64) && this.healthy && !this.flushing)
      void this.flush();
  }

  /** Writes every queued row (one flush at a time); resolves when done or failed. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Flushes, writes a final anchor and stops the timer. The store stays open (its owner closes it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    this.stopped = true;
    this.anchor(true);
  }

  private async doFlush(): Promise<void> {
    while (this.queue.length > 0) {
      // One transaction per group (LogSink.appendBatch): a group is durable whole or not at all.
      const batch = this.queue.slice(0, MAX_BATCH_ROWS);
      try {
        // After the head last seen: a batch retried after a lost answer is not chained twice.
        const head = await this.sink.appendBatch(batch, this.head ? { after: this.head } : {});
        if (head) this.head = head;
      } catch (e) {
        this.writeErrors++;
        if (this.healthy) this.opts.onError?.(`event log write failed: ${(e as Error).message}`);
        this.healthy = false;
        return;
      }
      this.queue.splice(0, batch.length);
      this.rowsWritten += batch.length;
    }
    this.healthy = true;
    this.anchor(false);
  }

  private anchor(force: boolean): void {
    const now = (this.opts.now ?? Date.now)();
    if (!this.head || this.head.seq === this.anchoredSeq) return;
    if (!force && now - this.lastAnchorMs < (this.opts.anchorEveryMs ?? 1000)) return;
    try {
      writeAnchor(this.opts.anchorPath, { ...this.head, tsMs: now });
      this.anchoredSeq = this.head.seq;
      this.lastAnchorMs = now;
    } catch (e) {
      this.writeErrors++;
      this.healthy = false;
      this.opts.onError?.(`anchor write failed: ${(e as Error).message}`);
    }
  }
}

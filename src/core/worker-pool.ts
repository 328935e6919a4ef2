/**
 * Worker threads for batch commands (scrub, inspect): N workers spawned from one module URL with
 * the same workerData, each running one job at a time, each job's result back to the promise that
 * asked for it. A worker may be handed a few jobs ahead (`ahead`), so it never sits idle waiting
 * for the main thread between short jobs; it still runs them one after the other, in order. A worker may ask the main thread a question mid-job and wait for the answer
 * (scrub journals each record before it renames an output into place).
 *
 * A worker that dies while holding a job fails that job alone (WorkerCrash, naming the job) and
 * is replaced, so one bad input never takes the batch down; a pool whose workers keep dying
 * (a module that cannot load) stops replacing them and fails every job left, clearly.
 * Idle workers are unref'd: a caller that forgets close() still lets the process exit.
 */
import { parentPort, Worker } from 'node:worker_threads';

/** Main thread → worker. */
export type ToWorker<J, A> =
  | { type: 'job'; id: number; job: J }
  | { type: 'answer'; id: number; answer: A }
  | { type: 'answer'; id: number; error: string };

/** Worker → main thread. */
export type FromWorker<R, Q> =
  | { type: 'done'; id: number; result: R }
  | { type: 'failed'; id: number; message: string }
  | { type: 'ask'; id: number; question: Q };

/** The job threw inside the worker; the worker itself is fine and takes the next job. */
export class JobFailed extends Error {
  override readonly name = 'JobFailed';
}

/** The worker holding the job died (uncaught error, process.exit, out of memory) or never started. */
export class WorkerCrash extends Error {
  override readonly name = 'WorkerCrash';
}

export interface PoolOptions<Q, A, J = never> {
  /** The worker module; it calls serveJobs(). */
  url: URL;
  size: number;
  workerData?: unknown;
  /** Answers a worker's question mid-job; a throw goes back to the worker as an error. */
  answer?: (question: Q) => A;
  /** Replacement workers allowed in all before the pool gives up (default: 2 per worker). */
  maxRespawns?: number;
  /** Jobs handed to a worker before its first is done (default 1: the next waits for a free worker). */
  ahead?: number;
  /**
   * With `ahead`: a job goes ahead only while the jobs a worker holds cost less than `limit` in
   * all (scrub: bytes). Big jobs queued behind one another would leave one worker busy at the
   * end of a batch while another has nothing left to take.
   */
  aheadBudget?: { cost: (job: J) => number; limit: number };
}

interface Job<J, R> {
  id: number;
  job: J;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Slot<J, R> {
  worker: Worker;
  /** Jobs handed to this worker, oldest (the one it is running) first. */
  jobs: Job<J, R>[];
  /** What the worker reported before it exited, if anything. */
  lastError?: Error;
}

export class WorkerPool<J, R, Q = never, A = never> {
  private readonly slots = new Set<Slot<J, R>>();
  private readonly queue: Job<J, R>[] = [];
  private nextId = 0;
  private respawnsLeft: number;
  private broken: Error | undefined;
  private closing = false;

  constructor(private readonly opts: PoolOptions<Q, A, J>) {
    this.respawnsLeft = opts.maxRespawns ?? opts.size * 2;
    for (let i = 0; i < Math.max(1, opts.size); i++) this.spawn();
  }

  /**
   * Run one job on the next free worker. Jobs start in the order they are given. The promise is
   * pre-marked as handled, so jobs still pending when a caller stops early (and closes the pool)
   * are no unhandled rejection; awaiting it still throws.
   */
  run(job: J): Promise<R> {
    const p = new Promise<R>((resolve, reject) => {
      if (this.broken) return reject(this.broken);
      if (this.closing) return reject(new WorkerCrash('worker pool closed'));
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
    p.catch(() => {});
    return p;
  }

  /** Terminate every worker; jobs not finished are rejected. */
  async close(): Promise<void> {
    this.closing = true;
    const gone = new WorkerCrash('worker pool closed');
    for (const j of this.queue.splice(0)) j.reject(gone);
    const workers = [...this.slots].map((s) => {
      for (const j of s.jobs.splice(0)) j.reject(gone);
      return s.worker;
    });
    this.slots.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): void {
    const worker = new Worker(this.opts.url, { workerData: this.opts.workerData });
    const slot: Slot<J, R> = { worker, jobs: [] };
    this.slots.add(slot);
    worker.unref();
    // Node 20 refs a worker again when it comes online: unref it then too, unless it holds a job.
    worker.once('online', () => {
      if (slot.jobs.length === 0) worker.unref();
    });
    worker.on('message', (msg: FromWorker<R, Q>) => this.onMessage(slot, msg));
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => this.onExit(slot, code));
  }

  private onMessage(slot: Slot<J, R>, msg: FromWorker<R, Q>): void {
    // The worker runs its jobs in order: any message is about the oldest one it holds.
    const job = slot.jobs[0];
    if (!job || job.id !== msg.id) return; // a stale message from a job already given up on
    if (msg.type === 'ask') {
      let reply: ToWorker<J, A>;
      try {
        if (!this.opts.answer) throw new Error('this pool answers no questions');
        reply = { type: 'answer', id: msg.id, answer: this.opts.answer(msg.question) };
      } catch (err) {
        reply = { type: 'answer', id: msg.id, error: messageOf(err) };
      }
      slot.worker.postMessage(reply);
      return;
    }
    slot.jobs.shift();
    if (slot.jobs.length === 0) slot.worker.unref();
    if (msg.type === 'done') job.resolve(msg.result);
    else job.reject(new JobFailed(msg.message));
    this.dispatch();
  }

  private onExit(slot: Slot<J, R>, code: number): void {
    if (!this.slots.delete(slot)) return; // closed on purpose
    const why = slot.lastError ? messageOf(slot.lastError) : `exited with code ${code}`;
    // The oldest job is the one it was running; the ones handed ahead were not started: requeued.
    slot.jobs.shift()?.reject(new WorkerCrash(`worker thread stopped while on this job: ${why}`));
    this.queue.unshift(...slot.jobs.splice(0));
    if (this.closing) return;
    if (this.respawnsLeft > 0) {
      this.respawnsLeft -= 1;
      this.spawn();
      this.dispatch();
      return;
    }
    if (this.slots.size === 0) {
      this.broken = new WorkerCrash(`worker threads keep stopping (last: ${why}); no worker left`);
      for (const j of this.queue.splice(0)) j.reject(this.broken);
    }
  }

  private dispatch(): void {
    const ahead = Math.max(1, this.opts.ahead ?? 1);
    const budget = this.opts.aheadBudget;
    // Round by round, so every worker gets its first job before any gets a second.
    for (let depth = 1; depth <= ahead; depth++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) return;
        if (slot.jobs.length >= depth) continue;
        if (depth > 1 && budget && slot.jobs.reduce((n, j) => n + budget.cost(j.job), 0) >= budget.limit)
          continue;
        const job = this.queue.shift() as Job<J, R>;
        slot.jobs.push(job);
        slot.worker.ref(); // a worker holding jobs keeps the process alive until it answers
        slot.worker.postMessage({ type: 'job', id: job.id, job: job.job } satisfies ToWorker<J, A>);
      }
    }
  }
}

/**
 * The worker side: call once at the top of a worker module. `handle` runs each job; `ask` sends
 * a question to the pool's `answer` and resolves with its reply. Outside a worker it does nothing,
 * so the module can be imported (type-checked, tested) anywhere.
 */
export function serveJobs<J, R, Q = never, A = never>(
  handle: (job: J, ask: (question: Q) => Promise<A>) => R | Promise<R>,
): void {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromWorker<R, Q>): void => port.postMessage(m);
  const waiting = new Map<number, { resolve: (a: A) => void; reject: (e: Error) => void }>();
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (msg: ToWorker<J, A>) => {
    if (msg.type === 'answer') {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if ('error' in msg) w?.reject(new Error(msg.error));
      else w?.resolve(msg.answer);
      return;
    }
    const { id } = msg;
    const ask = (question: Q): Promise<A> =>
      new Promise<A>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        post({ type: 'ask', id, question });
      });
    // One job at a time, in the order given: the pool counts on it to know which job a crash hit.
    // A result that cannot be posted (not cloneable) fails its job, not the worker.
    queue = queue.then(async () => {
      try {
        post({ type: 'done', id, result: await handle(msg.job, ask) });
      } catch (err) {
        post({ type: 'failed', id, message: messageOf(err) });
      }
    });
  });
}

const messageOf = (err: unknown): string => String((err as Error)?.message ?? err);

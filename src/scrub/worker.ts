/**
 * A scrub worker thread: takes one job at a time from the pool, runs scrubOne, and asks the
 * main thread to journal each record before it renames the output into place.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Policy } from '../policy/index.js';
import { type JobSpec, scrubOne } from './job.js';
import type { ManifestRecord } from './manifest.js';
import { rewriterFor } from './registry.js';

export type ToWorker =
  | { type: 'job'; id: number; spec: JobSpec }
  | { type: 'committed'; id: number; error?: string };
export type FromWorker =
  | { type: 'commit'; id: number; record: ManifestRecord }
  | { type: 'done'; id: number; outcome: Awaited<ReturnType<typeof scrubOne>> }
  | { type: 'failed'; id: number; message: string };

const port = parentPort;
if (port) {
  const policy = (workerData as { policy: Policy }).policy;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'committed') {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error === undefined) w?.resolve();
      else w?.reject(new Error(msg.error));
      return;
    }
    const { id, spec } = msg;
    const commit = (record: ManifestRecord): Promise<void> =>
      new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        port.postMessage({ type: 'commit', id, record } satisfies FromWorker);
      });
    scrubOne(spec, policy, rewriterFor, commit).then(
      (outcome) => port.postMessage({ type: 'done', id, outcome } satisfies FromWorker),
      (err: unknown) =>
        port.postMessage({
          type: 'failed',
          id,
          message: String((err as Error)?.message ?? err),
        } satisfies FromWorker),
    );
  });
}

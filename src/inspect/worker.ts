/** An inspect worker thread: one path in, its FileReport out (inspectFile never throws). */
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../core/worker-pool.js';
import type { Policy } from '../policy/types.js';
import type { FileReport } from '../report/model.js';
import { inspectFile } from './inspect-file.js';

const { policy } = workerData as { policy: Policy };
serveJobs<string, FileReport>((path) => inspectFile(path, policy));

/** An inspect worker thread: one path in, its FileReport out (inspectWithFaces never throws). */
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../core/worker-pool.js';
import type { Policy } from '../policy/types.js';
import type { FileReport } from '../report/model.js';
import { inspectWithFaces } from './inspect-file.js';

const { policy, faces } = workerData as { policy: Policy; faces: boolean };
serveJobs<string, FileReport>((path) => inspectWithFaces(path, policy, faces));

/** Messages between the gateway and its SQLite log writer thread. */
import type { ErrorCode } from '../core/errors.js';
import type { ChainHead } from './types.js';

export interface WorkerData {
  path: string;
  key: Uint8Array;
}

/**
 * `rows`: the batch as one JSON text. Posting it costs the proxy a JSON.stringify; posting the row
 * objects cost a structured clone of each, a tenth of the proxy's time under load (profile).
 */
export type ThreadRequest =
  | { type: 'append'; id: number; rows: string; after?: ChainHead }
  | { type: 'close' };

export type ThreadReply =
  | { id: number; head?: ChainHead; error?: undefined }
  | { id: number; head?: undefined; error: { code: ErrorCode; message: string; file?: string } };

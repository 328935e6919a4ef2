/** After a damaged record: look ahead, within a bounded window, for the next plausible one. */
import { NET_LIMITS } from '../limits.js';
import type { ByteQueue } from './queue.js';

export type Resync = { kind: 'found'; skip: number } | { kind: 'need' } | { kind: 'none'; scanned: number };

/**
 * `plausible(buf, p, complete)` judges a candidate at buf[p]; `complete` says buf holds every byte
 * left in the capture. Candidates are tried every `stride` bytes after the damaged record's start.
 */
export function findResync(
  q: ByteQueue,
  ended: boolean,
  stride: number,
  plausible: (buf: Uint8Array, p: number, complete: boolean) => boolean,
): Resync {
  const window = NET_LIMITS.resyncWindowBytes;
  if (!ended && q.length < window) return { kind: 'need' };
  const buf = q.peekUpTo(window);
  const complete = ended && buf.length === q.length;
  for (let p = stride; p < buf.length; p += stride) {
    if (plausible(buf, p, complete)) return { kind: 'found', skip: p };
  }
  return { kind: 'none', scanned: buf.length };
}

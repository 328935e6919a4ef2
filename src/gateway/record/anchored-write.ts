/**
 * A row appended by a command other than the gateway (`gateway unlock`, `relock`), anchored: the
 * store is checked against its anchor first, as the gateway's start checks it (record/start-check.ts),
 * since a row chained on from a log cut short would hide the cut; and the anchor is moved to the new
 * head after, so the row is vouched for even when no gateway commits after it (unanchored, a relock
 * row at the end of the log could be deleted, its window put back open, and no check would see it).
 *
 * A gateway running meanwhile writes the anchor too: each write is whole (anchor.ts), and this one
 * is skipped when the anchor already vouches for a later row, so the anchor never moves back.
 */
import { AirlockError } from '../../core/errors.js';
import type { Store } from '../../store/types.js';
import { readAnchor, writeAnchor } from './anchor.js';
import { checkRecordAtStart } from './start-check.js';

export async function anchoredWrite<T>(
  store: Store,
  at: { anchor: string; verify: string },
  write: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const before = await checkRecordAtStart(store, { ...at, by: 'write' }, now());
  if (!before.ok) throw before.error;
  const out = await write();
  // From the head the anchor vouched for, the rows since (this write's among them) checked on.
  const tail = before.head ? await store.verifyLogFrom(before.head) : undefined;
  if (tail && !tail.ok)
    throw new AirlockError(
      'AIRLOCK_ERR_MALFORMED',
      `the event log does not hold after the write, at seq ${tail.badSeq}: ${tail.problem}; the anchor is left as it was (${at.verify})`,
      undefined,
      store.path,
    );
  const head = tail?.ok ? tail.head : await store.logHead();
  const current = readAnchor(at.anchor);
  if (head && !(current && current.seq >= head.seq)) writeAnchor(at.anchor, { ...head, tsMs: now() });
  return out;
}

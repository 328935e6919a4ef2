/**
 * A time window of the record summed up (TrafficTally), read page by page and bounded: the
 * dashboard's overview and `airlock log fleet` (one tally per box) both sum this way, so their
 * figures agree. Through the Store interface only: either store.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Store, TimeWindow } from '../../store/types.js';
import { type TrafficSummary, TrafficTally } from './traffic-tally.js';

/**
 * Rows per store read. Between two reads the event loop takes its turn (nextTurn): the SQLite
 * store answers at once, so without it a dashboard page summing a million rows (200 reads, ≈ 2 s)
 * would hold every other request, of any tab, until it is done. The log page reads by it too.
 */
export const ROWS_PER_READ = 5000;

/**
 * Rows one tally reads at most, for the dashboard's page loads and `log fleet` alike: bounds the
 * time of one window's sum (≈ 4 s for a million rows here).
 */
export const MAX_TALLY_ROWS = 1_000_000;

export interface WindowTally {
  summary: TrafficSummary;
  /** True when the window held more than `maxRows` rows: the summary covers the first maxRows. */
  truncated: boolean;
}

/** The rows of [sinceMs, untilMs) summed up, reading at most `maxRows`. */
export async function tallyWindow(
  store: Store,
  window: Required<TimeWindow>,
  maxRows: number,
): Promise<WindowTally> {
  const tally = new TrafficTally(window.sinceMs, window.untilMs);
  let after = 0;
  let read = 0;
  while (read < maxRows) {
    const page = await store.logBodies(after, Math.min(ROWS_PER_READ, maxRows - read), window);
    if (page.length === 0) return { summary: tally.summary(), truncated: false };
    for (const r of page) {
      if ('row' in r) tally.add(r.row);
      else tally.damaged(r.seq);
    }
    read += page.length;
    after = page[page.length - 1]!.seq;
    await nextTurn();
  }
  const more = await store.logBodies(after, 1, window);
  return { summary: tally.summary(), truncated: more.length > 0 };
}

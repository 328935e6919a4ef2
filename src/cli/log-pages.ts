/** The log read page by page, for the `log` subcommands (show, export, reconcile). */
import type { TimeWindow } from '../store/types.js';

const PAGE = 10_000;

/** Rows after `after` (in `window`), page by page, at most `limit`, as `read` gives them. */
export async function* rows<R extends { seq: number }>(
  read: (afterSeq: number, limit: number, window: TimeWindow) => Promise<R[]>,
  after: number,
  limit: number,
  window: TimeWindow,
): AsyncGenerator<R[]> {
  let seq = after;
  let left = limit;
  while (left > 0) {
    const page = await read(seq, Math.min(PAGE, left), window);
    if (page.length === 0) return;
    yield page;
    seq = page[page.length - 1]!.seq;
    left -= page.length;
  }
}

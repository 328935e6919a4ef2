/** The log read page by page, for the `log` subcommands (show, export, reconcile). */
import { appendAll } from '../core/append.js';
import type { CheckedLogRow, TimeWindow } from '../store/types.js';

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

/** Rows looked at on either side of a window's rows, and in all between them, at most. */
const EDGE_ROWS = 1000;
const MAX_UNSHOWN_ROWS = 1_000_000;

/**
 * `rows` for a window, with the rows the window's query passed over although their MACed time
 * lies in it: the query selects by the `ts_ms` column, so a row whose column was changed would
 * otherwise just be missing, with every link around it intact (QA). Such a row is given with a
 * problem, in seq order among the others. Looked at: every row between the window's first and
 * last row, and EDGE_ROWS on either side (a row moved out from the window's very start or end),
 * at most MAX_UNSHOWN_ROWS in all. A row moved further is found by `log verify`, which checks
 * every column of every row.
 */
export async function* rowsInWindow(
  read: (afterSeq: number, limit: number, window: TimeWindow) => Promise<CheckedLogRow[]>,
  after: number,
  limit: number,
  window: TimeWindow,
): AsyncGenerator<CheckedLogRow[]> {
  const since = window.sinceMs ?? Number.NEGATIVE_INFINITY;
  const until = window.untilMs ?? Number.POSITIVE_INFINITY;
  if (since === Number.NEGATIVE_INFINITY && until === Number.POSITIVE_INFINITY) {
    yield* rows(read, after, limit, window);
    return;
  }
  let budget = MAX_UNSHOWN_ROWS;
  /** Rows with seq in (from, to) whose MACed time is in the window. */
  const passedOver = async (from: number, to: number): Promise<CheckedLogRow[]> => {
    const out: CheckedLogRow[] = [];
    for (let a = from; a + 1 < to && budget > 0; ) {
      const page = await read(a, Math.min(PAGE, to - 1 - a, budget), {});
      if (page.length === 0) break;
      budget -= page.length;
      for (const r of page) {
        if (r.seq >= to || !r.row || r.row.tsMs < since || r.row.tsMs >= until) continue;
        // Its link check (checkedRow) has already found the column disagreeing with the body.
        const passed = `its time ${new Date(r.row.tsMs).toISOString()} is in this window, which passed it over`;
        out.push({ ...r, problem: r.problem ? `${r.problem}: ${passed}` : passed });
      }
      a = page[page.length - 1]!.seq;
    }
    return out;
  };
  let prev: number | undefined;
  for await (const page of rows(read, after, limit, window)) {
    const out: CheckedLogRow[] = [];
    for (const r of page) {
      const from = prev ?? Math.max(after, r.seq - EDGE_ROWS - 1);
      if (r.seq > from + 1) appendAll(out, await passedOver(from, r.seq));
      out.push(r);
      prev = r.seq;
    }
    yield out;
  }
  if (prev === undefined) return;
  const tail = await passedOver(prev, prev + EDGE_ROWS + 1);
  if (tail.length > 0) yield tail;
}

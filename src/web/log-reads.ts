/**
 * What the dashboard's log page reads from the store, bounded per page load: the newest rows
 * matching a filter, each with its own link in the chain checked as `airlock log show` checks
 * it. Through the Store interface only, so a PostgreSQL store serves the dashboard unchanged.
 * (A window's rows summed up: gateway/record/window-tally.ts.)
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ROWS_PER_READ } from '../gateway/record/window-tally.js';
import type { CheckedLogRow, Store } from '../store/types.js';

export interface RowFilter {
  kind?: 'connection' | 'dns' | 'unlock';
  verdict?: 'allow' | 'block';
  /** Rows whose destination, name, query name, client or reason contains this text (any case). */
  text?: string;
  /** Only rows that failed their link in the chain. */
  damaged?: boolean;
}

export interface RecentRows {
  /** Newest first. */
  rows: CheckedLogRow[];
  /** The seq to continue before (older rows), when the log goes further back; undefined at its start. */
  before?: number;
  /** Rows looked at to fill the page. */
  scanned: number;
}

/** A row's searchable text: the fields an auditor looks a row up by. */
function haystack(r: CheckedLogRow): string {
  const row = r.row;
  if (!row) return r.body.toLowerCase();
  switch (row.kind) {
    case 'connection':
      return `${row.destination} ${row.name ?? ''} ${row.ip} ${row.client} ${row.reason} ${row.cut ?? ''} ${row.request ?? ''}`.toLowerCase();
    case 'dns':
      return `${row.qname} ${row.qnames ?? ''} ${row.client} ${row.reason}`.toLowerCase();
    case 'unlock':
      return `${row.window.host} ${row.window.reason} ${row.createdBy ?? ''}`.toLowerCase();
  }
}

export function matches(r: CheckedLogRow, f: RowFilter): boolean {
  if (f.damaged && r.problem === undefined) return false;
  if (f.kind && r.row?.kind !== f.kind) return false;
  if (f.verdict) {
    const row = r.row;
    if (!row || row.kind === 'unlock' || row.verdict !== f.verdict) return false;
  }
  return !f.text || haystack(r).includes(f.text.toLowerCase());
}

/**
 * Up to `limit` rows before seq `before` (the end when undefined) that match `filter`, newest
 * first, looking at most at `maxScan` rows: a filter that matches little returns a short page and
 * the seq to go on from. Seqs are consecutive (a gap is a removed row, which checkedLogRows marks
 * on the row after it), so the rows before a seq are read as the block of seqs below it.
 */
export async function recentRows(
  store: Store,
  before: number | undefined,
  filter: RowFilter,
  limit: number,
  maxScan: number,
): Promise<RecentRows> {
  let end = before ?? ((await store.logHead())?.seq ?? 0) + 1;
  const rows: CheckedLogRow[] = [];
  let scanned = 0;
  while (end > 1 && rows.length < limit && scanned < maxScan) {
    const from = Math.max(0, end - 1 - Math.min(ROWS_PER_READ, maxScan - scanned));
    const page = await store.checkedLogRows(from, end - 1 - from);
    scanned += page.length;
    for (let i = page.length - 1; i >= 0 && rows.length < limit; i--) {
      const r = page[i]!;
      if (matches(r, filter)) rows.push(r);
      // The page ends where the last row was taken: the next page goes on below it.
      end = r.seq;
    }
    if (page.length === 0) end = from + 1;
    await nextTurn();
  }
  return { rows, scanned, ...(end > 1 ? { before: end } : {}) };
}

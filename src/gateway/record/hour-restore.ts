/**
 * The gate's rolling hour rebuilt from the event log at start: the hourly upload budgets live in
 * the gate's memory, and a restart, crash or OOM must not hand every destination a fresh one.
 *
 * The log is read back from its end, newest first, until a finished row written more than an
 * hour (plus CLOCK_SLACK_MS) ago: rows are appended in the order the gateway made them, so
 * everything before it is older still. One-way rows only (the only mode whose gate charges):
 *  - a connection the allowlist allowed: its bytes up at its end (the latest time they can have
 *    left, so they age out no earlier than they did live);
 *  - a name that left (an allowed query, a lookup behind a connection row): at the row's time.
 * The gate charges them (EgressGate.recharge): the ledger key is its own, as live.
 *
 * A connection relaying long is logged while open (bytes so far) and again when it ends. Rows
 * carry no connection id; one exchange is (start ms, client address:port, destination, ip,
 * port): one socket carries one exchange at a time. An open row followed by its final row counts
 * only the final one; when the final row says fewer bytes (not the same connection after all)
 * both count. An open row with no final row (the gateway died with it open) counts at the time of
 * the next finished row after it, or now: its bytes left before that row was written. Bytes an
 * unlock window carried are not counted (as live), nor bytes a connection sent after its window
 * closed (the row does not split them).
 */
import type { EgressGate, RecordedCharge } from '../../policy/egress/index.js';
import { HOUR_MS } from '../../policy/egress/index.js';
import type { ConnectionLogRow, LogRow, Store } from '../../store/types.js';
import { OPEN_ROW_AFTER_MS } from '../core/connection.js';

/** How far rows may be out of time order (wall clock steps, group commits). */
export const CLOCK_SLACK_MS = 5 * 60_000;
const PAGE_ROWS = 5000;
/** Reasons of rows whose name the gate refused (or did not charge) before it left. */
const NAME_NOT_SENT = new Set([
  'unlock-window',
  'name-budget-spent',
  'hour-budget-spent',
  'port-not-allowed',
  'dns-name-too-long',
  'bad-framing',
]);

export interface HourRestored {
  /** Rows read back. */
  rows: number;
  /** Charges given to the gate (after merging those of one second and one name). */
  charges: number;
  /** Rows whose body could not be read: their uploads are not counted. */
  damaged: number;
  /** The first of them, as the store said it. */
  firstDamaged?: string;
}

/** Charges `gate` with the last hour before `nowMs` of `store`'s log. Throws when the log cannot be read. */
export async function restoreHour(
  store: Pick<Store, 'logRowsNewestFirst'>,
  gate: Pick<EgressGate, 'recharge'>,
  nowMs: number,
): Promise<HourRestored> {
  const stopBefore = nowMs - HOUR_MS - CLOCK_SLACK_MS;
  const charges = new Charges();
  /** Final rows that lasted long enough to have had an open row: their bytes up, by exchange. */
  const finals = new Map<string, number>();
  /** When the nearest later finished row was made (an open row's bytes left before it). */
  let laterMs = nowMs;
  const out: HourRestored = { rows: 0, charges: 0, damaged: 0 };
  let before: number | undefined;
  for (let done = false; !done; ) {
    const page = await store.logRowsNewestFirst(before, PAGE_ROWS);
    if (page.length === 0) break;
    for (const r of page) {
      before = r.seq;
      if ('damaged' in r) {
        out.damaged++;
        out.firstDamaged ??= r.damaged;
        continue;
      }
      const row = r.row;
      const open = row.kind === 'connection' && row.open === true;
      const madeMs = madeAt(row);
      if (!open && madeMs < stopBefore) {
        done = true;
        break;
      }
      out.rows++;
      if (row.kind === 'dns') {
        if (row.mode === 'one-way' && row.verdict === 'allow' && row.reason !== 'unlock-window')
          charges.name(row.qname, row.tsMs);
      } else if (row.kind === 'connection' && row.mode === 'one-way') {
        const id = exchangeOf(row);
        let counted = true;
        if (open) {
          const final = finals.get(id);
          finals.delete(id);
          counted = final === undefined || final < row.bytesUp;
        } else if (row.endMs !== undefined && row.endMs - row.tsMs >= OPEN_ROW_AFTER_MS) {
          finals.set(id, row.bytesUp);
        }
        if (counted) {
          const name = row.name ?? row.destination;
          if (row.verdict === 'allow' && row.reason === 'allowlisted')
            charges.bytes(name, row.bytesUp, open ? Math.max(row.tsMs, laterMs) : madeMs);
          if (row.name !== undefined && !NAME_NOT_SENT.has(row.reason)) charges.name(row.name, row.tsMs);
        }
      }
      if (!open && row.kind !== 'unlock') laterMs = madeMs;
    }
  }
  const all = charges.list().sort((a, b) => a.atMs - b.atMs);
  for (const c of all) gate.recharge(c, nowMs);
  out.charges = all.length;
  return out;
}

/** When the gateway made `row` (a finished connection's row: at its end). */
function madeAt(row: LogRow): number {
  return row.kind === 'connection' && row.endMs !== undefined ? row.endMs : row.tsMs;
}

function exchangeOf(row: ConnectionLogRow): string {
  return `${row.tsMs}\n${row.client}\n${row.destination}\n${row.ip}\n${row.port}`;
}

/**
 * Charges merged per name and second (an hour of a busy log is millions of rows): bytes summed
 * at the latest time among them, a name at the earliest (as the gate first charged it).
 */
class Charges {
  private readonly byKey = new Map<string, RecordedCharge>();

  bytes(name: string, bytes: number, atMs: number): void {
    if (!(bytes > 0)) return;
    const key = `b\n${name}\n${Math.floor(atMs / 1000)}`;
    const c = this.byKey.get(key);
    if (c?.kind === 'bytes') {
      c.bytes += bytes;
      c.atMs = Math.max(c.atMs, atMs);
    } else this.byKey.set(key, { kind: 'bytes', name, bytes, atMs });
  }

  name(name: string, atMs: number): void {
    const key = `n\n${name}\n${Math.floor(atMs / 1000)}`;
    const c = this.byKey.get(key);
    if (c) c.atMs = Math.min(c.atMs, atMs);
    else this.byKey.set(key, { kind: 'name', name, atMs });
  }

  list(): RecordedCharge[] {
    return [...this.byKey.values()];
  }
}

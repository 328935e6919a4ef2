/** Log rows read back for a reader, the same from either store (sqlite.ts, postgres.ts). */
import { AirlockError } from '../core/errors.js';
import { type LogDbRow, linkProblem, parseBody } from './log-verify.js';
import type { CheckedLogRow, LogRow, RecentLogRow, TimeWindow } from './types.js';

/** A stored body as its row; a damaged one is an error naming the row and the store, not a SyntaxError. */
export function bodyOf(r: Pick<LogDbRow, 'seq' | 'body'>, where: string): LogRow {
  const row = parseBody(r.body);
  if (row === undefined)
    throw new AirlockError(
      'AIRLOCK_ERR_MALFORMED',
      `event_log row ${r.seq} is damaged: its body is not a JSON object (airlock log verify checks the whole log)`,
      undefined,
      where,
    );
  return row;
}

/** A row as a reader lists it: its row, or why its body does not parse. */
export function recentRow(r: Pick<LogDbRow, 'seq' | 'body'>, where: string): RecentLogRow {
  try {
    return { seq: r.seq, row: bodyOf(r, where) };
  } catch (e) {
    return { seq: r.seq, damaged: (e as Error).message };
  }
}

/** One stored row as `log show` reads it: its own link checked against `before`, the row before it in seq order. */
export function checkedRow(
  key: Uint8Array,
  r: LogDbRow,
  before: Pick<LogDbRow, 'seq' | 'mac'> | undefined,
): CheckedLogRow {
  const problem = linkProblem(key, r, before);
  const row = parseBody(r.body);
  return {
    seq: r.seq,
    body: r.body,
    ...(row ? { row } : {}),
    prevMac: r.prev_mac,
    mac: r.mac,
    ...(problem ? { problem } : {}),
  };
}

/** A window's bounds as the windowed queries bind them (an open side: no bound). */
export const windowBounds = (w: TimeWindow): [number, number] => [
  w.sinceMs ?? Number.MIN_SAFE_INTEGER,
  w.untilMs ?? Number.MAX_SAFE_INTEGER,
];

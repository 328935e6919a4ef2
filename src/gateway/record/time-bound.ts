/**
 * A time bound for `airlock log show|export --since/--until`, as an auditor writes one: an ISO
 * 8601 date or date-time (a date alone is midnight UTC; a date-time without a zone is local
 * time, as Date.parse reads it), or a span before now such as 90m, 2h or 7d.
 */
import { AirlockError } from '../../core/errors.js';

const SPAN = /^(\d{1,9})(s|m|h|d)$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds since the epoch; a usage error naming the flag when the text is neither form. */
export function parseTimeBound(text: string, flag: string, nowMs: number): number {
  const span = SPAN.exec(text);
  if (span) return nowMs - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS];
  const ms = ISO.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `${flag} ${text}: expected an ISO 8601 time (2026-11-23T14:00:00Z) or a span before now (90m, 2h, 7d)`,
    );
  return ms;
}

/**
 * The window [since, until) a summary covers, as the dashboard and `log fleet` both read it: from
 * `since` (a bound, parseTimeBound) to `until`, or, without one, to now inclusive (now + 1 ms: a
 * row written in this very millisecond is in the window, on either surface).
 */
export function windowToNow(
  since: string,
  until: string | undefined,
  names: { since: string; until: string },
  nowMs: number,
): { sinceMs: number; untilMs: number } {
  const w = {
    sinceMs: parseTimeBound(since, names.since, nowMs),
    untilMs: until === undefined ? nowMs + 1 : parseTimeBound(until, names.until, nowMs),
  };
  refuseEmptyWindow(w, names, since, until ?? 'now');
  return w;
}

/**
 * A window that ends where or before it starts holds no row by construction: a usage error, not
 * a page or export of nothing that reads as "no traffic" (QA: 12:00 to 10:00 gave "0 rows").
 */
export function refuseEmptyWindow(
  w: { sinceMs?: number; untilMs?: number },
  names: { since: string; until: string },
  since: string,
  until: string,
): void {
  if (w.sinceMs !== undefined && w.untilMs !== undefined && w.untilMs <= w.sinceMs)
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `${names.until} ${until} is not after ${names.since} ${since}: the window holds no time`,
    );
}

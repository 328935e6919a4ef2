/**
 * The unlock_windows table as both stores read it (sqlite.ts, postgres.ts): a stored row as its
 * window, its MAC checked once per distinct row, the chained rows that record a window's state
 * and each window checked against the latest, verify's verdict on both, and the host forms a
 * window may name.
 */
import { AirlockError } from '../core/errors.js';
import { normalizeName } from '../policy/egress/names.js';
import { type ChainOnly, type LogDbRow, ownMacProblem, parseBody } from './log-verify.js';
import { rowJson } from './row-json.js';
import type {
  ChainCheck,
  CheckedUnlockWindow,
  LogText,
  NewUnlockWindow,
  StoredUnlockWindow,
  UnlockLogRow,
  WindowAuth,
} from './types.js';
import { type ChainedUnlock, chainMismatch, verifyWindows, windowAuth } from './window-mac.js';

/** An unlock_windows row as stored. */
export interface WindowRow {
  id: number;
  host: string;
  from_ms: number;
  until_ms: number;
  reason: string;
  created_ms: number;
  created_by: string | null;
  /** Absent in a database still at schema version 1 (opened read-only, not migrated). */
  mac?: string | null;
}

/** Window MAC checks remembered (a window is a row an operator adds by hand: thousands is years). */
const MAX_WINDOW_AUTHS = 10_000;

/**
 * The window of a stored row, its MAC checked under the key ('unverified' without one). The
 * gateway reads every window twice a second: a row seen before, every column the same, is not
 * MACed again.
 */
export class WindowChecker {
  private readonly auths = new Map<string, WindowAuth>();

  constructor(private readonly key: Uint8Array | undefined) {}

  check(r: WindowRow): CheckedUnlockWindow {
    const window = toWindow(r);
    if (this.key === undefined) return { window, auth: r.mac ? 'unverified' : 'no-mac' };
    const seen = JSON.stringify([
      r.id,
      r.host,
      r.from_ms,
      r.until_ms,
      r.reason,
      r.created_ms,
      r.created_by,
      r.mac,
    ]);
    let auth = this.auths.get(seen);
    if (auth === undefined) {
      auth = windowAuth(this.key, window, r.mac);
      if (this.auths.size >= MAX_WINDOW_AUTHS) this.auths.clear();
      this.auths.set(seen, auth);
    }
    return { window, auth };
  }
}

export function toWindow(r: WindowRow): StoredUnlockWindow {
  return {
    id: r.id,
    host: r.host,
    fromMs: r.from_ms,
    untilMs: r.until_ms,
    reason: r.reason,
    createdMs: r.created_ms,
    ...(r.created_by === null ? {} : { createdBy: r.created_by }),
  };
}

/** The chained row recording a window's state: when it was recorded, and when it was ended early. */
export function unlockText(w: StoredUnlockWindow, tsMs: number, ended = false): LogText {
  const row: UnlockLogRow = {
    kind: 'unlock',
    tsMs,
    window: { host: w.host, fromMs: w.fromMs, untilMs: w.untilMs, reason: w.reason },
    ...(w.createdBy === undefined ? {} : { createdBy: w.createdBy }),
    windowId: w.id,
    ...(ended ? { ended: true as const } : {}),
  };
  return { kind: 'unlock', tsMs, body: rowJson(row) };
}

/** A new window checked before anything is written: its host normalised, its span and reason valid. */
export function validNewWindow(w: NewUnlockWindow): string {
  const host = validWindowHost(w.host);
  if (!Number.isSafeInteger(w.fromMs) || !Number.isSafeInteger(w.untilMs) || w.untilMs < w.fromMs) {
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `unlock window for ${host}: untilMs must be an integer >= fromMs`,
    );
  }
  if (w.reason.trim() === '')
    throw new AirlockError('AIRLOCK_ERR_USAGE', `unlock window for ${host}: a reason is required`);
  return host;
}

/** 'host.example' or '*.example' (suffix of two labels or more), as in the policy's allowlist. */
function validWindowHost(host: string): string {
  const wild = host.startsWith('*.');
  const n = normalizeName(wild ? host.slice(2) : host);
  if (n === undefined || (wild && !n.includes('.'))) {
    throw new AirlockError('AIRLOCK_ERR_USAGE', `unlock window: '${host}' is not a host name or '*.suffix'`);
  }
  return wild ? `*.${n}` : n;
}

/** The windows that may be applied: authenticated, and what their latest chained row says. */
export const authentic = (checked: readonly CheckedUnlockWindow[]): StoredUnlockWindow[] =>
  checked.flatMap((c) => (c.auth === 'ok' && c.chainProblem === undefined ? [c.window] : []));

/** The new state of window `w` ended at `atMs` (never before it opened, never later than it ends). */
export const endedUntil = (w: StoredUnlockWindow, atMs: number): number =>
  Math.max(w.fromMs, Math.min(w.untilMs, atMs));

/** Refusal to end (and so re-MAC) a window that does not authenticate: that would authenticate whatever it says. */
export function unauthenticWindow(id: number, auth: WindowAuth, where: string): AirlockError {
  return new AirlockError(
    'AIRLOCK_ERR_MALFORMED',
    `unlock window ${id} does not authenticate (${auth}): not ended, not re-MACed (airlock log verify checks the windows)`,
    undefined,
    where,
  );
}

/** A window as stored once inserted: its id, its normalised host, when and by whom it was made. */
export const storedWindow = (
  id: number,
  host: string,
  w: NewUnlockWindow,
  createdMs: number,
): StoredUnlockWindow => ({
  id,
  host,
  fromMs: w.fromMs,
  untilMs: w.untilMs,
  reason: w.reason,
  createdMs,
  ...(w.createdBy === undefined ? {} : { createdBy: w.createdBy }),
});

/**
 * `latest` brought up to date with chained unlock rows read after the last (in seq order): a row
 * is taken on its own MAC (log-verify.ts ownMacProblem: written by the key's holder at that seq),
 * not on its link to the row before it, so a row deleted before it cannot hide a relock. One that
 * does not authenticate records nothing. (A later row deleted or damaged goes unseen here: the log
 * then has a gap or a bad MAC, which is `log verify`'s to report.) The highest seq read.
 */
export function takeUnlockRows(
  key: Uint8Array,
  rows: readonly LogDbRow[],
  latest: Map<number, ChainedUnlock>,
  readTo: number,
): number {
  for (const r of rows) {
    readTo = Math.max(readTo, r.seq);
    if (ownMacProblem(key, r) !== undefined) continue;
    const row = parseBody(r.body) as UnlockLogRow;
    // Never back to an older row: two reads of a shared server may finish out of order.
    if (typeof row.windowId === 'number' && (latest.get(row.windowId)?.seq ?? 0) < r.seq)
      latest.set(row.windowId, { seq: r.seq, row });
  }
  return readTo;
}

/** Each authenticated window against its latest chained unlock row (the check `log verify` makes too). */
export const againstChain = (
  checked: readonly CheckedUnlockWindow[],
  latest: ReadonlyMap<number, ChainedUnlock>,
): CheckedUnlockWindow[] =>
  checked.map((c): CheckedUnlockWindow => {
    if (c.auth !== 'ok') return c;
    const u = latest.get(c.window.id);
    const problem = chainMismatch(c.window, u);
    return {
      ...c,
      ...(u ? { chained: { seq: u.seq, ended: u.row.ended === true } } : {}),
      ...(problem ? { chainProblem: problem } : {}),
    };
  });

/** verifyLog's verdict: the chain's, then the windows' against the chain's unlock rows. */
export function logVerdict(
  chain: ChainOnly,
  windows: readonly CheckedUnlockWindow[],
  unlocks: readonly ChainedUnlock[],
): ChainCheck {
  if (!chain.ok) return chain;
  const bad = verifyWindows(windows, unlocks);
  if (bad) return { ok: false, rows: chain.rows, problem: 'window-mismatch', ...bad };
  return { ...chain, windows: windows.length, legacyWindows: windows.filter((w) => w.auth !== 'ok').length };
}

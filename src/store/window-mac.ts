/**
 * Unlock windows authenticated by the event log's HMAC key (issue 5). A window in the
 * unlock_windows table opens a host to uploads, and whoever can write the database can write
 * that table: so each window carries `mac` = HMAC-SHA256(key, WINDOW_TAG ‖ canonical JSON of all
 * its other columns, its id included), written by the store (addUnlockWindow, endUnlockWindow),
 * and a window whose MAC does not check opens nothing. The tag keeps a window's MAC apart from
 * the chain's (whose text starts with a hex MAC or a newline), and the id keeps a window's MAC
 * from being copied onto another row: a new id is a new window to the gateway.
 *
 * What a MAC on a row cannot stop is a rollback to an earlier authentic state of the same window
 * (a window ended early, put back as it was): every state it had is recorded in the chain (an
 * `unlock` row with its `windowId`), so a window is applied only when it is what its LATEST
 * chained row says (chainMismatch below: `log verify` and the gateway, through the store, after a
 * restart too), and a running gateway never lets a window it has seen end later again
 * (gateway/unlock-windows.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type {
  CheckedUnlockWindow,
  StoredUnlockWindow,
  UnlockLogRow,
  WindowAuth,
  WindowFault,
} from './types.js';

/** Domain separation from the chain's MAC input; the version is the MAC format's. */
const WINDOW_TAG = 'airlock unlock-window 1\n';

export function windowMac(key: Uint8Array, w: StoredUnlockWindow): string {
  const text = canonicalJson({
    id: w.id,
    host: w.host,
    fromMs: w.fromMs,
    untilMs: w.untilMs,
    reason: w.reason,
    createdMs: w.createdMs,
    createdBy: w.createdBy,
  });
  return createHmac('sha256', key)
    .update(WINDOW_TAG + text)
    .digest('hex');
}

/** 'ok' when `mac` is the window's MAC under `key`; 'no-mac' when it has none (null, ''). */
export function windowAuth(
  key: Uint8Array,
  w: StoredUnlockWindow,
  mac: string | null | undefined,
): WindowAuth {
  if (typeof mac !== 'string' || mac === '') return 'no-mac';
  const want = Buffer.from(windowMac(key, w), 'hex');
  const got = /^[0-9a-f]{64}$/.test(mac) ? Buffer.from(mac, 'hex') : undefined;
  return got && timingSafeEqual(want, got) ? 'ok' : 'bad-mac';
}

/** A chained `unlock` row (already verified as part of the chain) and its seq. */
export interface ChainedUnlock {
  seq: number;
  row: UnlockLogRow;
}

export type WindowProblem = { windowId: number; detail: string };

/**
 * Every window of the table against the chain: a window with a MAC must authenticate and be what
 * its latest chained `unlock` row (by windowId) says it is; a window without one (written before
 * windows had MACs: migration 2) must be what one chained `unlock` row of that time says, each
 * such row vouching for one window; and a window the chain records must still be in the table.
 * The first problem found (windows in id order), or undefined.
 */
export function verifyWindows(
  windows: readonly CheckedUnlockWindow[],
  unlocks: readonly ChainedUnlock[],
): WindowProblem | undefined {
  const latest = new Map<number, ChainedUnlock>();
  /** Rows of windows from before MACs, by the window content they record: how many of each. */
  const legacy = new Map<string, number>();
  for (const u of unlocks) {
    if (u.row.windowId === undefined) {
      const k = legacyKey(u.row.window, u.row.tsMs, u.row.createdBy);
      legacy.set(k, (legacy.get(k) ?? 0) + 1);
    } else latest.set(u.row.windowId, u);
  }
  const seen = new Set<number>();
  for (const { window: w, auth } of windows) {
    seen.add(w.id);
    const name = `unlock window ${w.id} (${w.host})`;
    if (auth === 'bad-mac')
      return {
        windowId: w.id,
        detail: `${name} does not authenticate: its MAC does not match its columns (forged, or edited in the database)`,
      };
    if (auth === 'no-mac' || auth === 'unverified') {
      const k = legacyKey(w, w.createdMs, w.createdBy);
      const n = legacy.get(k) ?? 0;
      if (n === 0)
        return {
          windowId: w.id,
          detail: `${name} has no MAC and no chained unlock row records it (inserted into the database directly)`,
        };
      legacy.set(k, n - 1);
      continue;
    }
    const problem = chainMismatch(w, latest.get(w.id));
    if (problem) return { windowId: w.id, detail: `${name} ${problem}` };
  }
  for (const [id, u] of latest) {
    if (!seen.has(id))
      return {
        windowId: id,
        detail: `unlock window ${id} (${u.row.window.host}), recorded at seq ${u.seq}, is missing from the unlock_windows table (deleted)`,
      };
  }
  return undefined;
}

/**
 * Why an authenticated window is not the state the chain last recorded for it (`latest`: its
 * latest chained unlock row, undefined when none records it), as a phrase following the window's
 * name; undefined when it is. The one check behind `log verify` (verifyWindows) and the windows a
 * gateway applies (SqliteStore.unlockWindowsChecked), so they cannot disagree.
 */
export function chainMismatch(w: StoredUnlockWindow, latest: ChainedUnlock | undefined): string | undefined {
  if (!latest) return 'is recorded by no chained unlock row (its row was never written)';
  const differs = differences(w, latest.row);
  if (differs.length === 0) return undefined;
  return `is not what its latest chained unlock row (seq ${latest.seq}) says: ${differs.join(', ')} (an earlier state put back?)`;
}

function legacyKey(
  w: { host: string; fromMs: number; untilMs: number; reason: string },
  createdMs: number,
  createdBy: string | undefined,
): string {
  return canonicalJson([w.host, w.fromMs, w.untilMs, w.reason, createdMs, createdBy ?? null]);
}

/** Columns of `w` that the chained row says otherwise: 'until_ms 123 (the chain: 100)'. */
function differences(w: StoredUnlockWindow, row: UnlockLogRow): string[] {
  const out: string[] = [];
  const pairs: [string, unknown, unknown][] = [
    ['host', w.host, row.window.host],
    ['from_ms', w.fromMs, row.window.fromMs],
    ['until_ms', w.untilMs, row.window.untilMs],
    ['reason', w.reason, row.window.reason],
    ['created_by', w.createdBy ?? null, row.createdBy ?? null],
  ];
  for (const [col, mine, chained] of pairs)
    if (mine !== chained) out.push(`${col} ${JSON.stringify(mine)} (the chain: ${JSON.stringify(chained)})`);
  return out;
}

/**
 * Why `c` may not be applied, undefined when it may: one answer for the gateway, `gateway
 * windows` and audit.
 */
export function windowFault(c: CheckedUnlockWindow): WindowFault | undefined {
  return c.auth !== 'ok' ? c.auth : c.chainProblem !== undefined ? 'chain-mismatch' : undefined;
}

/**
 * Which of the store's unlock windows the gateway applies: only those its HMAC key authenticates
 * (store/window-mac.ts). Fail closed: whoever can write the database but not read the key can
 * insert or edit a window, and such a window opens nothing. Each window ignored is said once
 * (naming its id) while it is not over, and counted in /metrics while it is in the store.
 *
 * A MAC cannot tell an authentic window from an earlier authentic state of it put back (a window
 * ended early, restored as it was): the store checks each window against its latest chained
 * unlock row (`chain-mismatch`, the check `log verify` makes), across restarts, and keeps every
 * unlock row it has read for its life, so a rollback with its relock row deleted is caught too
 * while the gateway runs.
 */

import { isoTime } from '../core/iso-time.js';
import { visible } from '../report/format-value.js';
import { textTable } from '../report/text-table.js';
import type { CheckedUnlockWindow, StoredUnlockWindow, WindowAuth, WindowFault } from '../store/types.js';
import { windowFault } from '../store/window-mac.js';

export type IgnoredWindows = Record<WindowFault, number>;

const none = (): IgnoredWindows => ({ 'bad-mac': 0, 'no-mac': 0, unverified: 0, 'chain-mismatch': 0 });

/** Why a window that does not authenticate opens nothing (the gateway's lines, `gateway windows`). */
export const WHY: Record<Exclude<WindowAuth, 'ok'>, string> = {
  'bad-mac':
    'its MAC does not authenticate it (forged, or edited in the database; airlock log verify names it)',
  'no-mac':
    'it has no MAC (written before Airlock authenticated windows, or inserted into the database directly)',
  unverified: 'the gateway has no HMAC key to authenticate it with',
};

/** Why `c` is applied by nothing, in words. */
function faultText(c: CheckedUnlockWindow, fault: WindowFault): string {
  return fault === 'chain-mismatch' ? `it ${c.chainProblem ?? ''}` : WHY[fault];
}

export class UnlockWindowGuard {
  /** Windows not over yet, in the store, ignored at the last look: by why. */
  ignored: IgnoredWindows = none();
  private readonly said = new Set<number>();
  constructor(private readonly say: (line: string) => void) {}

  /** The windows to apply at `nowMs`, of the store's windows as checked. */
  accept(checked: readonly CheckedUnlockWindow[], nowMs: number): StoredUnlockWindow[] {
    const out: StoredUnlockWindow[] = [];
    const ignored = none();
    for (const c of checked) {
      const w = c.window;
      const fault = windowFault(c);
      if (fault === undefined) {
        out.push(w);
        continue;
      }
      // A window that is over opens nothing either way: not worth an operator's attention.
      if (w.untilMs <= nowMs) continue;
      ignored[fault]++;
      this.sayOnce(
        w.id,
        `unlock window ${w.id} (${visible(w.host)}) ignored: ${visible(faultText(c, fault))}`,
      );
    }
    this.ignored = ignored;
    return out;
  }

  private sayOnce(id: number, line: string): void {
    if (this.said.has(id)) return;
    this.said.add(id);
    this.say(line);
  }
}

/** A window as `airlock gateway windows` lists it (its --json objects). */
export interface ListedWindow {
  id: number;
  host: string;
  fromMs: number;
  untilMs: number;
  /** fromMs and untilMs as ISO 8601; a column that is not a time (a forged row) as it is. */
  from: string;
  until: string;
  reason: string;
  createdBy: string | null;
  /**
   * By its columns at the time of listing: 'pending' (not yet begun), 'open', 'ended' (ended early
   * by `gateway relock`, as its chained row says) or 'expired' (ran its course).
   */
  state: 'pending' | 'open' | 'ended' | 'expired';
  /** 'ok' when it authenticates and is what its latest chained unlock row says; else why not. */
  check: 'ok' | WindowFault;
  authenticates: boolean;
  matchesChain: boolean;
  /** The seq of its latest chained unlock row, when one records it. */
  chainSeq: number | null;
  /** Why the check fails, in words; null when it holds. */
  problem: string | null;
}

/** The store's checked windows as listed at `nowMs`, by id. Only a window whose check is 'ok' is applied. */
export function listWindows(checked: readonly CheckedUnlockWindow[], nowMs: number): ListedWindow[] {
  return [...checked]
    .sort((a, b) => a.window.id - b.window.id)
    .map((c) => {
      const { window: w, auth, chained, chainProblem } = c;
      const fault = windowFault(c);
      // Columns of a forged row may hold anything SQLite stores: compared and printed as numbers.
      const fromMs = Number(w.fromMs);
      const untilMs = Number(w.untilMs);
      const state: ListedWindow['state'] =
        untilMs <= nowMs ? (chained?.ended ? 'ended' : 'expired') : fromMs > nowMs ? 'pending' : 'open';
      return {
        id: w.id,
        host: w.host,
        fromMs,
        untilMs,
        from: isoOf(w.fromMs),
        until: isoOf(w.untilMs),
        reason: w.reason,
        createdBy: w.createdBy ?? null,
        state,
        check: fault ?? 'ok',
        authenticates: auth === 'ok',
        matchesChain: auth === 'ok' && chainProblem === undefined,
        chainSeq: chained?.seq ?? null,
        problem: fault === undefined ? null : faultText(c, fault),
      };
    });
}

const isoOf = (ms: unknown): string => (typeof ms === 'number' ? isoTime(ms) : String(ms));

/**
 * The windows as a table an auditor reads (every value made visible: a forged row cannot drive
 * the terminal), then one line per window whose check fails saying why.
 */
export function renderWindowsTable(windows: readonly ListedWindow[]): string {
  const head = ['ID', 'HOST', 'FROM', 'UNTIL', 'STATE', 'CHECK', 'BY', 'REASON'];
  const rows = windows.map((w) => [
    String(w.id),
    visible(w.host),
    visible(w.from),
    visible(w.until),
    w.state,
    w.check,
    visible(w.createdBy ?? '-'),
    visible(w.reason),
  ]);
  const why = windows.flatMap((w) =>
    w.problem === null ? [] : [`window ${w.id} (${visible(w.host)}): ${w.check}: ${visible(w.problem)}\n`],
  );
  return [textTable(head, rows), ...(why.length > 0 ? ['\n', ...why] : [])].join('');
}

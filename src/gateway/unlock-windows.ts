/**
 * Which of the store's unlock windows the gateway applies: only those its HMAC key authenticates
 * (store/window-mac.ts). Fail closed: whoever can write the database but not read the key can
 * insert or edit a window, and such a window opens nothing. Each window ignored is said once
 * (naming its id) while it is not over, and counted in /metrics while it is in the store.
 *
 * A MAC cannot tell an authentic window from an earlier authentic state of it put back (a window
 * ended early, restored as it was): the store checks each window against its latest chained
 * unlock row (`chain-mismatch`, the check `log verify` makes), which holds across restarts. On
 * top of that, windows only ever end earlier, so a window this gateway has seen end sooner never
 * ends later again while it runs; one seen before that is gone from the store (deleted, or no
 * longer read because it is over) counts as ended when it went.
 */
import { visible } from '../report/format-value.js';
import type { CheckedUnlockWindow, StoredUnlockWindow, WindowAuth } from '../store/types.js';

/** Why a window is ignored: its MAC ('bad-mac', 'no-mac', 'unverified'), or the chain's last word on it. */
export type IgnoredProblem = Exclude<WindowAuth, 'ok'> | 'chain-mismatch';
export type IgnoredWindows = Record<IgnoredProblem, number>;

const none = (): IgnoredWindows => ({ 'bad-mac': 0, 'no-mac': 0, unverified: 0, 'chain-mismatch': 0 });

/** Why a window that does not authenticate opens nothing (the gateway's lines, `gateway windows`). */
export const WHY: Record<Exclude<WindowAuth, 'ok'>, string> = {
  'bad-mac':
    'its MAC does not authenticate it (forged, or edited in the database; airlock log verify names it)',
  'no-mac':
    'it has no MAC (written before Airlock authenticated windows, or inserted into the database directly)',
  unverified: 'the gateway has no HMAC key to authenticate it with',
};

export class UnlockWindowGuard {
  /** Windows not over yet, in the store, ignored at the last look: by why. */
  ignored: IgnoredWindows = none();
  private readonly said = new Set<number>();
  /** The earliest end seen of each authenticated window. */
  private readonly ends = new Map<number, number>();

  constructor(private readonly say: (line: string) => void) {}

  /** The windows to apply at `nowMs`, of every window in the store with its MAC checked. */
  accept(checked: readonly CheckedUnlockWindow[], nowMs: number): StoredUnlockWindow[] {
    const out: StoredUnlockWindow[] = [];
    const ignored = none();
    const present = new Set(checked.map((c) => c.window.id));
    for (const [id, end] of this.ends) if (!present.has(id) && end > nowMs) this.ends.set(id, nowMs);
    for (const { window: w, auth, chainProblem } of checked) {
      const name = `unlock window ${w.id} (${visible(w.host)})`;
      if (auth === 'ok' && chainProblem !== undefined) {
        if (w.untilMs <= nowMs) continue;
        ignored['chain-mismatch']++;
        this.sayOnce(w.id, `${name} ignored: it ${visible(chainProblem)}`);
        continue;
      }
      if (auth === 'ok') {
        const seen = this.ends.get(w.id);
        if (seen === undefined || w.untilMs <= seen) {
          this.ends.set(w.id, w.untilMs);
          out.push(w);
          continue;
        }
        out.push({ ...w, untilMs: seen });
        this.sayOnce(
          w.id,
          `${name} now ends later than it did (${new Date(seen).toISOString()}): kept at that end (an earlier state of it put back in the database?)`,
        );
        continue;
      }
      // A window that is over opens nothing either way: not worth an operator's attention.
      if (w.untilMs <= nowMs) continue;
      ignored[auth]++;
      this.sayOnce(w.id, `${name} ignored: ${WHY[auth]}`);
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
  check: 'ok' | IgnoredProblem;
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
    .map(({ window: w, auth, chained, chainProblem }) => {
      const check: ListedWindow['check'] =
        auth !== 'ok' ? auth : chainProblem !== undefined ? 'chain-mismatch' : 'ok';
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
        check,
        authenticates: auth === 'ok',
        matchesChain: auth === 'ok' && chainProblem === undefined,
        chainSeq: chained?.seq ?? null,
        problem: auth !== 'ok' ? WHY[auth] : chainProblem === undefined ? null : `it ${chainProblem}`,
      };
    });
}

function isoOf(ms: unknown): string {
  const n = typeof ms === 'number' ? ms : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) <= 8.64e15 ? new Date(n).toISOString() : String(ms);
}

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
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  const why = windows.flatMap((w) =>
    w.problem === null ? [] : [`window ${w.id} (${visible(w.host)}): ${w.check}: ${visible(w.problem)}\n`],
  );
  return [line(head), ...rows.map(line), ...(why.length > 0 ? ['\n', ...why] : [])].join('');
}

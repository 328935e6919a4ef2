/**
 * Which of the store's unlock windows the gateway applies: only those its HMAC key authenticates
 * (store/window-mac.ts). Fail closed: whoever can write the database but not read the key can
 * insert or edit a window, and such a window opens nothing. Each window ignored is said once
 * (naming its id) while it is not over, and counted in /metrics while it is in the store.
 *
 * A MAC cannot tell an authentic window from an earlier authentic state of it put back (a window
 * ended early, restored as it was): windows only ever end earlier, so a window this gateway has
 * seen end sooner never ends later again while it runs (`log verify` catches the rollback itself).
 * One seen before that is gone from the store (deleted) counts as ended when it went.
 */
import { visible } from '../report/format-value.js';
import type { CheckedUnlockWindow, StoredUnlockWindow, WindowAuth } from '../store/types.js';

export type IgnoredWindows = Record<Exclude<WindowAuth, 'ok'>, number>;

const WHY: Record<Exclude<WindowAuth, 'ok'>, string> = {
  'bad-mac':
    'its MAC does not authenticate it (forged, or edited in the database; airlock log verify names it)',
  'no-mac':
    'it has no MAC (written before Airlock authenticated windows, or inserted into the database directly)',
  unverified: 'the gateway has no HMAC key to authenticate it with',
};

export class UnlockWindowGuard {
  /** Windows not over yet, in the store, ignored at the last look: by why. */
  ignored: IgnoredWindows = { 'bad-mac': 0, 'no-mac': 0, unverified: 0 };
  private readonly said = new Set<number>();
  /** The earliest end seen of each authenticated window. */
  private readonly ends = new Map<number, number>();

  constructor(private readonly say: (line: string) => void) {}

  /** The windows to apply at `nowMs`, of every window in the store with its MAC checked. */
  accept(checked: readonly CheckedUnlockWindow[], nowMs: number): StoredUnlockWindow[] {
    const out: StoredUnlockWindow[] = [];
    const ignored: IgnoredWindows = { 'bad-mac': 0, 'no-mac': 0, unverified: 0 };
    const present = new Set(checked.map((c) => c.window.id));
    for (const [id, end] of this.ends) if (!present.has(id) && end > nowMs) this.ends.set(id, nowMs);
    for (const { window: w, auth } of checked) {
      const name = `unlock window ${w.id} (${visible(w.host)})`;
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

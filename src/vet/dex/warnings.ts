/**
 * A sink for the reader's warnings that keeps a few per name and counts the rest: a hostile DEX
 * with 100k broken strings yields a short list, not 100k objects.
 */
import type { Warning } from '../../findings/model.js';
import { DEX_LIMITS } from './limits.js';

export class WarningSink {
  readonly list: Warning[] = [];
  private readonly counts = new Map<string, number>();

  add(name: string, offset: number | undefined, detail: string): void {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    if (n <= DEX_LIMITS.maxWarningsPerName) this.list.push({ name, offset, detail });
  }

  /** The warnings, with one more per name that went over the cap saying how many were left out. */
  done(): Warning[] {
    const out = [...this.list];
    for (const [name, n] of this.counts) {
      if (n > DEX_LIMITS.maxWarningsPerName)
        out.push({ name, detail: `${n - DEX_LIMITS.maxWarningsPerName} more '${name}' warnings not listed` });
    }
    return out;
  }
}

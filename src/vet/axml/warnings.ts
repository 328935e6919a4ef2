/**
 * Collects the reader's warnings with a cap: past it one last warning says how many were dropped,
 * so a hostile file cannot fill memory with them.
 */
import type { Warning } from '../../findings/model.js';
import { AXML_LIMITS } from './limits.js';

export class Warnings {
  readonly list: Warning[] = [];
  private dropped = 0;

  add(name: string, offset: number | undefined, detail: string): void {
    if (this.list.length < AXML_LIMITS.maxWarnings) this.list.push({ name, offset, detail });
    else this.dropped++;
  }

  /** The warnings, with a closing one when some were dropped. */
  done(): Warning[] {
    if (this.dropped > 0)
      this.list.push({ name: 'axml-warnings-capped', detail: `${this.dropped} more warnings not kept` });
    return this.list;
  }
}

/**
 * `out.push(...items)` for lists of any length. A spread passes every item as an argument, and V8
 * overflows its stack at about 125,000 of them: a 4-second MOV with 48 kHz PCM audio has 192,000
 * samples (QA). Where a list's length is the input's to choose, append with this.
 */
export function appendAll<T>(out: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) out.push(items[i] as T);
}

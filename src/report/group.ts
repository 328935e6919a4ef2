/**
 * Findings folded for people: an SRT's 5,000 frames of the same tag become one row with a
 * count and the first value. JSON keeps every finding; only the readable renderings fold.
 */
import { type Finding, formatPath, type Range } from '../findings/model.js';

export interface FindingGroup {
  first: Finding;
  count: number;
  /** The first finding's ranges (the rest are in the JSON report). */
  ranges: Range[];
}

export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = [f.category, f.tag, formatPath(f.path), f.action ?? '', f.value.kind].join('\u0000');
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: f, count: 1, ranges: f.ranges });
  }
  return [...groups.values()];
}

/** 'offset+length' of the first range, with how many more there are. */
export function formatRanges(ranges: readonly Range[]): string {
  const [r] = ranges;
  if (!r) return '';
  return `@${r.offset}+${r.length}${ranges.length > 1 ? ` (+${ranges.length - 1} more)` : ''}`;
}

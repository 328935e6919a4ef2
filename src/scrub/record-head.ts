/**
 * A record as the main thread reads it for every file: every field but the two long lists
 * (findings, kept), plus how many findings each action took. The main thread journals the
 * record's JSON text as the worker made it and prints a line per file from the head; it parses
 * the text only if something asks for the lists (a failure re-journalled, --json), so a
 * 2,000-file batch no longer costs it 2,000 parses of ~8 KB of JSON.
 */
import type { FindingRecord, ManifestRecord } from './manifest.js';

export interface ActionCounts {
  keep: number;
  drop: number;
  replace: number;
}

export interface RecordHead {
  /** The record's fields, less `findings` and `kept`. */
  fields: Record<string, unknown>;
  /** The record's keys in their order (so the record rebuilt serialises as the original). */
  order: string[];
  counts: ActionCounts;
}

const LISTS = new Set(['findings', 'kept']);

export function countActions(findings: readonly FindingRecord[]): ActionCounts {
  const n = { keep: 0, drop: 0, replace: 0 };
  for (const f of findings) n[f.action] += f.count;
  return n;
}

export function recordHead(r: ManifestRecord): RecordHead {
  const fields: Record<string, unknown> = {};
  const order = Object.keys(r);
  for (const k of order) if (!LISTS.has(k)) fields[k] = (r as unknown as Record<string, unknown>)[k];
  return { fields, order, counts: countActions(r.findings) };
}

/**
 * The record back from its head and its JSON text: the head's fields as they are, the lists
 * parsed from `line` on first read (then kept). Keys in the original order, all enumerable, so
 * spreading or serialising it gives the record the worker made; a list can be assigned as usual.
 */
export function recordFromHead(head: RecordHead, line: string): ManifestRecord {
  let whole: Record<string, unknown> | undefined;
  const r: Record<string, unknown> = {};
  for (const k of head.order) {
    if (!LISTS.has(k)) {
      r[k] = head.fields[k];
      continue;
    }
    Object.defineProperty(r, k, {
      enumerable: true,
      configurable: true,
      get: () => {
        whole ??= JSON.parse(line) as Record<string, unknown>;
        return whole[k];
      },
      set: (value: unknown) => {
        Object.defineProperty(r, k, { value, enumerable: true, configurable: true, writable: true });
      },
    });
  }
  return r as unknown as ManifestRecord;
}

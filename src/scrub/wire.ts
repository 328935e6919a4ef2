/**
 * A job's outcome as it crosses from a worker thread to the main thread. Apart from job.ts, so
 * the main thread (which only receives outcomes) never loads the readers and rewriters.
 */
import type { PendingCommit } from './commit.js';
import type { JobOutcome } from './job.js';
import type { ManifestRecord } from './manifest.js';
import { type RecordHead, recordFromHead, recordHead } from './record-head.js';

/**
 * A JobOutcome as a worker posts it: the record as JSON text. The journal needs that text anyway,
 * so the worker makes it once (in parallel) and the main thread appends it as is, instead of
 * deserialising a cloned object graph and stringifying it again. The text crosses once: a
 * structured clone copies a string each time it appears, and a record is ~8 KB.
 */
export type WireOutcome =
  | {
      kind: 'done';
      line: string;
      pending: Omit<PendingCommit, 'record' | 'line'>;
      /** The journal's record, only when it is not the outcome's own (then `line` is journalled). */
      journalLine?: string;
      /** The record's head, when `line` is its journal text: the main thread need not parse it. */
      head?: RecordHead;
    }
  | { kind: 'skipped'; line: string }
  | { kind: 'planned'; line: string; note?: string };

export function toWire(o: JobOutcome): WireOutcome {
  switch (o.kind) {
    case 'done': {
      const { record, line: made, ...pending } = o.pending;
      // The outcome's record is the one to journal (one object): serialised once, for both.
      const journalLine = made ?? JSON.stringify(record);
      if (record === o.record) return { kind: 'done', line: journalLine, pending, head: recordHead(record) };
      return { kind: 'done', line: JSON.stringify(o.record), pending, journalLine };
    }
    case 'skipped':
      return { kind: 'skipped', line: JSON.stringify(o.record) };
    case 'planned':
      return o.note === undefined
        ? { kind: 'planned', line: JSON.stringify(o.record) }
        : { kind: 'planned', line: JSON.stringify(o.record), note: o.note };
  }
}

export function fromWire(w: WireOutcome): JobOutcome {
  if (w.kind === 'done' && w.head) {
    const record = recordFromHead(w.head, w.line);
    return { kind: 'done', record, pending: { ...w.pending, record, line: w.line }, counts: w.head.counts };
  }
  const record = JSON.parse(w.line) as ManifestRecord;
  switch (w.kind) {
    case 'done': {
      // One object for both, as in this thread: the commit settles the record it journals.
      const pending: PendingCommit =
        w.journalLine === undefined
          ? { ...w.pending, record, line: w.line }
          : { ...w.pending, record: JSON.parse(w.journalLine) as ManifestRecord, line: w.journalLine };
      return { kind: 'done', record, pending };
    }
    case 'skipped':
      return { kind: 'skipped', record };
    case 'planned':
      return w.note === undefined ? { kind: 'planned', record } : { kind: 'planned', record, note: w.note };
  }
}

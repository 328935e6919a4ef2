/** Messages between the gateway and its log writer thread. */
import type { ErrorCode } from '../core/errors.js';
import { rowJson } from './row-json.js';
import type { ChainHead, LogRow, LogText } from './types.js';

export interface WorkerData {
  /** The SQLite file; with `postgres`, the store's name for messages. */
  path: string;
  key: Uint8Array;
  /** A fleet's PostgreSQL store instead of the SQLite file: its URL and this box's schema. */
  postgres?: { url: string; schema: string };
}

/**
 * `rows`: the batch as one text (encodeRows). Posting row objects cost a structured clone of each,
 * a tenth of the proxy's time under load (profile); one string costs a copy.
 */
export type ThreadRequest =
  | { type: 'append'; id: number; rows: string; after?: ChainHead }
  | { type: 'close' };

export type ThreadReply =
  | { id: number; head?: ChainHead; error?: undefined }
  | { id: number; head?: undefined; error: { code: ErrorCode; message: string; file?: string } };

const KINDS: ReadonlySet<string> = new Set<LogRow['kind']>(['connection', 'dns', 'unlock']);

/**
 * The batch as one string: a line per row, `kind TAB tsMs TAB canonical JSON`. The proxy makes
 * each row's canonical text (rowJson, as cheap as the JSON.stringify it replaces), so the writer
 * thread neither parses nor re-serialises: it MACs and stores the text. JSON text never holds a
 * raw tab or newline (JSON.stringify escapes control characters).
 */
export function encodeRows(rows: readonly LogRow[]): string {
  // Joined once (a flat string), not appended row by row: postMessage would flatten the rope.
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    lines[i] = `${r.kind}\t${r.tsMs}\t${rowJson(r)}`;
  }
  return lines.join('\n');
}

/** The rows of encodeRows' text; throws on a line it could not have written. */
export function decodeRows(text: string): LogText[] {
  if (text.length === 0) return [];
  return text.split('\n').map((line, i) => {
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    const kind = line.slice(0, a);
    const tsMs = Number(line.slice(a + 1, b));
    if (a < 0 || b < 0 || !KINDS.has(kind) || !Number.isFinite(tsMs))
      throw new Error(`log batch line ${i + 1} is malformed`);
    return { kind: kind as LogRow['kind'], tsMs, body: line.slice(b + 1) };
  });
}

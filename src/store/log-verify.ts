/**
 * Re-computes the event log's chain over its stored rows (each store's verifyLog reads them).
 * Every column of a row is checked: `seq`, `prev_mac` and `mac` against the chain, `body` by the
 * MAC over it, and `ts_ms` and `kind` — which are not MACed themselves, but are what `log show
 * --since` and `log export` select by — against the tsMs and kind of the MACed body they are
 * derived from. So an edited time or kind column fails like an edited body, and the chain format
 * is unchanged: logs written before this check verify as they did.
 */
import { chainMac, chainMacOfText, chainMacsOfTexts } from './log-chain.js';
import type { ChainCheck, ChainHead, LogRow } from './types.js';

/** An event_log row as stored. */
export interface LogDbRow {
  seq: number;
  ts_ms: number;
  kind: string;
  body: string;
  prev_mac: string;
  mac: string;
}

/** Rows MACed per native call. */
const VERIFY_BATCH = 1024;

type Failure = Extract<ChainCheck, { ok: false; badSeq: number }>;

/** The chain's verdict, before the unlock windows are checked against it (sqlite.ts). */
export type ChainOnly = Failure | { ok: true; rows: number; headMac: string };

/** Where a run of rows to check starts: the first row's seq and the MAC its prev_mac must be. */
export interface ChainStart {
  seq: number;
  prevMac: string;
}

/** The whole log: row 1, after no MAC. */
const FIRST_ROW: ChainStart = { seq: 1, prevMac: '' };

/**
 * Checks `rows` (in seq order, from `from`: the first row by default) against the chain under
 * `key`, and the chain against every head in `expected` (the anchor, a head an auditor kept): each
 * one's row must carry its MAC, and a head beyond the last row means rows were cut off the end.
 * `onRow` sees each row that checked out, in order (the unlock rows the windows are checked
 * against). Started later (Store.verifyLogFrom), the first row is taken on its own MAC over its
 * stored prev_mac, as ownMacProblem takes a row: the rows before it are not read.
 */
export function verifyChain(
  key: Uint8Array,
  rows: Iterable<LogDbRow>,
  expected: readonly ChainHead[] = [],
  onRow?: (seq: number, row: LogRow) => void,
  from: ChainStart = FIRST_ROW,
): ChainOnly {
  const v = new ChainVerifier(key, expected, onRow, from);
  let batch: LogDbRow[] = [];
  for (const r of rows) {
    batch.push(r);
    if (batch.length < VERIFY_BATCH) continue;
    const bad = v.feed(batch);
    if (bad) return bad;
    batch = [];
  }
  return v.feed(batch) ?? v.end();
}

/**
 * verifyChain fed a page at a time, for a store that reads its rows asynchronously (postgres.ts):
 * `feed` each page in seq order until it returns a failure, then `end`.
 */
export class ChainVerifier {
  private prevMac: string;
  private expectSeq: number;
  private count = 0;
  private headSeq: number;

  constructor(
    private readonly key: Uint8Array,
    private readonly expected: readonly ChainHead[] = [],
    private readonly onRow?: (seq: number, row: LogRow) => void,
    from: ChainStart = FIRST_ROW,
  ) {
    this.prevMac = from.prevMac;
    this.expectSeq = from.seq;
    this.headSeq = from.seq - 1;
  }

  /** The next rows, in seq order (any number: MACed VERIFY_BATCH per native call); the first failure, if any. */
  feed(rows: readonly LogDbRow[]): Failure | undefined {
    for (let i = 0; i < rows.length; i += VERIFY_BATCH) {
      const bad = this.check(rows.slice(i, i + VERIFY_BATCH));
      if (bad) return bad;
    }
    return undefined;
  }

  /** The verdict once every row was fed without a failure: the heads beyond the last row fail. */
  end(): ChainOnly {
    for (const h of this.expected) {
      if (h.seq > this.headSeq)
        return this.fail(
          h.seq,
          'head-mismatch',
          `the log ends at row ${this.headSeq}: rows were removed from the end`,
        );
    }
    return { ok: true, rows: this.count, headMac: this.prevMac };
  }

  private fail(badSeq: number, problem: Failure['problem'], detail: string): Failure {
    return { ok: false, rows: this.count, badSeq, problem, detail };
  }

  private check(batch: readonly LogDbRow[]): Failure | undefined {
    const key = this.key;
    // Every row this Airlock writes stores its canonical text, so one native call MACs the
    // batch (log-chain.ts); a row whose text is not canonical is MACed from its parsed JSON,
    // and the rest of its batch row by row (their previous MAC is then that one).
    const fast = chainMacsOfTexts(
      key,
      this.prevMac,
      this.expectSeq,
      batch.map((r) => r.body),
    );
    let exact = true;
    for (const [i, r] of batch.entries()) {
      if (r.seq !== this.expectSeq)
        return this.fail(this.expectSeq, 'seq-gap', `row ${this.expectSeq} is missing`);
      const parsed = parseBody(r.body);
      exact &&= fast[i] === r.mac;
      const mac = exact ? (fast[i] as string) : parsed && chainMac(key, this.prevMac, r.seq, parsed);
      if (mac === undefined) return this.fail(r.seq, 'mac-mismatch', 'its body is not JSON (unreadable)');
      if (r.prev_mac !== this.prevMac)
        return this.fail(r.seq, 'mac-mismatch', 'prev_mac is not the previous row’s MAC');
      if (mac !== r.mac) return this.fail(r.seq, 'mac-mismatch', 'the MAC does not match the row');
      const column = derivedColumnProblem(r, parsed);
      if (column) return this.fail(r.seq, 'column-mismatch', column);
      for (const h of this.expected) {
        // The anchor's row must carry the anchor's MAC, whatever was appended after it.
        if (r.seq === h.seq && mac !== h.mac)
          return this.fail(r.seq, 'head-mismatch', 'the row does not carry the expected head’s MAC');
      }
      this.onRow?.(r.seq, parsed!);
      this.prevMac = mac;
      this.headSeq = r.seq;
      this.expectSeq++;
      this.count++;
    }
    return undefined;
  }
}

/**
 * What is wrong with one row's own link, given the row before it in seq order (undefined: none):
 * the same checks as verifyChain, for that row alone (`log show` flags each row; verify is the
 * strict check of the whole log). undefined when the link holds.
 */
export function linkProblem(
  key: Uint8Array,
  r: LogDbRow,
  before: Pick<LogDbRow, 'seq' | 'mac'> | undefined,
): string | undefined {
  if (r.seq > 1 && before?.seq !== r.seq - 1) return `row ${r.seq - 1} before it is missing`;
  if (r.prev_mac !== (r.seq > 1 ? before!.mac : ''))
    return r.seq > 1 ? 'prev_mac is not the previous row’s MAC' : 'the first row’s prev_mac is not empty';
  return ownMacProblem(key, r);
}

/**
 * What is wrong with a row on its own: its MAC over its stored prev_mac, seq and body, and its
 * derived columns. A row that passes was written by the key's holder at that seq, whatever its
 * neighbours say (the gateway's window check reads unlock rows alone: sqlite.ts). undefined when
 * it holds.
 */
export function ownMacProblem(key: Uint8Array, r: LogDbRow): string | undefined {
  const parsed = parseBody(r.body);
  if (!parsed) return 'its body is not JSON (unreadable)';
  // The stored text is the canonical one for every row this Airlock writes; else the parsed row's.
  const mac =
    chainMacOfText(key, r.prev_mac, r.seq, r.body) === r.mac
      ? r.mac
      : chainMac(key, r.prev_mac, r.seq, parsed);
  if (mac !== r.mac) return 'the MAC does not match the row';
  return derivedColumnProblem(r, parsed);
}

/** The body as a row object; undefined when it is not JSON or not an object. */
export function parseBody(body: string): LogRow | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as LogRow) : undefined;
  } catch {
    return undefined;
  }
}

/** Which column disagrees with the (MACed) body it is derived from; undefined when none does. */
function derivedColumnProblem(r: LogDbRow, body: LogRow | undefined): string | undefined {
  if (!body) return 'its body is not a JSON object';
  if (r.kind !== body.kind)
    return `its kind column says ${JSON.stringify(r.kind)}, its MACed body ${JSON.stringify(body.kind)}`;
  if (r.ts_ms !== body.tsMs) return `its ts_ms column says ${r.ts_ms}, its MACed body ${String(body.tsMs)}`;
  return undefined;
}

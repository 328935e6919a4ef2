/**
 * The event + catalog store behind one interface: SQLite embedded by default (sqlite.ts); a
 * PostgreSQL implementation for fleets comes later against the same interface, which is why
 * every method returns a Promise even though better-sqlite3 is synchronous.
 */
import type { UnlockWindow } from '../policy/egress/types.js';
import type { GatewayClaim } from './gateway-claim.js';

export interface StoredUnlockWindow extends UnlockWindow {
  id: number;
  /** When the window was recorded (not when it opens). */
  createdMs: number;
  /** Who opened it (user name, CLI, API client), when known. */
  createdBy?: string;
}

export interface NewUnlockWindow extends UnlockWindow {
  createdMs?: number;
  createdBy?: string;
}

/**
 * A window's MAC checked under the store's HMAC key (window-mac.ts): 'ok'; 'bad-mac' (forged, or
 * edited in the database); 'no-mac' (written before windows had MACs, or inserted directly);
 * 'unverified' (a MAC, but no key to check it with). Only an 'ok' window may open anything.
 */
export type WindowAuth = 'ok' | 'bad-mac' | 'no-mac' | 'unverified';

export interface CheckedUnlockWindow {
  window: StoredUnlockWindow;
  auth: WindowAuth;
  /**
   * For a window that authenticates ('ok'): its latest chained `unlock` row, when one records it
   * (`ended`: that row ended the window early, `gateway relock`).
   */
  chained?: { seq: number; ended: boolean };
  /**
   * For a window that authenticates: why it is not what its latest chained `unlock` row says, or
   * that none records it (an earlier authentic state put back: its MAC checks, the chain says it
   * changed since). Such a window is applied by nothing, as one that does not authenticate.
   */
  chainProblem?: string;
}

/** Why a checked window is applied by nothing: its MAC (WindowAuth), or the chain's last word on it. */
export type WindowFault = Exclude<WindowAuth, 'ok'> | 'chain-mismatch';

/** Which windows to read: all of them, or only those ending after `endingAfterMs` (still able to open anything). */
export interface WindowQuery {
  endingAfterMs?: number;
}

/**
 * Log rows of the gateway (issue 5). Every row is chained: `mac` = HMAC-SHA256(key, prevMac ‖
 * canonical row), with the key kept outside the database, so a copy of the DB cannot forge or
 * silently edit, drop, reorder or truncate rows (log-chain.ts).
 */
export interface ConnectionLogRow {
  kind: 'connection';
  tsMs: number;
  client: string;
  /** The policy's unit: host name, or IP when none. */
  destination: string;
  name?: string;
  ip: string;
  port: number;
  proto: 'tcp' | 'udp';
  mode: 'sealed' | 'one-way' | 'monitor';
  verdict: 'allow' | 'block';
  reason: string;
  bytesUp: number;
  bytesDown: number;
  /** Why it was cut, when it was (a ReasonCode such as 'connection-budget'). */
  cut?: string;
  /**
   * The connection named no host (no Host, no SNI): `name` is the one its port's allowlist entry
   * claims (claimsUnnamed). Absent on every other row.
   */
  claimed?: true;
  endMs?: number;
  /**
   * True on the row of a connection still open when it was written (no endMs; the bytes so far):
   * a long tunnel is recorded while it lasts, and its final row, without `open`, follows when it ends.
   */
  open?: boolean;
  /**
   * What the request line said, for a request refused before its target was read (or its body's
   * framing): client bytes, at most 256, non-printable ones escaped \xNN (request-line.ts).
   */
  request?: string;
  /**
   * On a summary row (gateway/record/refusal-summary.ts): how many refusals of one client for one
   * limit (the reason) this row stands for, the first at tsMs and the last at lastMs. The burst's
   * first refusal is a row of its own, before the summary. Absent on every other row.
   */
  count?: number;
  lastMs?: number;
}

export interface DnsLogRow {
  kind: 'dns';
  tsMs: number;
  client: string;
  qname: string;
  qtype: string;
  /**
   * The question's class when it is not IN ('CH', 'HS', 'ANY', 'NONE', else 'CLASS' and its
   * number, RFC 3597); absent for IN, as rows written before it was logged.
   */
  qclass?: string;
  mode: 'sealed' | 'one-way' | 'monitor';
  verdict: 'allow' | 'block';
  reason: string;
  /** 'tcp' for DNS over TCP (RFC 7766); absent for UDP, as rows written before TCP existed. */
  proto?: 'tcp';
  /**
   * On a summary row (gateway/record/refusal-summary.ts): how many refusals of one client for one
   * limit (the reason) this row stands for, the first at tsMs and the last at lastMs. The burst's
   * first refusal is a row of its own, before the summary. Absent on every other row.
   */
  count?: number;
  lastMs?: number;
  /** A summary row's distinct query names (at most 5, each escaped and bounded), space-separated. */
  qnames?: string;
  /** A summary row's queries that asked for a name other than those in qnames. */
  qnamesMore?: number;
}

export interface UnlockLogRow {
  kind: 'unlock';
  tsMs: number;
  window: UnlockWindow;
  createdBy?: string;
  /** The window's id in unlock_windows; absent on rows written before windows had MACs. */
  windowId?: number;
  /** On the row of a window ended early (endUnlockWindow): window.untilMs is its new end. */
  ended?: true;
}

export type LogRow = ConnectionLogRow | DnsLogRow | UnlockLogRow;

export interface ChainedLogRow {
  seq: number;
  row: LogRow;
  /** Hex HMAC of the previous row ('' for the first). */
  prevMac: string;
  mac: string;
}

/** A row read back by Store.logRowsNewestFirst: its row, or why it could not be read. */
export type RecentLogRow = { seq: number; row: LogRow } | { seq: number; damaged: string };

/**
 * A row as the log writer stores it: its canonical JSON (row-json.ts), made once, which is both
 * the stored body and the text the chain's MAC covers, with the two columns the store indexes.
 */
export interface LogText {
  kind: LogRow['kind'];
  tsMs: number;
  body: string;
}

/** Rows whose tsMs is at or after `sinceMs` and before `untilMs` (ms since the epoch). */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
}

/** The chain's last row: what the anchor file records. */
export interface ChainHead {
  seq: number;
  mac: string;
}

export interface AppendOptions {
  /**
   * The head the writer last saw. A batch sent again after it (its first answer was lost) that the
   * chain already ends with is not written twice: the rows as chained are returned.
   */
  after?: ChainHead;
}

/**
 * Where the gateway's log rows go, a group at a time. One call is one transaction: the rows are
 * all chained and durable, or none is. Implemented by a store on the caller's thread (storeSink)
 * and by either store on a thread of its own (log-thread.ts), which keeps the commits, MACs and
 * checkpoints off the proxy's event loop.
 */
export interface LogSink {
  /** Appends `rows` in order (once, when sent again after the same head); the chain's new head. */
  appendBatch(rows: readonly LogRow[], opts?: AppendOptions): Promise<ChainHead | undefined>;
}

/**
 * The chain checked (log-verify.ts), then the unlock windows against it (window-mac.ts).
 * `column-mismatch`: a column derived from the MACed body (ts_ms, kind) says something else than
 * the body. `detail` says what is wrong with row `badSeq`. `window-mismatch`: window `windowId`
 * does not authenticate, or is not what the chain recorded, or is missing (`detail` says which).
 * On success, `windows` counts the table's windows, `legacyWindows` those of them without a MAC
 * (from before windows had MACs, each matched to its chained row; the gateway does not apply them).
 */
export type ChainCheck =
  | { ok: true; rows: number; headMac: string; windows: number; legacyWindows: number }
  | {
      ok: false;
      rows: number;
      badSeq: number;
      problem: 'mac-mismatch' | 'seq-gap' | 'head-mismatch' | 'column-mismatch';
      detail?: string;
    }
  | { ok: false; rows: number; problem: 'window-mismatch'; windowId: number; detail: string };

/**
 * The rows from a kept head to the end of the log, checked as a chain continuing from it
 * (Store.verifyLogFrom): the head's row must carry its MAC, every later row link to the one before
 * it. `rows` counts the rows that checked out, the head's own among them; on success `head` is the
 * log's last row. A failure is ChainCheck's, at the first row that does not hold (a head beyond
 * the last row: `head-mismatch` at the head's seq).
 */
export type TailCheck =
  | { ok: true; rows: number; head: ChainHead }
  | (Extract<ChainCheck, { ok: false; badSeq: number }> & {
      /** The log's last seq (0: no rows): below the head's, rows were cut off the end. */
      lastSeq: number;
    });

/**
 * A log row as `log show` reads it: its stored text, the row when the text is a JSON object, and
 * `problem` when its own link in the chain fails (its MAC, its prev_mac against the row before it,
 * a missing row before it, a column against its body). The rest of the log is not checked here.
 */
export interface CheckedLogRow {
  seq: number;
  body: string;
  row?: LogRow;
  prevMac: string;
  mac: string;
  problem?: string;
}

export interface Store {
  /** Where the store is, for messages: the SQLite file (a PostgreSQL store: its URL without credentials). */
  readonly path: string;
  /**
   * Claims the store for one gateway until released (gateway-claim.ts says why); fails, naming
   * the store, while another process holds it.
   */
  claimGateway(): Promise<GatewayClaim>;
  /**
   * Records a window with its MAC and its chained `unlock` row, in one transaction (requires the
   * HMAC key).
   */
  addUnlockWindow(w: NewUnlockWindow): Promise<StoredUnlockWindow>;
  /**
   * AUTHENTICATED windows open at `atMs` (fromMs <= atMs < untilMs); all of them when atMs is
   * omitted. A window whose MAC does not check, or that is not what its latest chained unlock row
   * says, is left out. Requires the HMAC key.
   */
  unlockWindows(atMs?: number): Promise<StoredUnlockWindow[]>;
  /** Authenticated windows overlapping [fromMs, untilMs), as unlockWindows. Requires the HMAC key. */
  unlockWindowsOverlapping(fromMs: number, untilMs: number): Promise<StoredUnlockWindow[]>;
  /**
   * The table's windows (those `query` asks for; all by default) with their MAC checked
   * ('unverified' without a key) and, when it checks, against their latest chained unlock row: for
   * callers that say which windows they ignore (the gateway, every 500 ms; audit; `gateway
   * windows`). Only an 'ok' window without a chainProblem may be applied.
   */
  unlockWindowsChecked(query?: WindowQuery): Promise<CheckedUnlockWindow[]>;
  /**
   * Ends a window early (relock): its untilMs becomes min(untilMs, atMs), re-MACed, with a chained
   * `unlock` row (`ended`) saying so. False when no such id; an error when the window does not
   * authenticate (it is not re-MACed). Requires the HMAC key.
   */
  endUnlockWindow(id: number, atMs: number): Promise<boolean>;
  /** Appends a chained log row (requires an HMAC key). */
  appendLog(row: LogRow): Promise<ChainedLogRow>;
  /**
   * Appends rows in order as ONE transaction: all of them are chained and durable, or none is
   * (the gateway's group commit). An empty batch writes nothing.
   */
  appendLogs(rows: readonly LogRow[], opts?: AppendOptions): Promise<ChainedLogRow[]>;
  /** Log rows in order, from seq `afterSeq` + 1; only those whose time is in `window`, when given. */
  logRows(afterSeq?: number, limit?: number, window?: TimeWindow): Promise<ChainedLogRow[]>;
  /**
   * The same rows without their chain fields, one whose body does not parse returned as
   * `damaged` rather than failing the page: for readers that sum rows up (the dashboard), which
   * need no MAC and must not stop at one bad row.
   */
  logBodies(afterSeq?: number, limit?: number, window?: TimeWindow): Promise<RecentLogRow[]>;
  /**
   * The same rows as logRows, each with its own link in the chain checked, and a row whose body
   * does not parse returned (flagged) rather than failing the page: what `log show` prints.
   * Requires the HMAC key.
   */
  checkedLogRows(afterSeq?: number, limit?: number, window?: TimeWindow): Promise<CheckedLogRow[]>;
  /**
   * Up to `limit` log rows before seq `beforeSeq` (the end when omitted), NEWEST FIRST, for reading
   * back the recent past (the gateway's hourly budgets at start). A row whose body does not parse
   * does not fail the page: it comes back as `damaged`, saying why.
   */
  logRowsNewestFirst(beforeSeq?: number, limit?: number): Promise<RecentLogRow[]>;
  /**
   * Re-computes the chain and checks every column; each expected head (the anchor file's, one an
   * auditor kept) detects truncation from the end. Then every unlock window against the chain.
   */
  verifyLog(expected?: ChainHead | readonly ChainHead[]): Promise<ChainCheck>;
  /**
   * The rows from `head.seq` to the end checked as the chain continuing from `head` (the gateway's
   * start, against its anchor), reading those rows only: a log of millions of rows costs what was
   * written since the head was kept. The rows before it and the unlock windows are verifyLog's.
   * Requires the HMAC key.
   */
  verifyLogFrom(head: ChainHead): Promise<TailCheck>;
  /** The log's last row as a head (undefined: no rows). Unchecked: verifyLogFrom checks. */
  logHead(): Promise<ChainHead | undefined>;
  close(): Promise<void>;
}

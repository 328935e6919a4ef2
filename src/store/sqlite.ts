/**
 * The embedded store: SQLite through better-sqlite3, WAL mode (readers never block the gateway's
 * writer), schema migrations on open. The file path comes from the policy's store settings.
 */
import { isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError } from '../core/errors.js';
import type { StorePolicy } from '../policy/types.js';
import { claimSqliteStore, type GatewayClaim } from './gateway-claim.js';
import { type ChainLink, chainLinks, changedUnderWriter, resumeAfter } from './log-chain.js';
import { ChainVerifier, type LogDbRow, verifyChain } from './log-verify.js';
import { MIGRATIONS, refuseNewer } from './migrations.js';
import { createPrivate } from './private-file.js';
import { bodyOf, checkedRow, recentRow, windowBounds } from './read-rows.js';
import { logTexts } from './row-json.js';
import type {
  AppendOptions,
  ChainCheck,
  ChainedLogRow,
  ChainHead,
  CheckedLogRow,
  CheckedUnlockWindow,
  LogRow,
  LogText,
  NewUnlockWindow,
  RecentLogRow,
  Store,
  StoredUnlockWindow,
  TailCheck,
  TimeWindow,
  UnlockLogRow,
  WindowQuery,
} from './types.js';
import { type ChainedUnlock, windowMac } from './window-mac.js';
import {
  againstChain,
  authentic,
  endedUntil,
  logVerdict,
  storedWindow,
  takeUnlockRows,
  unauthenticWindow,
  unlockText,
  validNewWindow,
  WindowChecker,
  type WindowRow,
} from './window-rows.js';

const INSERT_LOG = 'INSERT INTO event_log (seq, ts_ms, kind, body, prev_mac, mac) VALUES ';
const INSERT_ONE = `${INSERT_LOG}(?, ?, ?, ?, ?, ?)`;
/** Log rows a multi-row INSERT carries (6 parameters each, well under SQLite's 32,766). */
const INSERT_ROWS = 32;
const INSERT_MANY = `${INSERT_LOG}${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;
/** The tables migration 1 creates: a database at version 1 or later without one is damaged. */
const TABLES = ['unlock_windows', 'event_log'] as const;
/**
 * The chained unlock rows after a seq, through the partial index of migration 3 (the literal
 * 'unlock' is what lets SQLite use it; a read-only store not yet migrated scans instead, once).
 */
const UNLOCK_ROWS =
  "SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE kind = 'unlock' AND seq > ? ORDER BY seq";

/** A page of verifyLog: rows after a seq, in seq order (the primary key). */
const VERIFY_PAGE_SQL =
  'SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?';
const VERIFY_PAGE = 10_000;

export interface SqliteStoreOptions {
  /** HMAC key for the event log; kept outside the database (policy store.hmacKeyFile). */
  hmacKey?: Uint8Array;
  /**
   * Open read-only (log verify/show/export, audit): nothing is created or migrated. The file must
   * exist; an empty one (no schema yet) reads as an empty store.
   */
  readonly?: boolean;
}

/** Opens the store at the policy's sqlitePath (relative paths: relative to `baseDir`, the policy file's folder). */
export function openSqliteStore(
  settings: StorePolicy,
  baseDir: string,
  opts?: SqliteStoreOptions,
): SqliteStore {
  const path = isAbsolute(settings.sqlitePath) ? settings.sqlitePath : resolve(baseDir, settings.sqlitePath);
  return new SqliteStore(path, opts);
}

/**
 * A page of rows in seq order within a time window. `+ts_ms` keeps SQLite off the ts_ms index
 * here: with it, the planner took every row of the window from the index and sorted them by seq
 * for EACH page, so reading a window page by page cost pages × rows (a million-row month: 17 s
 * instead of 2). Walking the primary key from `seq > ?` is one pass over the rows, whatever the
 * window (test/store/rows-after-plan.test.ts checks the plan).
 */
export const ROWS_AFTER_SQL =
  'SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE seq > ? AND +ts_ms >= ? AND +ts_ms < ? ORDER BY seq LIMIT ?';
/** The same rows' seq and body only: what a reader summing rows needs (half the SQL time, no MACs). */
export const BODIES_AFTER_SQL =
  'SELECT seq, body FROM event_log WHERE seq > ? AND +ts_ms >= ? AND +ts_ms < ? ORDER BY seq LIMIT ?';

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly key: Uint8Array | undefined;
  private readonly statements = new Map<string, Database.Statement>();
  /** Windows' MAC checks, by every column of the row as read. */
  private readonly windows: WindowChecker;
  /**
   * The latest authentic chained unlock row of each window (by windowId), of the rows up to seq
   * `unlockRowsTo`: each poll reads only the unlock rows after it. Kept for the store's life, so a
   * row deleted from the log after it was read still counts (as the gateway's guard keeps ends).
   */
  private readonly latestUnlocks = new Map<number, ChainedUnlock>();
  private unlockRowsTo = 0;
  /** The verify in progress, if any: the next waits for it (verifyLog). */
  private verifying: Promise<void> = Promise.resolve();

  /** `path` may be ':memory:' (tests). */
  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    this.key = opts.hmacKey;
    this.windows = new WindowChecker(opts.hmacKey);
    try {
      if (!opts.readonly && path !== ':memory:') createPrivate(path);
      this.db = new Database(path, {
        readonly: opts.readonly ?? false,
        fileMustExist: opts.readonly ?? false,
      });
      this.db.pragma('busy_timeout = 5000');
      if (!opts.readonly) {
        this.db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last commits.
        this.db.pragma('synchronous = NORMAL');
        this.migrate();
      } else {
        this.checkReadable(this.currentVersion());
      }
    } catch (e) {
      throw asStoreError(e, path);
    }
  }

  /** The schema version the database is at. */
  schemaVersion(): number {
    return this.currentVersion();
  }

  /** 'wal' when write-ahead logging is on (':memory:' databases report 'memory'). */
  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  async addUnlockWindow(w: NewUnlockWindow): Promise<StoredUnlockWindow> {
    const host = validNewWindow(w);
    const key = this.needKey('recording an unlock window');
    const createdMs = w.createdMs ?? Date.now();
    // The window, its MAC (over its id, known once inserted) and its chained row: all or nothing.
    return this.run(() =>
      this.db
        .transaction(() => {
          const info = this.db
            .prepare(
              'INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(host, w.fromMs, w.untilMs, w.reason, createdMs, w.createdBy ?? null);
          const stored = storedWindow(Number(info.lastInsertRowid), host, w, createdMs);
          this.db
            .prepare('UPDATE unlock_windows SET mac = ? WHERE id = ?')
            .run(windowMac(key, stored), stored.id);
          this.chainTexts([unlockText(stored, createdMs)], {});
          return stored;
        })
        .immediate(),
    );
  }

  async unlockWindows(atMs?: number): Promise<StoredUnlockWindow[]> {
    this.needKey('reading unlock windows (each is authenticated by it)');
    return this.authentic(() =>
      atMs === undefined
        ? this.stmt('SELECT * FROM unlock_windows ORDER BY from_ms, id').all()
        : this.stmt(
            'SELECT * FROM unlock_windows WHERE from_ms <= ? AND ? < until_ms ORDER BY from_ms, id',
          ).all(atMs, atMs),
    );
  }

  async unlockWindowsOverlapping(fromMs: number, untilMs: number): Promise<StoredUnlockWindow[]> {
    this.needKey('reading unlock windows (each is authenticated by it)');
    return this.authentic(() =>
      this.stmt('SELECT * FROM unlock_windows WHERE from_ms < ? AND ? < until_ms ORDER BY from_ms, id').all(
        untilMs,
        fromMs,
      ),
    );
  }

  async unlockWindowsChecked(query: WindowQuery = {}): Promise<CheckedUnlockWindow[]> {
    if (this.run(() => this.currentVersion()) === 0) return [];
    // A window over before `endingAfterMs` opens nothing then: the gateway need not read it again.
    return this.checkedWindows(() =>
      query.endingAfterMs === undefined
        ? this.stmt('SELECT * FROM unlock_windows ORDER BY from_ms, id').all()
        : this.stmt('SELECT * FROM unlock_windows WHERE until_ms > ? ORDER BY from_ms, id').all(
            query.endingAfterMs,
          ),
    );
  }

  /**
   * The windows `select` reads, each with its MAC checked and, when that holds, against its latest
   * chained unlock row (window-mac.ts chainMismatch, the check `log verify` makes). Both are read
   * in one transaction: a relock committed between the two reads would otherwise make its window
   * look rolled back for one poll.
   */
  private checkedWindows(select: () => unknown[]): CheckedUnlockWindow[] {
    return this.run(() =>
      this.db.transaction(() => {
        const checked = (select() as WindowRow[]).map((r) => this.windows.check(r));
        const key = this.key;
        if (key === undefined || !checked.some((c) => c.auth === 'ok')) return checked;
        const rows = this.stmt(UNLOCK_ROWS).all(this.unlockRowsTo) as LogDbRow[];
        this.unlockRowsTo = takeUnlockRows(key, rows, this.latestUnlocks, this.unlockRowsTo);
        return againstChain(checked, this.latestUnlocks);
      })(),
    );
  }

  async endUnlockWindow(id: number, atMs: number): Promise<boolean> {
    const key = this.needKey('ending an unlock window');
    if (!Number.isSafeInteger(atMs))
      throw new AirlockError('AIRLOCK_ERR_USAGE', `ending unlock window ${id}: the time must be an integer`);
    return this.run(() =>
      this.db
        .transaction(() => {
          const r = this.db.prepare('SELECT * FROM unlock_windows WHERE id = ?').get(id) as
            | WindowRow
            | undefined;
          if (!r) return false;
          const { window: w, auth } = this.windows.check(r);
          if (auth !== 'ok') throw unauthenticWindow(id, auth, this.path);
          const untilMs = endedUntil(w, atMs);
          if (untilMs === w.untilMs) return true;
          const ended = { ...w, untilMs };
          this.db
            .prepare('UPDATE unlock_windows SET until_ms = ?, mac = ? WHERE id = ?')
            .run(untilMs, windowMac(key, ended), id);
          this.chainTexts([unlockText(ended, Date.now(), true)], {});
          return true;
        })
        .immediate(),
    );
  }

  private authentic(select: () => unknown[]): StoredUnlockWindow[] {
    return authentic(this.checkedWindows(select));
  }

  private needKey(what: string): Uint8Array {
    if (!this.key) throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: ${what} needs the HMAC key`);
    return this.key;
  }

  async appendLog(row: LogRow): Promise<ChainedLogRow> {
    return (await this.appendLogs([row]))[0]!;
  }

  async appendLogs(rows: readonly LogRow[], opts: AppendOptions = {}): Promise<ChainedLogRow[]> {
    // A row with no JSON form fails the batch as a store error, before anything is written.
    const texts = this.run(() => logTexts(rows));
    const links = this.appendTexts(texts, opts);
    return links.map((l, i) => ({ ...l, row: rows[i]! }));
  }

  /** appendLogs for rows already made canonical text (the log writer thread's input). */
  async appendLogTexts(texts: readonly LogText[], opts: AppendOptions = {}): Promise<ChainHead | undefined> {
    const links = this.appendTexts(texts, opts);
    const last = links[links.length - 1];
    return last ? { seq: last.seq, mac: last.mac } : undefined;
  }

  /** Chains and inserts `texts` in one transaction; each one's place in the chain, in order. */
  private appendTexts(texts: readonly LogText[], opts: AppendOptions): ChainLink[] {
    if (!this.key) throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: the event log needs its HMAC key`);
    if (texts.length === 0) return [];
    // The head is read inside the write transaction (IMMEDIATE): a second writer cannot fork the chain.
    return this.run(() => this.db.transaction(() => this.chainTexts(texts, opts)).immediate());
  }

  /** Chains and inserts `texts`: to be called inside a write transaction, which it does not open. */
  private chainTexts(texts: readonly LogText[], opts: AppendOptions): ChainLink[] {
    const key = this.key;
    if (!key) throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: the event log needs its HMAC key`);
    const bodies = texts.map((t) => t.body);
    const head = this.lastRow();
    const resume = resumeAfter(key, head, opts.after, bodies);
    if (resume && 'replay' in resume) return resume.replay;
    if (resume) {
      const kept = this.stmt('SELECT mac FROM event_log WHERE seq = ?').get(resume.check.seq) as
        | { mac: string }
        | undefined;
      const changed = changedUnderWriter(resume.check, kept?.mac, head, this.path);
      if (changed) throw changed;
    }
    const out = chainLinks(key, head, bodies);
    // INSERT_ROWS rows a statement (~1 µs a row less than one each: a group is 64 rows or
    // more under load), then the rest one by one.
    const many = this.stmt(INSERT_MANY);
    const one = this.stmt(INSERT_ONE);
    const args = new Array<string | number>(6 * INSERT_ROWS);
    let i = 0;
    for (; i + INSERT_ROWS <= out.length; i += INSERT_ROWS) {
      for (let k = 0; k < INSERT_ROWS; k++) {
        const l = out[i + k]!;
        const t = texts[i + k]!;
        args[6 * k] = l.seq;
        args[6 * k + 1] = t.tsMs;
        args[6 * k + 2] = t.kind;
        args[6 * k + 3] = t.body;
        args[6 * k + 4] = l.prevMac;
        args[6 * k + 5] = l.mac;
      }
      many.run(args);
    }
    for (; i < out.length; i++) {
      const l = out[i]!;
      const t = texts[i]!;
      one.run(l.seq, t.tsMs, t.kind, t.body, l.prevMac, l.mac);
    }
    return out;
  }

  async logRows(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<ChainedLogRow[]> {
    if (this.run(() => this.currentVersion()) === 0) return [];
    const rows = this.run(() => this.rowsAfter(afterSeq, limit, window));
    return rows.map((r) => ({ seq: r.seq, row: bodyOf(r, this.path), prevMac: r.prev_mac, mac: r.mac }));
  }

  async checkedLogRows(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<CheckedLogRow[]> {
    const key = this.needKey('checking log rows');
    if (this.run(() => this.currentVersion()) === 0) return [];
    return this.run(() => {
      const rows = this.rowsAfter(afterSeq, limit, window);
      // Each row's link is to the row before it in seq order, shown or not (--since, --after).
      const before = this.stmt('SELECT seq, mac FROM event_log WHERE seq < ? ORDER BY seq DESC LIMIT 1');
      let prev: LogDbRow | undefined;
      return rows.map((r) => {
        const p =
          prev && prev.seq === r.seq - 1
            ? prev
            : (before.get(r.seq) as Pick<LogDbRow, 'seq' | 'mac'> | undefined);
        prev = r;
        return checkedRow(key, r, p);
      });
    });
  }

  /** Stored rows after `afterSeq` in seq order, at most `limit`, within the time window. */
  private rowsAfter(afterSeq: number, limit: number, window: TimeWindow): LogDbRow[] {
    return this.stmt(ROWS_AFTER_SQL).all(afterSeq, ...windowBounds(window), limit) as LogDbRow[];
  }

  async logRowsNewestFirst(beforeSeq = Number.MAX_SAFE_INTEGER, limit = 10_000): Promise<RecentLogRow[]> {
    if (this.run(() => this.currentVersion()) === 0) return [];
    const rows = this.run(() =>
      this.stmt('SELECT seq, body FROM event_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(
        beforeSeq,
        limit,
      ),
    ) as Pick<LogDbRow, 'seq' | 'body'>[];
    return rows.map((r) => recentRow(r, this.path));
  }

  async logBodies(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<RecentLogRow[]> {
    if (this.run(() => this.currentVersion()) === 0) return [];
    const rows = this.run(() =>
      this.stmt(BODIES_AFTER_SQL).all(afterSeq, ...windowBounds(window), limit),
    ) as Pick<LogDbRow, 'seq' | 'body'>[];
    return rows.map((r) => recentRow(r, this.path));
  }

  async verifyLog(expected?: ChainHead | readonly ChainHead[]): Promise<ChainCheck> {
    const key = this.key;
    if (!key)
      throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: verifying the event log needs its HMAC key`);
    const heads: readonly ChainHead[] =
      expected === undefined ? [] : 'seq' in expected ? [expected] : expected;
    // One verify at a time per store: a second waits for the first (together they would only
    // share the CPU, and on ":memory:" they would share one transaction).
    const before = this.verifying;
    let done: () => void = () => {};
    this.verifying = new Promise((r) => {
      done = r;
    });
    await before;
    try {
      return await this.verifyPaged(key, heads);
    } catch (e) {
      throw asStoreError(e, this.path);
    } finally {
      done();
    }
  }

  /**
   * The whole log a page at a time, in one read transaction (WAL: a snapshot, while the gateway's
   * writer goes on), the event loop turning between pages: a million rows take seconds, and the
   * dashboard's other requests are answered meanwhile (test/web/fairness.test.ts). On a connection
   * of its own, so those requests read the store as it is, not the verify's snapshot.
   */
  private async verifyPaged(key: Uint8Array, heads: readonly ChainHead[]): Promise<ChainCheck> {
    // An empty database (no schema yet) is a log of no rows: any expected head then fails.
    const empty = this.currentVersion() === 0;
    const unlocks: ChainedUnlock[] = [];
    const v = new ChainVerifier(key, heads, (seq, row) => {
      if (row.kind === 'unlock') unlocks.push({ seq, row: row as UnlockLogRow });
    });
    if (empty) return logVerdict(v.end(), [], []);
    const db =
      this.path === ':memory:' ? this.db : new Database(this.path, { readonly: true, fileMustExist: true });
    const own = !db.inTransaction;
    try {
      db.pragma('busy_timeout = 5000');
      if (own) db.exec('BEGIN');
      const pages = db.prepare(VERIFY_PAGE_SQL);
      for (let after = 0; ; ) {
        const page = pages.all(after, VERIFY_PAGE) as LogDbRow[];
        const bad = v.feed(page);
        if (bad) return bad;
        if (page.length < VERIFY_PAGE) break;
        after = page[page.length - 1]!.seq;
        await new Promise((r) => setImmediate(r));
      }
      const chain = v.end();
      if (!chain.ok) return chain;
      // The windows, against a chain that holds (in id order: the first problem is the oldest).
      const windows = (db.prepare('SELECT * FROM unlock_windows ORDER BY id').all() as WindowRow[]).map((r) =>
        this.windows.check(r),
      );
      return logVerdict(chain, windows, unlocks);
    } finally {
      if (own && db.inTransaction) db.exec('COMMIT');
      if (db !== this.db) db.close();
    }
  }

  async logHead(): Promise<ChainHead | undefined> {
    return this.run(() => (this.currentVersion() === 0 ? undefined : this.lastRow()));
  }

  /** The log's last row as a head (the schema must exist): what a write chains on from. */
  private lastRow(): ChainHead | undefined {
    return this.stmt('SELECT seq, mac FROM event_log ORDER BY seq DESC LIMIT 1').get() as
      | ChainHead
      | undefined;
  }

  async verifyLogFrom(head: ChainHead): Promise<TailCheck> {
    const key = this.needKey('verifying the event log');
    // One read transaction: a row appended meanwhile (gateway unlock) is in every read or in none.
    return this.run(() =>
      this.db.transaction((): TailCheck => {
        const last = this.currentVersion() === 0 ? undefined : this.lastRow();
        // From the head's row; from the last row when the log now ends before it, so the check
        // says where it ends (verifyChain: a head beyond the last row).
        const first = last ? Math.min(head.seq, last.seq) : 1;
        const start = last
          ? (this.stmt('SELECT prev_mac FROM event_log WHERE seq = ?').get(first) as
              | { prev_mac: string }
              | undefined)
          : undefined;
        const rows = last
          ? (this.stmt(
              'SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE seq >= ? ORDER BY seq',
            ).iterate(first) as Iterable<LogDbRow>)
          : [];
        const chain = verifyChain(key, rows, [head], undefined, {
          seq: first,
          prevMac: start?.prev_mac ?? '',
        });
        if (!chain.ok) return { ...chain, lastSeq: last?.seq ?? 0 };
        return { ok: true, rows: chain.rows, head: { seq: first + chain.rows - 1, mac: chain.headMac } };
      })(),
    );
  }

  async claimGateway(): Promise<GatewayClaim> {
    // A store in memory is this process's alone.
    if (this.path === ':memory:') return { release: async () => {} };
    return claimSqliteStore(this.path);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private currentVersion(): number {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
      .get();
    if (!exists) return 0;
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    return row.v ?? 0;
  }

  /** A read-only store: a version this Airlock reads, and (past version 0) every table it needs. */
  private checkReadable(current: number): void {
    refuseNewer(current, this.path);
    if (current === 0) return;
    for (const t of TABLES) {
      const found = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t);
      if (!found)
        throw new AirlockError(
          'AIRLOCK_ERR_MALFORMED',
          `the database has no ${t} table (dropped, or not an Airlock store)`,
          undefined,
          this.path,
        );
    }
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)',
    );
    const current = this.currentVersion();
    refuseNewer(current, this.path);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      this.db
        .transaction(() => {
          this.db.exec(m.sql);
          this.db
            .prepare('INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)')
            .run(m.version, Date.now());
        })
        .immediate();
    }
  }

  /** Prepared once per SQL text: the gateway appends thousands of rows a second. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw asStoreError(e, this.path);
    }
  }
}

function asStoreError(e: unknown, path: string): AirlockError {
  if (e instanceof AirlockError) return e;
  const err = e as { code?: string; message?: string };
  return new AirlockError(
    'AIRLOCK_ERR_IO',
    `${err.code ?? 'SQLITE'}: ${err.message ?? String(e)}`,
    undefined,
    path,
  );
}

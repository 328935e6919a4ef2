/**
 * The fleet store: PostgreSQL through node-postgres, the same record as the embedded one
 * (sqlite.ts): the same tables, the same HMAC chain (the key stays in a file on the box, never in
 * the database), the same checks. Each box keeps its tables in a schema of its own
 * (store.postgresSchema), so a fleet's boxes share one database and never one chain.
 *
 * Where SQLite's guarantees come from its single writer, here they come from locks:
 * - a write that chains rows takes `LOCK TABLE event_log IN EXCLUSIVE MODE` before it reads the
 *   head (readers go on; a second writer waits): two writers can never fork the chain, the
 *   IMMEDIATE transaction's job in SQLite;
 * - reads that must agree with each other (windows against their chained rows, a tail check) run
 *   in one REPEATABLE READ transaction: one snapshot;
 * - migrations run under an advisory lock, so two boxes starting at once migrate once.
 * Bodies are TEXT, not jsonb: the MAC is over the exact canonical text, which jsonb would re-form.
 */
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { AirlockError } from '../core/errors.js';
import { type GatewayClaim, TWO_GATEWAYS } from './gateway-claim.js';
import { chainLinks, changedUnderWriter, resumeAfter } from './log-chain.js';
import { ChainVerifier, type LogDbRow } from './log-verify.js';
import { POSTGRES_MIGRATIONS, refuseNewer } from './migrations.js';
import { POSTGRES_SCHEMA_NAME, redactedUrl } from './postgres-name.js';
import { bodyOf, checkedRow, recentRow } from './read-rows.js';
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

/** Rows a page of verifyLog reads: bounded memory for a log of any length. */
const PAGE = 10_000;
/** Rows a multi-row INSERT carries (6 parameters each; PostgreSQL takes 65,535). */
const INSERT_ROWS = 64;
const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** HMAC key for the event log; kept outside the database (policy store.hmacKeyFile). */
  hmacKey?: Uint8Array;
  /** Readers (log verify/show/export, audit, the dashboard): every transaction read-only, nothing created or migrated. */
  readonly?: boolean;
  /** The schema holding this box's tables (default 'airlock'). */
  schema?: string;
}

const LOCAL_HOSTS: ReadonlySet<string> = new Set(['', 'localhost', '127.0.0.1', '::1']);

/**
 * What an operator should hear about how the rows travel: a server on another host reached
 * without TLS gets every row (destinations, bytes, clients) in clear on the way. Their MACs still
 * protect them from change, not from being read. undefined when the URL is local or asks for TLS.
 */
export function transportNote(url: string): string | undefined {
  const c = parse(url);
  const host = c.host ?? '';
  if (host.startsWith('/') || LOCAL_HOSTS.has(host)) return undefined;
  if (c.ssl) return undefined;
  return `store.postgresUrl reaches ${host} without TLS: every log row crosses the network in clear (the MACs stop changes, not reading); add ?sslmode=verify-full (and sslrootcert=FILE for a private CA)`;
}

/** bigint columns as numbers: seqs and milliseconds stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The driver's settings for `url`. The URL is parsed here, not by the driver, so a reader's
 * read-only setting joins any options the URL names instead of being replaced by them.
 */
function connection(url: string, readonly: boolean): pg.ClientConfig {
  const conn = parse(url);
  const options = [conn.options, readonly ? '-c default_transaction_read_only=on' : undefined]
    .filter(Boolean)
    .join(' ');
  return {
    ...(conn as pg.ClientConfig),
    ...(options ? { options } : {}),
    types,
    connectionTimeoutMillis: 10_000,
  };
}

/**
 * The boxes of a fleet's database: every schema holding an Airlock store (its schema_version,
 * unlock_windows and event_log tables), by name. Read-only.
 */
export async function postgresBoxes(url: string): Promise<string[]> {
  const c = new pg.Client(connection(url, true));
  try {
    await c.connect();
    const r = await c.query<{ s: string }>(
      `SELECT table_schema AS s FROM information_schema.tables
        WHERE table_name IN ('schema_version', 'unlock_windows', 'event_log')
        GROUP BY table_schema HAVING count(DISTINCT table_name) = 3 ORDER BY 1`,
    );
    return r.rows.map((x) => x.s).filter((x) => POSTGRES_SCHEMA_NAME.test(x));
  } catch (e) {
    throw asStoreError(e, redactedUrl(url));
  } finally {
    await c.end().catch(() => {});
  }
}

export class PostgresStore implements Store {
  readonly path: string;
  private readonly pool: pg.Pool;
  private readonly key: Uint8Array | undefined;
  private readonly windows: WindowChecker;
  private readonly readonly: boolean;
  /** Quoted, schema-qualified table names. */
  private readonly t: { log: string; windows: string; versions: string };
  private readonly schema: string;
  /** As in sqlite.ts: the latest authentic chained unlock row of each window, up to seq unlockRowsTo. */
  private readonly latestUnlocks = new Map<number, ChainedUnlock>();
  private unlockRowsTo = 0;
  /** The schema version once the store has tables (version). */
  private knownVersion = 0;

  private constructor(url: string, opts: PostgresStoreOptions) {
    this.schema = opts.schema ?? 'airlock';
    if (!POSTGRES_SCHEMA_NAME.test(this.schema))
      throw new AirlockError(
        'AIRLOCK_ERR_USAGE',
        `store.postgresSchema '${this.schema}': expected lower-case letters, digits and '_' (at most 63, not starting with a digit)`,
      );
    this.path = `${redactedUrl(url)} (schema ${this.schema})`;
    this.key = opts.hmacKey;
    this.windows = new WindowChecker(opts.hmacKey);
    this.readonly = opts.readonly ?? false;
    const q = `"${this.schema}"`;
    this.t = { log: `${q}.event_log`, windows: `${q}.unlock_windows`, versions: `${q}.schema_version` };
    this.pool = new pg.Pool({ ...connection(url, this.readonly), max: 4 });
    // A pooled connection that fails while idle (the server restarted) is dropped by the pool;
    // without a listener the 'error' event would end the process.
    this.pool.on('error', () => {});
  }

  /**
   * Connects and, unless read-only, creates the schema and migrates it; a read-only store must be
   * at a version this Airlock reads (version 0: no tables yet, an empty log).
   */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    let s: PostgresStore;
    try {
      s = new PostgresStore(url, opts);
    } catch (e) {
      throw asStoreError(e, redactedUrl(url));
    }
    try {
      if (s.readonly) refuseNewer(await s.currentVersion(), s.path);
      else await s.migrate();
      return s;
    } catch (e) {
      await s.pool.end().catch(() => {});
      throw asStoreError(e, s.path);
    }
  }

  async schemaVersion(): Promise<number> {
    return this.run(() => this.currentVersion());
  }

  async addUnlockWindow(w: NewUnlockWindow): Promise<StoredUnlockWindow> {
    const host = validNewWindow(w);
    const key = this.needKey('recording an unlock window');
    const createdMs = w.createdMs ?? Date.now();
    // The window, its MAC (over its id, known once inserted) and its chained row: all or nothing.
    return this.write(async (c) => {
      const r = await c.query<{ id: number }>(
        `INSERT INTO ${this.t.windows} (host, from_ms, until_ms, reason, created_ms, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [host, w.fromMs, w.untilMs, w.reason, createdMs, w.createdBy ?? null],
      );
      const stored = storedWindow(r.rows[0]!.id, host, w, createdMs);
      await c.query(`UPDATE ${this.t.windows} SET mac = $1 WHERE id = $2`, [
        windowMac(key, stored),
        stored.id,
      ]);
      await this.chainTexts(c, [unlockText(stored, createdMs)], {});
      return stored;
    });
  }

  async unlockWindows(atMs?: number): Promise<StoredUnlockWindow[]> {
    this.needKey('reading unlock windows (each is authenticated by it)');
    const checked =
      atMs === undefined
        ? await this.checkedWindows(`SELECT * FROM ${this.t.windows} ORDER BY from_ms, id`, [])
        : await this.checkedWindows(
            `SELECT * FROM ${this.t.windows} WHERE from_ms <= $1 AND $1 < until_ms ORDER BY from_ms, id`,
            [atMs],
          );
    return authentic(checked);
  }

  async unlockWindowsOverlapping(fromMs: number, untilMs: number): Promise<StoredUnlockWindow[]> {
    this.needKey('reading unlock windows (each is authenticated by it)');
    return authentic(
      await this.checkedWindows(
        `SELECT * FROM ${this.t.windows} WHERE from_ms < $1 AND $2 < until_ms ORDER BY from_ms, id`,
        [untilMs, fromMs],
      ),
    );
  }

  async unlockWindowsChecked(query: WindowQuery = {}): Promise<CheckedUnlockWindow[]> {
    if ((await this.version()) === 0) return [];
    // A window over before `endingAfterMs` opens nothing then: the gateway need not read it again.
    return query.endingAfterMs === undefined
      ? this.checkedWindows(`SELECT * FROM ${this.t.windows} ORDER BY from_ms, id`, [])
      : this.checkedWindows(`SELECT * FROM ${this.t.windows} WHERE until_ms > $1 ORDER BY from_ms, id`, [
          query.endingAfterMs,
        ]);
  }

  /** The windows `sql` selects, MACs checked, each against its latest chained unlock row: one snapshot. */
  private checkedWindows(sql: string, params: unknown[]): Promise<CheckedUnlockWindow[]> {
    return this.snapshot(async (c) => {
      const checked = (await c.query<WindowRow>(sql, params)).rows.map((r) => this.windows.check(r));
      const key = this.key;
      if (key === undefined || !checked.some((w) => w.auth === 'ok')) return checked;
      const rows = await c.query<LogDbRow>(
        `SELECT seq, ts_ms, kind, body, prev_mac, mac FROM ${this.t.log} WHERE kind = 'unlock' AND seq > $1 ORDER BY seq`,
        [this.unlockRowsTo],
      );
      this.unlockRowsTo = takeUnlockRows(key, rows.rows, this.latestUnlocks, this.unlockRowsTo);
      return againstChain(checked, this.latestUnlocks);
    });
  }

  async endUnlockWindow(id: number, atMs: number): Promise<boolean> {
    const key = this.needKey('ending an unlock window');
    if (!Number.isSafeInteger(atMs))
      throw new AirlockError('AIRLOCK_ERR_USAGE', `ending unlock window ${id}: the time must be an integer`);
    return this.write(async (c) => {
      const r = (await c.query<WindowRow>(`SELECT * FROM ${this.t.windows} WHERE id = $1 FOR UPDATE`, [id]))
        .rows[0];
      if (!r) return false;
      const { window: w, auth } = this.windows.check(r);
      if (auth !== 'ok') throw unauthenticWindow(id, auth, this.path);
      const untilMs = endedUntil(w, atMs);
      if (untilMs === w.untilMs) return true;
      const ended = { ...w, untilMs };
      await c.query(`UPDATE ${this.t.windows} SET until_ms = $1, mac = $2 WHERE id = $3`, [
        untilMs,
        windowMac(key, ended),
        id,
      ]);
      await this.chainTexts(c, [unlockText(ended, Date.now(), true)], {});
      return true;
    });
  }

  async appendLog(row: LogRow): Promise<ChainedLogRow> {
    return (await this.appendLogs([row]))[0]!;
  }

  async appendLogs(rows: readonly LogRow[], opts: AppendOptions = {}): Promise<ChainedLogRow[]> {
    // A row with no JSON form fails the batch as a store error, before anything is written.
    let texts: LogText[];
    try {
      texts = logTexts(rows);
    } catch (e) {
      throw asStoreError(e, this.path);
    }
    const links = await this.appendTexts(texts, opts);
    return links.map((l, i) => ({ ...l, row: rows[i]! }));
  }

  /** appendLogs for rows already made canonical text. */
  async appendLogTexts(texts: readonly LogText[], opts: AppendOptions = {}): Promise<ChainHead | undefined> {
    const links = await this.appendTexts(texts, opts);
    const last = links[links.length - 1];
    return last ? { seq: last.seq, mac: last.mac } : undefined;
  }

  private async appendTexts(texts: readonly LogText[], opts: AppendOptions) {
    this.needKey('the event log');
    if (texts.length === 0) return [];
    return this.write((c) => this.chainTexts(c, texts, opts));
  }

  /** Chains and inserts `texts` inside a write transaction (which holds the log's write lock). */
  private async chainTexts(c: pg.PoolClient, texts: readonly LogText[], opts: AppendOptions) {
    const key = this.needKey('the event log');
    const bodies = texts.map((t) => t.body);
    const head = await lastRow(c, this.t.log);
    const resume = resumeAfter(key, head, opts.after, bodies);
    if (resume && 'replay' in resume) return resume.replay;
    if (resume) {
      const kept = await c.query<{ mac: string }>(`SELECT mac FROM ${this.t.log} WHERE seq = $1`, [
        resume.check.seq,
      ]);
      const changed = changedUnderWriter(resume.check, kept.rows[0]?.mac, head, this.path);
      if (changed) throw changed;
    }
    const out = chainLinks(key, head, bodies);
    for (let i = 0; i < out.length; i += INSERT_ROWS) {
      const n = Math.min(INSERT_ROWS, out.length - i);
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let k = 0; k < n; k++) {
        const l = out[i + k]!;
        const t = texts[i + k]!;
        const b = 6 * k;
        tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
        values.push(l.seq, t.tsMs, t.kind, t.body, l.prevMac, l.mac);
      }
      await c.query(
        `INSERT INTO ${this.t.log} (seq, ts_ms, kind, body, prev_mac, mac) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    return out;
  }

  async logRows(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<ChainedLogRow[]> {
    if ((await this.version()) === 0) return [];
    const rows = await this.run(() => this.rowsAfter(this.pool, afterSeq, limit, window));
    return rows.map((r) => ({ seq: r.seq, row: bodyOf(r, this.path), prevMac: r.prev_mac, mac: r.mac }));
  }

  async checkedLogRows(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<CheckedLogRow[]> {
    const key = this.needKey('checking log rows');
    if ((await this.version()) === 0) return [];
    // Each row's link is to the row before it in seq order, shown or not (--since, --after): read
    // with it, in the same statement.
    const w = windowSql(window, 2);
    const sql = `SELECT e.seq, e.ts_ms, e.kind, e.body, e.prev_mac, e.mac, b.seq AS b_seq, b.mac AS b_mac
      FROM (SELECT * FROM ${this.t.log} WHERE seq > $1${w.sql} ORDER BY seq LIMIT $${w.next}) e
      LEFT JOIN LATERAL (SELECT seq, mac FROM ${this.t.log} WHERE seq < e.seq ORDER BY seq DESC LIMIT 1) b ON true
      ORDER BY e.seq`;
    const rows = await this.run(
      async () =>
        (
          await this.pool.query<LogDbRow & { b_seq: number | null; b_mac: string | null }>(sql, [
            afterSeq,
            ...w.params,
            limit,
          ])
        ).rows,
    );
    return rows.map((r) =>
      checkedRow(key, r, r.b_seq === null ? undefined : { seq: r.b_seq, mac: r.b_mac ?? '' }),
    );
  }

  /**
   * Rows after `afterSeq` in seq order within the window. Not SQLite's `ts_ms + 0` (sqlite.ts
   * ROWS_AFTER_SQL): PostgreSQL has statistics on ts_ms, and on the expression it guessed a few
   * thousand rows, scanned and sorted the whole table for each page (a million-row overview 19.6 s
   * in pages; on the column, 2.3 s; the last hour 0.35 s against 0.49 s).
   */
  private async rowsAfter(
    q: pg.Pool | pg.PoolClient,
    afterSeq: number,
    limit: number,
    window: TimeWindow,
  ): Promise<LogDbRow[]> {
    const w = windowSql(window, 2);
    return (
      await q.query<LogDbRow>(
        `SELECT seq, ts_ms, kind, body, prev_mac, mac FROM ${this.t.log} WHERE seq > $1${w.sql} ORDER BY seq LIMIT $${w.next}`,
        [afterSeq, ...w.params, limit],
      )
    ).rows;
  }

  async logRowsNewestFirst(beforeSeq = Number.MAX_SAFE_INTEGER, limit = 10_000): Promise<RecentLogRow[]> {
    if ((await this.version()) === 0) return [];
    const rows = await this.run(
      async () =>
        (
          await this.pool.query<Pick<LogDbRow, 'seq' | 'body'>>(
            `SELECT seq, body FROM ${this.t.log} WHERE seq < $1 ORDER BY seq DESC LIMIT $2`,
            [beforeSeq, limit],
          )
        ).rows,
    );
    return rows.map((r) => recentRow(r, this.path));
  }

  async logBodies(afterSeq = 0, limit = 10_000, window: TimeWindow = {}): Promise<RecentLogRow[]> {
    if ((await this.version()) === 0) return [];
    const w = windowSql(window, 2);
    const rows = await this.run(
      async () =>
        (
          await this.pool.query<Pick<LogDbRow, 'seq' | 'body'>>(
            `SELECT seq, body FROM ${this.t.log} WHERE seq > $1${w.sql} ORDER BY seq LIMIT $${w.next}`,
            [afterSeq, ...w.params, limit],
          )
        ).rows,
    );
    return rows.map((r) => recentRow(r, this.path));
  }

  async verifyLog(expected?: ChainHead | readonly ChainHead[]): Promise<ChainCheck> {
    const key = this.key;
    if (!key)
      throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: verifying the event log needs its HMAC key`);
    const heads: readonly ChainHead[] =
      expected === undefined ? [] : 'seq' in expected ? [expected] : expected;
    // One snapshot, read a page at a time: a million rows never in memory at once.
    return this.snapshot(async (c): Promise<ChainCheck> => {
      const empty = (await this.currentVersion(c)) === 0;
      const unlocks: ChainedUnlock[] = [];
      const v = new ChainVerifier(key, heads, (seq, row) => {
        if (row.kind === 'unlock') unlocks.push({ seq, row: row as UnlockLogRow });
      });
      let after = 0;
      while (!empty) {
        const page = await this.rowsAfter(c, after, PAGE, {});
        const bad = v.feed(page);
        if (bad) return bad;
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.seq;
      }
      const chain = v.end();
      if (!chain.ok) return chain;
      const windows = empty
        ? []
        : (await c.query<WindowRow>(`SELECT * FROM ${this.t.windows} ORDER BY id`)).rows.map((r) =>
            this.windows.check(r),
          );
      return logVerdict(chain, windows, unlocks);
    });
  }

  async logHead(): Promise<ChainHead | undefined> {
    return this.run(async () => ((await this.version()) === 0 ? undefined : lastRow(this.pool, this.t.log)));
  }

  async verifyLogFrom(head: ChainHead): Promise<TailCheck> {
    const key = this.needKey('verifying the event log');
    // One snapshot: a row appended meanwhile (gateway unlock) is in every read or in none.
    return this.snapshot(async (c): Promise<TailCheck> => {
      const last = (await this.currentVersion(c)) === 0 ? undefined : await lastRow(c, this.t.log);
      // From the head's row; from the last row when the log now ends before it (sqlite.ts says why).
      const first = last ? Math.min(head.seq, last.seq) : 1;
      const start = last
        ? (await c.query<{ prev_mac: string }>(`SELECT prev_mac FROM ${this.t.log} WHERE seq = $1`, [first]))
            .rows[0]
        : undefined;
      const v = new ChainVerifier(key, [head], undefined, { seq: first, prevMac: start?.prev_mac ?? '' });
      let after = first - 1;
      while (last) {
        const page = await this.rowsAfter(c, after, PAGE, {});
        const bad = v.feed(page);
        if (bad) return { ...bad, lastSeq: last.seq };
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.seq;
      }
      const chain = v.end();
      if (!chain.ok) return { ...chain, lastSeq: last?.seq ?? 0 };
      return { ok: true, rows: chain.rows, head: { seq: first + chain.rows - 1, mac: chain.headMac } };
    });
  }

  async claimGateway(): Promise<GatewayClaim> {
    // A session lock on a connection of its own, held while the gateway runs: the server drops it
    // when that connection ends, so a box that crashed leaves nothing to clear.
    const key = `airlock gateway ${this.schema}`;
    const c = await this.run(() => this.pool.connect());
    // Out of the pool, an 'error' on this connection (the server restarted) would end the process;
    // the lock goes with that session and is not taken again (noted, not done).
    c.on('error', () => {});
    let ok: boolean | undefined;
    try {
      ok = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows[0]
        ?.ok;
    } catch (e) {
      c.release(true);
      throw asStoreError(e, this.path);
    }
    if (!ok) {
      c.release();
      throw new AirlockError(
        'AIRLOCK_ERR_IO',
        `another airlock gateway is writing this store: ${TWO_GATEWAYS}`,
        undefined,
        this.path,
      );
    }
    return {
      release: async () => {
        // Ending the session is what frees the lock for sure; the unlock only says it early.
        await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
        c.release(true);
      },
    };
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private needKey(what: string): Uint8Array {
    if (!this.key) throw new AirlockError('AIRLOCK_ERR_IO', `${this.path}: ${what} needs the HMAC key`);
    return this.key;
  }

  /**
   * The schema version for a read: asked of the server until the store has tables, then
   * remembered (a dashboard reads hundreds of pages; a table dropped since fails its query anyway).
   */
  private async version(): Promise<number> {
    if (this.knownVersion > 0) return this.knownVersion;
    this.knownVersion = await this.run(() => this.currentVersion());
    return this.knownVersion;
  }

  private async currentVersion(q: pg.Pool | pg.PoolClient = this.pool): Promise<number> {
    const table = await q.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [this.t.versions]);
    if (table.rows[0]?.r === null) return 0;
    const m = await q.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${this.t.versions}`);
    const v = m.rows[0]?.v ?? 0;
    // Every table migration 1 creates: a store at version 1 or later without one is damaged.
    if (v > 0) {
      for (const t of [this.t.log, this.t.windows]) {
        const found = await q.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [t]);
        if (found.rows[0]?.r === null)
          throw new AirlockError(
            'AIRLOCK_ERR_MALFORMED',
            `the database has no ${t} table (dropped, or not an Airlock store)`,
            undefined,
            this.path,
          );
      }
    }
    return v;
  }

  private async migrate(): Promise<void> {
    await this.transaction('BEGIN', async (c) => {
      // Two boxes started at once: the second waits here, then finds the work done.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`airlock migrate ${this.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${this.t.versions} (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`,
      );
      const current = await this.currentVersion(c);
      refuseNewer(current, this.path);
      for (const m of POSTGRES_MIGRATIONS) {
        if (m.version <= current) continue;
        await c.query(m.sql(`"${this.schema}"`));
        await c.query(`INSERT INTO ${this.t.versions} (version, applied_ms) VALUES ($1, $2)`, [
          m.version,
          Date.now(),
        ]);
      }
    });
  }

  /** A write: one transaction holding the log's write lock (see the header). */
  private write<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.readonly)
      return Promise.reject(new AirlockError('AIRLOCK_ERR_IO', `${this.path}: opened read-only`));
    return this.transaction('BEGIN', async (c) => {
      await c.query(`LOCK TABLE ${this.t.log} IN EXCLUSIVE MODE`);
      return f(c);
    });
  }

  /** Reads that must agree: one REPEATABLE READ snapshot. */
  private snapshot<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', f);
  }

  private async transaction<T>(begin: string, f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(async () => {
      const c = await this.pool.connect();
      let broken = false;
      try {
        await c.query(begin);
        const out = await f(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw e;
      } finally {
        // A connection that could not roll back is not handed out again.
        c.release(broken);
      }
    });
  }

  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw asStoreError(e, this.path);
    }
  }
}

/** The log's last row as a head: what a write chains on from. */
async function lastRow(q: pg.Pool | pg.PoolClient, table: string): Promise<ChainHead | undefined> {
  return (await q.query<ChainHead>(`SELECT seq, mac FROM ${table} ORDER BY seq DESC LIMIT 1`)).rows[0];
}

/**
 * A time window as SQL after `seq > $1`: only the bounds it has, numbered from `$first`, and the
 * next parameter's number. An open side adds nothing, so a whole-log read (verify, an unbounded
 * page) never depends on the planner's statistics of ts_ms, which a fresh table may not have yet.
 */
function windowSql(w: TimeWindow, first: number): { sql: string; params: number[]; next: number } {
  let sql = '';
  const params: number[] = [];
  if (w.sinceMs !== undefined) {
    params.push(w.sinceMs);
    sql += ` AND ts_ms >= $${first + params.length - 1}`;
  }
  if (w.untilMs !== undefined) {
    params.push(w.untilMs);
    sql += ` AND ts_ms < $${first + params.length - 1}`;
  }
  return { sql, params, next: first + params.length };
}

/** Network errors that mean the server was not reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function asStoreError(e: unknown, where: string): AirlockError {
  if (e instanceof AirlockError) return e;
  const err = e as { code?: string; message?: string };
  const said = `${err.code ?? 'POSTGRES'}: ${err.message ?? String(e)}`;
  // What an operator acts on first: the server is not there, or it refused this login
  // (SQLSTATE class 28), before the driver's own words.
  const why =
    err.code !== undefined && UNREACHABLE.has(err.code)
      ? `the PostgreSQL server cannot be reached (${said})`
      : err.code?.startsWith('28')
        ? `the PostgreSQL server refused the login (${said})`
        : /timeout exceeded when trying to connect/i.test(err.message ?? '')
          ? `the PostgreSQL server did not answer within 10 s (${said})`
          : said;
  return new AirlockError('AIRLOCK_ERR_IO', why, undefined, where);
}

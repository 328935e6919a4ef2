/**
 * The PostgreSQL store (a fleet's) against the SQLite one, on a throwaway server: the same
 * operations and the same damage — done by Debian's psql and sqlite3 shells, not by Airlock —
 * give the same rows, MACs, windows and verdicts from both, every one of them also checked
 * against what it must be. Then what only a shared server raises: writers racing on one chain,
 * boxes sharing a database, readers that must not write, a log longer than a page, a server
 * that is not there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnlockWindows } from '../../src/audit/windows.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { loadHmacKey } from '../../src/gateway/record/key-file.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { PostgresStore, postgresBoxes, transportNote } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { DnsLogRow, Store } from '../../src/store/types.js';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.js';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const MIN = 60_000;
const KEY = new Uint8Array(32).fill(7);

let pg: PgCluster;
let dir: string;
beforeAll(async () => {
  pg = await startPgCluster();
  dir = mkdtempSync(join(tmpdir(), 'airlock-pgstore-'));
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const row = (i: number): DnsLogRow => ({
  kind: 'dns',
  tsMs: T0 + i * 1000,
  client: '10.0.0.2',
  qname: `q${i}.example`,
  qtype: 'A',
  mode: 'one-way',
  verdict: i % 3 === 0 ? 'allow' : 'block',
  reason: i % 3 === 0 ? 'allowlisted' : 'not-allowlisted',
});

let boxes = 0;
/** A pair: a fresh SQLite file and a fresh PostgreSQL schema, each with a way to run SQL on it from outside Airlock. */
async function pair(): Promise<{
  stores: { name: string; store: Store; sql: (s: string) => void; reopen: () => Promise<Store> }[];
}> {
  const n = ++boxes;
  const file = join(dir, `box${n}.sqlite`);
  const schema = `box${n}`;
  const url = pg.url();
  return {
    stores: [
      {
        name: 'sqlite',
        store: new SqliteStore(file, { hmacKey: KEY }),
        sql: (s) => execFileSync('sqlite3', [file, s]),
        reopen: async () => new SqliteStore(file, { hmacKey: KEY }),
      },
      {
        name: 'postgres',
        store: await PostgresStore.open(url, { hmacKey: KEY, schema }),
        sql: (s) => pg.psql(`SET search_path TO ${schema}; ${s}`),
        reopen: () => PostgresStore.open(url, { hmacKey: KEY, schema }),
      },
    ],
  };
}

/** Everything a reader can ask a store, as one value to compare. */
async function transcript(s: Store) {
  const head = await s.logHead();
  return {
    head,
    rows: await s.logRows(0, 5000),
    windowed: await s.logRows(100, 50, { sinceMs: T0 + 500_000, untilMs: T0 + 900_000 }),
    checked: await s.checkedLogRows(0, 5000, { sinceMs: T0 + 1_000_000 }),
    bodies: await s.logBodies(1990, 20),
    newest: await s.logRowsNewestFirst(undefined, 7),
    open: await s.unlockWindows(T0 + 5 * MIN),
    overlapping: await s.unlockWindowsOverlapping(T0 + 15 * MIN, T0 + 16 * MIN),
    checkedWindows: await s.unlockWindowsChecked(),
    verify: await s.verifyLog(head ? [head] : []),
    tail: head ? await s.verifyLogFrom({ seq: 1000, mac: (await s.logRows(999, 1))[0]!.mac }) : undefined,
  };
}

/** The same history written to a store: windows, 2,100 rows in batches, one batch sent again after its head. */
async function fill(s: Store): Promise<void> {
  await s.addUnlockWindow({
    host: 'FlySafe-API.dji.com.',
    fromMs: T0,
    untilMs: T0 + 10 * MIN,
    reason: 'a',
    createdMs: T0,
  });
  await s.addUnlockWindow({
    host: '*.b.example',
    fromMs: T0 + 5 * MIN,
    untilMs: T0 + 20 * MIN,
    reason: 'b',
    createdBy: 'ops',
    createdMs: T0 + 1,
  });
  const all = Array.from({ length: 2100 }, (_, i) => row(i + 1));
  let head = await s.logHead();
  for (let i = 0; i < all.length; i += 300) {
    const batch = all.slice(i, i + 300);
    const chained = await s.appendLogs(batch, head ? { after: head } : {});
    // The writer's answer lost once: the same batch sent again after the same head is not written twice.
    if (i === 600) expect(await s.appendLogs(batch, head ? { after: head } : {})).toEqual(chained);
    head = { seq: chained.at(-1)!.seq, mac: chained.at(-1)!.mac };
  }
}

describe('the PostgreSQL store answers as the SQLite store does', () => {
  it('the same history: the same rows, MACs, windows and verdicts', async () => {
    const { stores } = await pair();
    const [lite, post] = stores.map((s) => s.store) as [Store, Store];
    await fill(lite);
    await fill(post);
    const a = await transcript(lite);
    const b = await transcript(post);
    expect(b).toEqual(a);
    // And what they agree on is right: 2,100 rows and two window rows, one chain, every link checked.
    expect(b.head?.seq).toBe(2102);
    expect(b.verify).toEqual({ ok: true, rows: 2102, headMac: b.head!.mac, windows: 2, legacyWindows: 0 });
    expect(b.tail).toMatchObject({ ok: true, rows: 1103, head: b.head });
    expect(b.open.map((w) => w.host)).toEqual(['flysafe-api.dji.com', '*.b.example']);
    expect(b.overlapping.map((w) => w.reason)).toEqual(['b']);
    // Rows from T0 + 500 s: row 500 on, at seq 502 (the two window rows came first).
    expect(b.windowed.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 502 + i));
    expect(b.checked.every((r) => r.problem === undefined)).toBe(true);
    expect(b.newest.map((r) => r.seq)).toEqual([2102, 2101, 2100, 2099, 2098, 2097, 2096]);
    for (const s of stores) await s.store.close();
  });

  // Each by a shell, each on a fresh pair: the damage, and what both stores must then say.
  const damage: { name: string; sql: string; verify: object; show?: { seq: number; problem: RegExp } }[] = [
    {
      name: 'a changed body',
      sql: `UPDATE event_log SET body = '${canonicalJson({ ...row(1498), verdict: 'allow' })}' WHERE seq = 1500`,
      verify: { ok: false, rows: 1499, badSeq: 1500, problem: 'mac-mismatch' },
      show: { seq: 1500, problem: /MAC does not match/ },
    },
    {
      name: 'a deleted row',
      sql: 'DELETE FROM event_log WHERE seq = 1700',
      verify: { ok: false, rows: 1699, badSeq: 1700, problem: 'seq-gap' },
      show: { seq: 1701, problem: /row 1700 before it is missing/ },
    },
    {
      name: 'a moved time column',
      sql: 'UPDATE event_log SET ts_ms = ts_ms - 86400000 WHERE seq = 1200',
      verify: { ok: false, badSeq: 1200, problem: 'column-mismatch' },
    },
    {
      name: 'rows cut off the end',
      sql: 'DELETE FROM event_log WHERE seq > 2090',
      verify: { ok: false, badSeq: 2102, problem: 'head-mismatch' },
    },
    {
      name: 'a window stretched by hand',
      sql: 'UPDATE unlock_windows SET until_ms = until_ms + 3600000 WHERE id = 1',
      verify: { ok: false, problem: 'window-mismatch', windowId: 1 },
    },
  ];
  for (const d of damage) {
    it(`${d.name}: both stores find it, at the same row`, async () => {
      const { stores } = await pair();
      const verdicts: unknown[] = [];
      for (const s of stores) {
        await fill(s.store);
        const head = (await s.store.logHead())!;
        await s.store.close();
        s.sql(d.sql);
        const again = await s.reopen();
        const v = await again.verifyLog([head]);
        expect(v, s.name).toMatchObject(d.verify);
        if (d.show) {
          const shown = (await again.checkedLogRows(d.show.seq - 1, 3)).find((r) => r.seq === d.show!.seq);
          expect(shown?.problem, s.name).toMatch(d.show.problem);
        }
        // A stretched window opens nothing: the gateway and audit apply only what authenticates.
        if (d.name.startsWith('a window'))
          expect(
            (await again.unlockWindows()).map((w) => w.id),
            s.name,
          ).toEqual([2]);
        verdicts.push(v);
        await again.close();
      }
      expect(verdicts[1]).toEqual(verdicts[0]);
    });
  }

  it('a writer whose last row was cut is refused, not chained on from what is left', async () => {
    for (const s of (await pair()).stores) {
      await s.store.appendLogs([row(1), row(2), row(3)]);
      const head = (await s.store.logHead())!;
      s.sql('DELETE FROM event_log WHERE seq = 3');
      await expect(s.store.appendLogs([row(4)], { after: head }), s.name).rejects.toMatchObject({
        code: 'AIRLOCK_ERR_MALFORMED',
        message: expect.stringMatching(/changed under its writer: row 3, the last it wrote, is gone/),
      });
      await s.store.close();
    }
  });
});

describe('what a shared server adds', () => {
  it('two writers racing on one chain never fork it (the write lock)', async () => {
    const url = pg.url();
    const a = await PostgresStore.open(url, { hmacKey: KEY, schema: 'race' });
    const b = await PostgresStore.open(url, { hmacKey: KEY, schema: 'race' });
    // 2 × 40 batches of 25, interleaved, plus windows from a third party (`gateway unlock`).
    const batches = (from: number) =>
      Array.from({ length: 40 }, (_, k) => Array.from({ length: 25 }, (_, i) => row(from + k * 25 + i)));
    await Promise.all([
      ...batches(1).map((rows) => a.appendLogs(rows)),
      ...batches(5001).map((rows) => b.appendLogs(rows)),
      b.addUnlockWindow({ host: 'a.example', fromMs: T0, untilMs: T0 + MIN, reason: 'race' }),
    ]);
    const v = await a.verifyLog();
    expect(v).toMatchObject({ ok: true, rows: 2001, windows: 1 });
    // Counted by psql, not by Airlock: every row once, seqs 1…2001 without a gap.
    expect(
      pg.psql('SELECT count(*), min(seq), max(seq), count(DISTINCT prev_mac) FROM race.event_log').trim(),
    ).toBe('2001|1|2001|2001');
    await a.close();
    await b.close();
  });

  it('boxes sharing a database keep their own chains and keys', async () => {
    const url = pg.url();
    const other = new Uint8Array(32).fill(9);
    const one = await PostgresStore.open(url, { hmacKey: KEY, schema: 'fleet_a' });
    const two = await PostgresStore.open(url, { hmacKey: other, schema: 'fleet_b' });
    await one.appendLogs([row(1), row(2)]);
    await two.appendLogs([row(1), row(2), row(3)]);
    expect(await one.verifyLog()).toMatchObject({ ok: true, rows: 2 });
    expect(await two.verifyLog()).toMatchObject({ ok: true, rows: 3 });
    // The same row at the same seq carries another MAC under another key: neither can vouch for the other.
    expect((await one.logRows())[0]!.mac).not.toBe((await two.logRows())[0]!.mac);
    const wrongKey = await PostgresStore.open(url, { hmacKey: other, schema: 'fleet_a', readonly: true });
    expect(await wrongKey.verifyLog()).toMatchObject({ ok: false, badSeq: 1, problem: 'mac-mismatch' });
    for (const s of [one, two, wrongKey]) await s.close();
  });

  it('one gateway per box: a second claim on the schema is refused until the first ends its session', async () => {
    const url = pg.url();
    const a = await PostgresStore.open(url, { hmacKey: KEY, schema: 'claimed' });
    const b = await PostgresStore.open(url, { hmacKey: KEY, schema: 'claimed' });
    const other = await PostgresStore.open(url, { hmacKey: KEY, schema: 'claimed_too' });
    const held = await a.claimGateway();
    await expect(b.claimGateway()).rejects.toThrow(/another airlock gateway is writing this store/);
    // Another box's schema is another claim.
    const elsewhere = await other.claimGateway();
    await held.release();
    const next = await b.claimGateway();
    // A box that dies holds nothing: its session ended from outside (psql), the claim is free.
    const holders = pg
      .psql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")
      .trim()
      .split('\n');
    expect(holders).toHaveLength(2);
    pg.psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    const again = await a.claimGateway();
    await again.release();
    await next.release().catch(() => {});
    await elsewhere.release().catch(() => {});
    for (const s of [a, b, other]) await s.close();
  });

  it('a reader never writes, and reads a schema not made yet as an empty log', async () => {
    const url = pg.url();
    const reader = await PostgresStore.open(url, { hmacKey: KEY, schema: 'not_yet', readonly: true });
    expect(await reader.schemaVersion()).toBe(0);
    expect(await reader.logRows()).toEqual([]);
    expect(await reader.verifyLog()).toMatchObject({ ok: true, rows: 0 });
    await expect(reader.appendLogs([row(1)])).rejects.toMatchObject({ code: 'AIRLOCK_ERR_IO' });
    // Read-only in the server too, below Airlock's own guard: its sessions refuse any write.
    const pool = (reader as unknown as { pool: { query(sql: string): Promise<unknown> } }).pool;
    await expect(pool.query('CREATE TABLE public.sneaked (a int)')).rejects.toThrow(/read-only transaction/);
    // Nothing was created by the reader: psql sees no such schema.
    expect(pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'not_yet'").trim()).toBe('0');
    await reader.close();
  });

  it('verifies a log longer than a page, and finds a change deep in the second page', async () => {
    const url = pg.url();
    const s = await PostgresStore.open(url, { hmacKey: KEY, schema: 'long' });
    const all = Array.from({ length: 25_000 }, (_, i) => row(i + 1));
    for (let i = 0; i < all.length; i += 2500) await s.appendLogs(all.slice(i, i + 2500));
    const head = (await s.logHead())!;
    expect(await s.verifyLog([head])).toMatchObject({ ok: true, rows: 25_000, headMac: head.mac });
    pg.psql(`UPDATE long.event_log SET body = replace(body, 'q12345.', 'x12345.') WHERE seq = 12345`);
    expect(await s.verifyLog([head])).toMatchObject({ ok: false, rows: 12_344, badSeq: 12_345 });
    expect(await s.verifyLogFrom({ seq: 20_000, mac: (await s.logRows(19_999, 1))[0]!.mac })).toMatchObject({
      ok: true,
      rows: 5001,
    });
    await s.close();
  }, 60_000);

  it('a schema newer than this Airlock is refused, naming the store', async () => {
    const url = pg.url();
    await (await PostgresStore.open(url, { hmacKey: KEY, schema: 'newer' })).close();
    pg.psql(`INSERT INTO newer.schema_version VALUES (${SCHEMA_VERSION + 1}, 0)`);
    await expect(PostgresStore.open(url, { hmacKey: KEY, schema: 'newer' })).rejects.toMatchObject({
      code: 'AIRLOCK_ERR_UNSUPPORTED',
      file: expect.stringContaining('(schema newer)'),
    });
  });

  it('a server that is not there: an IO error naming the store, the password never printed', async () => {
    const url = 'postgresql://airlock:s3cret@/fleet?host=/nonexistent-airlock-socket&port=5999';
    const err = await PostgresStore.open(url, { hmacKey: KEY }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'AIRLOCK_ERR_IO',
      message: expect.stringMatching(
        /^the PostgreSQL server cannot be reached \(ENOENT: connect ENOENT \/nonexistent-airlock-socket/,
      ),
      file: expect.stringContaining('postgresql://airlock:***@'),
    });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('s3cret');
    // Over TCP, a port nothing listens on (loopback's port 1).
    await expect(
      PostgresStore.open('postgresql://airlock@127.0.0.1:1/fleet', { hmacKey: KEY }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/^the PostgreSQL server cannot be reached \(ECONNREFUSED/),
    });
  });

  it('a login the server refuses is said as such, naming the store', async () => {
    const url = pg.url().replace('postgresql://postgres@', 'postgresql://ghost@');
    await expect(PostgresStore.open(url, { hmacKey: KEY })).rejects.toMatchObject({
      code: 'AIRLOCK_ERR_IO',
      message: expect.stringMatching(
        /^the PostgreSQL server refused the login \(28000: role "ghost" does not exist\)/,
      ),
      file: expect.stringContaining('postgresql://ghost@'),
    });
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(PostgresStore.open(pg.url(), { schema: 'Box-1"; DROP' })).rejects.toMatchObject({
      code: 'AIRLOCK_ERR_USAGE',
    });
  });

  it('audit reads the unlock windows from the policy’s PostgreSQL store', async () => {
    const url = pg.url();
    const keyFile = join(dir, 'audited.key');
    const key = loadHmacKey(keyFile, { create: true });
    const s = await PostgresStore.open(url, { hmacKey: key, schema: 'audited' });
    await s.addUnlockWindow({
      host: 'flysafe-api.dji.com',
      fromMs: T0,
      untilMs: T0 + MIN,
      reason: 'geofence',
    });
    await s.addUnlockWindow({ host: 'forged.example', fromMs: T0, untilMs: T0 + MIN, reason: 'forged' });
    await s.close();
    // A window changed by hand does not authenticate: listed, not applied.
    pg.psql("UPDATE audited.unlock_windows SET host = 'api.dji.com' WHERE reason = 'forged'");
    const policy = defaultPolicy();
    policy.store.postgresUrl = url;
    policy.store.postgresSchema = 'audited';
    policy.store.hmacKeyFile = keyFile;
    const w = await loadUnlockWindows(policy, undefined, undefined);
    expect(w.windows.map((x) => x.host)).toEqual(['flysafe-api.dji.com']);
    expect(w.check?.unauthenticated.map((x) => [x.host, x.problem])).toEqual([['api.dji.com', 'bad-mac']]);
    expect(w.path).toContain('(schema audited)');
  });

  it('says when the rows would cross the network in clear, and only then', () => {
    expect(transportNote('postgres://airlock@db.fleet.lan/fleet')).toMatch(
      /reaches db\.fleet\.lan without TLS: every log row crosses the network in clear.*sslmode=verify-full/,
    );
    expect(transportNote('postgres://airlock@db.fleet.lan/fleet?sslmode=disable')).toMatch(/without TLS/);
    expect(transportNote('postgres://airlock@10.1.2.3:5432/fleet?sslmode=verify-full')).toBeUndefined();
    for (const local of [
      'postgres://airlock@/fleet?host=/run/postgresql',
      'postgres://airlock@localhost/fleet',
      'postgres://airlock@127.0.0.1:5432/fleet',
      'postgres://airlock@[::1]/fleet',
      pg.url(),
    ])
      expect(transportNote(local), local).toBeUndefined();
  });

  it('least privilege: a box role owns only its schema, an auditor role reads and verifies, never writes', async () => {
    // The recipe the README gives, run by psql as the server's superuser.
    pg.psql(`CREATE ROLE box_a LOGIN; CREATE ROLE box_b LOGIN; CREATE ROLE auditor LOGIN;
      GRANT CREATE ON DATABASE airlock_test TO box_a, box_b;`);
    const as = (role: string) => pg.url().replace('postgresql://postgres@', `postgresql://${role}@`);
    const box = await PostgresStore.open(as('box_a'), { hmacKey: KEY, schema: 'least_a' });
    await box.appendLogs([row(1), row(2)]);
    await box.addUnlockWindow({ host: 'a.example', fromMs: T0, untilMs: T0 + MIN, reason: 'r' });
    await box.close();
    // Another box's role can neither read nor write it.
    const other = await PostgresStore.open(as('box_b'), {
      hmacKey: KEY,
      schema: 'least_a',
      readonly: true,
    }).catch((e: unknown) => e);
    expect(other).toMatchObject({
      code: 'AIRLOCK_ERR_IO',
      message: expect.stringMatching(/permission denied/),
    });
    // The auditor, once granted read: verifies with the key, lists only what it may read, writes nothing.
    pg.psql(
      'GRANT USAGE ON SCHEMA least_a TO auditor; GRANT SELECT ON ALL TABLES IN SCHEMA least_a TO auditor;',
    );
    const reader = await PostgresStore.open(as('auditor'), {
      hmacKey: KEY,
      schema: 'least_a',
      readonly: true,
    });
    expect(await reader.verifyLog()).toMatchObject({ ok: true, rows: 3, windows: 1 });
    await reader.close();
    expect(await postgresBoxes(as('auditor'))).toEqual(['least_a']);
    const writer = await PostgresStore.open(as('auditor'), { hmacKey: KEY, schema: 'least_a' }).catch(
      (e: unknown) => e,
    );
    expect(writer).toMatchObject({
      code: 'AIRLOCK_ERR_IO',
      message: expect.stringMatching(/permission denied/),
    });
    expect(pg.psql('SELECT count(*) FROM least_a.event_log').trim()).toBe('3');
  });

  it('the gateway’s log thread keeps the order batches were sent in over PostgreSQL too', async () => {
    // The compiled worker (dist/, built by the global setup): a worker thread loads JavaScript.
    const root = join(import.meta.dirname, '../..');
    const m = await import(pathToFileURL(join(root, 'dist/store/log-thread.js')).href);
    const url = pg.url();
    const main = await PostgresStore.open(url, { hmacKey: KEY, schema: 'thread' });
    const sink = new m.LogThread({ path: 'thread', key: KEY, postgres: { url, schema: 'thread' } }) as {
      appendBatch(rows: DnsLogRow[]): Promise<{ seq: number; mac: string } | undefined>;
      close(): Promise<void>;
    };
    const batches = [0, 1, 2, 3, 4, 5].map((b) => Array.from({ length: 50 }, (_, i) => row(b * 50 + i + 1)));
    // Sent without waiting: each append waits on the server, and still the thread keeps their order.
    const heads = await Promise.all(batches.map((b) => sink.appendBatch(b)));
    await sink.close();
    expect(heads.map((h) => h?.seq)).toEqual([50, 100, 150, 200, 250, 300]);
    expect((await main.logRows(0, 1000)).map((r) => r.row)).toEqual(batches.flat());
    expect(await main.verifyLog(heads.at(-1))).toMatchObject({ ok: true, rows: 300 });
    await main.close();
  });
});

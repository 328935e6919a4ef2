/**
 * The log's append rate in each store, as the gateway's log thread drives it (batches of 64
 * connection rows, each batch one transaction), and a full verify after, on the built dist/:
 *
 *   node scripts/bench/store-append.mjs [POSTGRES_URL]
 *
 * SQLite in a temp folder always; PostgreSQL when a URL is given (a fresh schema, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../../dist/store/postgres.js';
import { SqliteStore } from '../../dist/store/sqlite.js';

const key = new Uint8Array(32).fill(1);
const BATCH = 64;
const BATCHES = 300;
const row = (i) => ({
  kind: 'connection',
  tsMs: 1_795_587_108_607 + i,
  client: '192.168.4.20:33238',
  destination: 'mydjiflight.dji.com',
  name: 'mydjiflight.dji.com',
  ip: '198.18.0.1',
  port: 443,
  proto: 'tcp',
  mode: 'one-way',
  verdict: 'allow',
  reason: 'allowlisted',
  bytesUp: 517,
  bytesDown: 4096,
  endMs: 1_795_587_108_700 + i,
});

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-store-'));
const schema = `bench_${process.pid}`;
const stores = [['sqlite', new SqliteStore(join(dir, 'bench.sqlite'), { hmacKey: key })]];
if (process.argv[2])
  stores.push(['postgres', await PostgresStore.open(process.argv[2], { hmacKey: key, schema })]);
for (const [name, s] of stores) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let b = 0; b < BATCHES; b++)
    await s.appendLogs(Array.from({ length: BATCH }, (_, i) => row(b * BATCH + i)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const v0 = performance.now();
  const v = await s.verifyLog();
  const vms = performance.now() - v0;
  const n = BATCH * BATCHES;
  console.log(
    `${name}: ${Math.round((n / ms) * 1000)} rows/s appended (batches of ${BATCH}), ${((cpu.user + cpu.system) / n).toFixed(1)} µs of this process's CPU a row; verify ${v.rows} rows in ${vms.toFixed(0)} ms`,
  );
  await s.close();
}
if (process.argv[2]) {
  const pg = (await import('pg')).default;
  const c = new pg.Client(process.argv[2]);
  await c.connect();
  await c.query(`DROP SCHEMA "${schema}" CASCADE`);
  await c.end();
}
rmSync(dir, { recursive: true, force: true });

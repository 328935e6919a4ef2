// The dashboard benchmark: a gateway record of BENCH_SERVE_ROWS rows (default 1,000,000; a mix of
// allowed, refused and cut connections over 300 destinations and 7 tablets, DNS refusals, long
// tunnels' interim rows) written through the store as the gateway writes it, then
//  - Airlock's overview of the whole window (/api/summary.json: every row read and summed), of
//    the last hour, the event log's first page, and a text search that matches one row in 300;
//  - the peer: what an analyst runs by hand on the same database, `sqlite3` with json_extract
//    summing connections and bytes per destination over the same window (less than the overview
//    computes: no hours, clients, reasons or DNS).
// Median of 3, after a warm-up; Airlock's peak RSS (GNU time %M). Prints markdown.
// With BENCH_SERVE_POSTGRES_URL (a fleet's database, e.g. postgresql://postgres@/fleet?host=/run/postgresql),
// the same again with the record in PostgreSQL (schema bench_serve, made afresh), against `psql`
// summing the same with ->> over the same rows.
// Installs sqlite3 and time with apt-get when missing (root).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianTools } from './bench/debian-tools.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.env.BENCH_SERVE_ROWS ?? 1_000_000);
const DIR = join(ROOT, '.bench', 'serve');
const RUNS = 3;
const SPACING_MS = 50;
const PG_URL = process.env.BENCH_SERVE_POSTGRES_URL;
const PG_SCHEMA = 'bench_serve';

/** The policy's store settings, as JavaScript source: SQLite in DIR, or the PostgreSQL schema. */
const storeOf = (pg) =>
  `{ ...defaultPolicy().store${pg ? `, postgresUrl: ${JSON.stringify(PG_URL)}, postgresSchema: '${PG_SCHEMA}'` : ''} }`;

function ensureTools() {
  ensureDebianTools([
    ['sqlite3', 'sqlite3'],
    ['/usr/bin/time', 'time'],
  ]);
}

/** The record, written in batches through the store (the chain and its MACs as the gateway makes them). */
const WRITER = (pg) => `
const { openRecord } = await import(${JSON.stringify(join(ROOT, 'dist/gateway/record/open.js'))});
const { defaultPolicy } = await import(${JSON.stringify(join(ROOT, 'dist/policy/defaults.js'))});
const rec = await openRecord(${storeOf(pg)}, ${JSON.stringify(DIR)}, 'create');
const N = ${ROWS}, now = Date.now();
for (let b = 0; b < N; b += 10000) {
  const rows = [];
  for (let i = b; i < Math.min(N, b + 10000); i++) {
    const tsMs = now - (N - i) * ${SPACING_MS};
    if (i % 50 === 7) { rows.push({ kind: 'dns', tsMs, client: '10.0.0.' + (i % 7), qname: 'q' + i + '.tunnel.example', qtype: 'A', mode: 'one-way', verdict: 'block', reason: 'not-allowlisted' }); continue; }
    const refused = i % 10 === 0;
    const row = { kind: 'connection', tsMs, client: '10.0.0.' + (i % 7) + ':' + (40000 + (i % 5000)), destination: 'd' + (i % 300) + '.example', ip: '198.18.' + (i % 200) + '.1', port: 443, proto: 'tcp', mode: 'one-way', verdict: refused ? 'block' : 'allow', reason: refused ? 'not-allowlisted' : 'allowlisted', bytesUp: refused ? 0 : 600 + (i % 900), bytesDown: refused ? 0 : 20000 + (i % 50000) };
    if (i % 97 === 0) row.open = true; else row.endMs = tsMs + 40;
    if (i % 211 === 0 && !refused) row.cut = 'connection-budget';
    rows.push(row);
  }
  await rec.store.appendLogs(rows);
}
await rec.store.close();
`;

/** Airlock's reads, in one process: each route's median time, printed as JSON. */
const READER = (pg) => `
const { openRecord } = await import(${JSON.stringify(join(ROOT, 'dist/gateway/record/open.js'))});
const { defaultPolicy } = await import(${JSON.stringify(join(ROOT, 'dist/policy/defaults.js'))});
const { recordView } = await import(${JSON.stringify(join(ROOT, 'dist/web/record-view.js'))});
const { Dashboard } = await import(${JSON.stringify(join(ROOT, 'dist/web/routes.js'))});
const rec = await openRecord(${storeOf(pg)}, ${JSON.stringify(DIR)}, 'read');
const d = new Dashboard({ record: recordView(rec), storePath: rec.paths.sqlite });
const out = {};
for (const path of ['/api/summary.json?since=30d', '/api/summary.json?since=1h', '/log', '/api/log.json?q=d17.example']) {
  const times = [];
  for (let i = 0; i <= ${RUNS}; i++) {
    const t0 = performance.now();
    const r = await d.handle(path);
    if (r.status !== 200) throw new Error(path + ': ' + r.status + ' ' + r.body.slice(0, 200));
    if (i > 0) times.push(performance.now() - t0);
  }
  out[path] = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
await rec.store.close();
console.log(JSON.stringify(out));
`;

const PEER_SQL = (sinceMs) =>
  `SELECT json_extract(body,'$.destination') AS d,
     sum(json_extract(body,'$.verdict') = 'allow'), sum(json_extract(body,'$.verdict') = 'block'),
     sum(json_extract(body,'$.bytesUp')) AS up, sum(json_extract(body,'$.bytesDown'))
   FROM event_log WHERE kind = 'connection' AND json_extract(body,'$.open') IS NULL AND ts_ms >= ${sinceMs}
   GROUP BY d ORDER BY up DESC;`;

/** The same sum in PostgreSQL's dialect (->> for json_extract). */
const PEER_PG_SQL = (sinceMs) =>
  `SELECT body::json->>'destination' AS d,
     sum((body::json->>'verdict' = 'allow')::int), sum((body::json->>'verdict' = 'block')::int),
     sum((body::json->>'bytesUp')::bigint) AS up, sum((body::json->>'bytesDown')::bigint)
   FROM ${PG_SCHEMA}.event_log WHERE kind = 'connection' AND body::json->>'open' IS NULL AND ts_ms >= ${sinceMs}
   GROUP BY d ORDER BY up DESC;`;

function peer(pg) {
  const times = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const since = Date.now() - 30 * 86_400_000;
    if (pg)
      execFileSync('psql', ['-X', '-A', '-t', '-q', PG_URL, '-c', PEER_PG_SQL(since)], {
        maxBuffer: 64 << 20,
      });
    else
      execFileSync('sqlite3', ['-readonly', join(DIR, 'airlock.sqlite'), PEER_SQL(since)], {
        maxBuffer: 64 << 20,
      });
    if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

ensureTools();
if (!existsSync(join(ROOT, 'dist/web/routes.js')))
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
const ms = (x) => `${Math.round(x).toLocaleString('en-US')} ms`;
for (const pg of PG_URL ? [false, true] : [false]) {
  if (pg) execFileSync('psql', ['-X', '-q', PG_URL, '-c', `DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`]);
  const t0 = Date.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', WRITER(pg)], { stdio: 'inherit' });
  const writeS = (Date.now() - t0) / 1000;
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, '--input-type=module', '-e', READER(pg)],
    {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`reader failed: ${r.stderr}`);
  const airlock = JSON.parse(r.stdout.trim().split('\n').pop());
  const rssMb = Number(r.stderr.trim().split('\n').pop()) / 1024;
  const other = peer(pg);
  const peerName = pg ? '`psql` ->> per destination' : '`sqlite3` json_extract per destination';
  console.log(
    `\nDashboard over ${ROWS.toLocaleString('en-US')} log rows in ${pg ? 'PostgreSQL' : 'SQLite'} (written through the store in ${writeS.toFixed(1)} s), median of ${RUNS}:\n`,
  );
  console.log(`| read | Airlock | ${peerName} |`);
  console.log('|---|---:|---:|');
  console.log(
    `| the whole window summed (overview, 30d) | ${ms(airlock['/api/summary.json?since=30d'])} (${(airlock['/api/summary.json?since=30d'] / other).toFixed(2)}×) | ${ms(other)} |`,
  );
  console.log(`| the last hour summed | ${ms(airlock['/api/summary.json?since=1h'])} | |`);
  console.log(`| the event log's first page (200 rows, links checked) | ${ms(airlock['/log'])} | |`);
  console.log(
    `| a search matching 1 row in 300 (first 200 matches) | ${ms(airlock['/api/log.json?q=d17.example'])} | |`,
  );
  console.log(`\nAirlock's peak RSS: ${rssMb.toFixed(0)} MB.`);
}

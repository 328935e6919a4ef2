/**
 * The dashboard's routes on request targets a hostile page could make a browser send: random
 * paths, query parameters, percent escapes, markup. Every answer is a page or a JSON error with a
 * 2xx/4xx status (never a 500, never a throw), and whatever of the target comes back in a page is
 * escaped: the marker `<x-airlock>` never appears as markup.
 *
 * Reproduce: AIRLOCK_FUZZ_SEED=<seed> AIRLOCK_FUZZ_CASES=<n> npx vitest run test/fuzz/web-routes
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRecord } from '../../src/gateway/record/open.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { recordView } from '../../src/web/record-view.js';
import { Dashboard } from '../../src/web/routes.js';
import { prng, rngOf, runSeed } from '../helpers/prng.js';

const CASES = Number(process.env.AIRLOCK_FUZZ_CASES ?? 600);
const MARK = '<x-airlock>';
const dir = mkdtempSync(join(tmpdir(), 'airlock-web-fuzz-'));
let rec: Awaited<ReturnType<typeof openRecord>>;
let dashboard: Dashboard;

beforeAll(async () => {
  rec = await openRecord(defaultPolicy().store, dir, 'create');
  const now = Date.now();
  // Rows whose fields carry the marker too: a value from the log is input as much as the URL.
  const row = (i: number): ConnectionLogRow => ({
    kind: 'connection',
    tsMs: now - i * 60_000,
    client: `10.0.0.${i % 3}:${40000 + i}`,
    destination: i % 5 === 0 ? `${MARK}.example` : `d${i}.example`,
    ip: '198.18.0.1',
    port: 443,
    proto: 'tcp',
    mode: 'one-way',
    verdict: i % 4 === 0 ? 'block' : 'allow',
    reason: i % 4 === 0 ? 'not-allowlisted' : 'allowlisted',
    bytesUp: i * 10,
    bytesDown: i * 100,
    ...(i % 7 === 0 ? { request: `GET /${MARK} HTTP/1.1` } : {}),
  });
  await rec.store.appendLogs(Array.from({ length: 300 }, (_, i) => row(i)));
  await rec.store.close();
  rec = await openRecord(defaultPolicy().store, dir, 'read');
  mkdirSync(join(dir, 'reports'));
  writeFileSync(join(dir, 'reports', `${MARK}.json`), '{"schema":"airlock.inspect/1"');
  dashboard = new Dashboard({
    record: recordView(rec),
    storePath: rec.paths.sqlite,
    reportsDir: join(dir, 'reports'),
  });
});

afterAll(async () => {
  await rec?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

const PATHS = [
  '/',
  '/log',
  '/verify',
  '/reports/',
  '/reports/',
  '/api/summary.json',
  '/api/log.json',
  '/api/verify.json',
];
const KEYS = ['since', 'until', 'kind', 'verdict', 'q', 'damaged', 'before', 'page', ''];
const VALUES = [
  MARK,
  `"${MARK}'`,
  '24h',
  '7d',
  '999999999d',
  '2026-11-24',
  '2026-13-45T99:99',
  'dns',
  'block',
  '1',
  '-1',
  '99999999999999999999',
  '%',
  '%E0%A4%A',
  '%00',
  '../../etc/passwd',
  'd1.example',
  '',
];

function target(r: ReturnType<typeof rngOf>): string {
  let path = r.pick(PATHS);
  if (path === '/reports/' && r.int(2) === 0)
    path += r.pick([
      encodeURIComponent(MARK),
      '..%2F..%2Fetc%2Fpasswd',
      `${encodeURIComponent(MARK)}.json`,
      '%',
    ]);
  if (r.int(6) === 0) path += r.pick([MARK, encodeURIComponent(MARK), '/x', '%ZZ']);
  const n = r.int(4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = r.pick(VALUES);
    parts.push(`${r.pick(KEYS)}=${r.int(3) === 0 ? v : encodeURIComponent(v)}`);
  }
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

it(
  `answers ${CASES} hostile targets without a 500, reflecting nothing unescaped`,
  async () => {
    const seed = runSeed();
    const r = rngOf(prng(seed));
    const seen = new Set<number>();
    for (let c = 0; c < CASES; c++) {
      const t = target(r);
      const res = await dashboard.handle(t);
      seen.add(res.status);
      expect([200, 400, 404, 409, 413, 422], `seed ${seed} case ${c}: ${t}`).toContain(res.status);
      expect(res.body.length, t).toBeGreaterThan(0);
      if (res.type.startsWith('text/html'))
        expect(res.body, `seed ${seed} case ${c}: ${t}`).not.toContain(MARK);
      else if (res.type.startsWith('application/json')) expect(() => JSON.parse(res.body), t).not.toThrow();
    }
    // The run reached pages, refusals and missing things alike.
    expect([...seen]).toEqual(expect.arrayContaining([200, 400, 404]));
    // As the fuzz harnesses: `npm run fuzz`'s 50,000 cases must not be cut off.
  },
  30 * 60_000,
);

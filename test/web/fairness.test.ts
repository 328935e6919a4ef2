/**
 * A page load that sums a big window must not hold the dashboard's other requests: the SQLite
 * store answers at once, so the tally would otherwise run from its first page to its last before
 * the server reads another request (window-tally.ts reads page by page and lets the event loop turn
 * between pages). Over real HTTP, as a second browser tab would ask: a request sent while the
 * overview of 150,000 rows is being summed is answered before that overview is. The same for
 * `/verify`, which checks the whole chain (sqlite.ts verifyLog pages it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeAnchor } from '../../src/gateway/record/anchor.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { recordView } from '../../src/web/record-view.js';
import { Dashboard } from '../../src/web/routes.js';
import { startDashboardServer } from '../../src/web/server.js';

const ROWS = 150_000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-fair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (port: number, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const q = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}` } }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    });
    q.on('error', reject);
    q.end();
  });

/** The record of ROWS connection rows, made once for both tests. */
let made: Promise<Awaited<ReturnType<typeof openRecord>>> | undefined;
const record = () => {
  made ??= fill();
  return made;
};
afterAll(async () => {
  await (await made)?.store.close();
});

async function fill() {
  const rec = await openRecord(defaultPolicy().store, dir, 'create');
  const now = Date.now();
  for (let b = 0; b < ROWS; b += 10_000) {
    const rows: ConnectionLogRow[] = [];
    for (let i = b; i < b + 10_000; i++)
      rows.push({
        kind: 'connection',
        tsMs: now - (ROWS - i) * 10,
        client: `10.0.0.${i % 7}:${40000 + (i % 5000)}`,
        destination: `d${i % 300}.example`,
        ip: '198.18.0.1',
        port: 443,
        proto: 'tcp',
        mode: 'one-way',
        verdict: 'allow',
        reason: 'allowlisted',
        bytesUp: 600,
        bytesDown: 20_000,
        endMs: now - (ROWS - i) * 10 + 40,
      });
    await rec.store.appendLogs(rows);
  }
  // Anchored, as the gateway leaves it: /verify then checks the whole chain and passes (200).
  const head = (await rec.store.logHead())!;
  writeAnchor(rec.paths.anchor, { ...head, tsMs: now });
  return rec;
}

/**
 * Sends `slow`; once `method` of the store has been entered, sends a request for a page that does
 * not exist; which one was answered first.
 */
async function race(slow: string, method: 'logBodies' | 'verifyLog'): Promise<string[]> {
  const rec = await record();
  // Told when the overview has read its first page: the other request is sent from then on.
  let firstPage: () => void = () => {};
  const started = new Promise<void>((r) => {
    firstPage = r;
  });
  const store = rec.store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const real = store[method]!.bind(rec.store);
  store[method] = (...a: unknown[]) => {
    firstPage();
    return real(...a);
  };
  const server = await startDashboardServer(
    new Dashboard({ record: recordView(rec), storePath: rec.paths.sqlite }),
    { host: '127.0.0.1', port: 0 },
  );
  try {
    const done: string[] = [];
    const first = get(server.address.port, slow).then((s) => {
      done.push('slow');
      return s;
    });
    await started;
    const other = await get(server.address.port, '/no-such-page');
    done.push('other');
    expect(await first).toBe(200);
    expect(other).toBe(404);
    return done;
  } finally {
    store[method] = real;
    await server.close();
  }
}

it('answers another request while a 150,000-row overview is summed', async () => {
  expect(await race('/api/summary.json?since=7d', 'logBodies')).toEqual(['other', 'slow']);
}, 60_000);

it('answers another request while the chain of 150,000 rows is verified', async () => {
  expect(await race('/verify', 'verifyLog')).toEqual(['other', 'slow']);
}, 60_000);

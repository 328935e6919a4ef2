/**
 * A window's earlier authentic state put back in the database must not open it again after a
 * gateway restart. A running gateway keeps the earliest end it saw of each window; a new process
 * has seen nothing, so only the chain can say the window was ended: the gateway applies a window
 * only when it is what its latest chained `unlock` row records (store/window-mac.ts), and says
 * and counts one that is not (`chain-mismatch`).
 *
 * As in unlock-auth.test.ts: the upload goes through the proxy to up.test, allowlisted with a
 * small per-connection budget, served on port 80 of an address of its own (root, as the suite
 * runs); the database is written with Debian's sqlite3 shell, as someone without the key would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/gateway.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { startLoopbackGateway } from './proxy-fixture.js';
import {
  BUDGET,
  cli,
  curlUpload,
  ignoredMetric,
  polled,
  resolveUpTest,
  sqlite3,
  startUploadServer,
  UPLOAD,
  unlockUpTest,
  writeUploadSetup,
} from './unlock-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-unlock-restart-'));
const UP_ADDRESS = '127.0.5.81';
const said: string[] = [];
let policyFile: string;
let received: number[];
let server: Server;
let gw: RunningGateway | undefined;
let rec: Awaited<ReturnType<typeof openRecord>> | undefined;

/** Opens the store and starts the gateway on it: what a restart does. */
async function start(): Promise<RunningGateway> {
  const policy = loadPolicyFile(policyFile);
  rec = await openRecord(policy.store, dir, 'create');
  gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
    resolve: resolveUpTest(UP_ADDRESS),
    windowPollMs: 100,
    say: (l) => said.push(l),
  });
  return gw;
}

async function stop(): Promise<void> {
  await gw?.close();
  await rec?.store.close();
  gw = undefined;
  rec = undefined;
}

beforeAll(async () => {
  policyFile = writeUploadSetup(dir);
  ({ server, received } = await startUploadServer(UP_ADDRESS));
  await start();
}, 60_000);

afterAll(async () => {
  await stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sqlite3 shell on the gateway's database, as someone with write access to it. */
const sql = (stmt: string): string => sqlite3(join(dir, 'airlock.sqlite'), stmt);
const upload = () => curlUpload(gw!.proxy.port, dir, received);
const unlock = (reason: string) => unlockUpTest(policyFile, reason);
const metric = (problem: string) => ignoredMetric(gw!.admin.port, problem);

describe('a relocked window put back as it was before, then the gateway restarted', () => {
  let id = 0;
  /** The window's until_ms and MAC while open, and once relocked. */
  let open: string[] = [];
  let ended: string[] = [];
  const state = () => sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`).split(' ');

  it('opens the host while unlocked, and cuts the upload once relocked', async () => {
    id = await unlock('flight records for job 9');
    open = state();
    await polled();
    expect(await upload()).toBe(UPLOAD);
    expect((await cli('gateway', 'relock', String(id), '--policy', policyFile)).code).toBe(0);
    ended = state();
    expect(ended[0]).not.toBe(open[0]);
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
  });

  it('stays shut after the restart: the window is not what its latest chained row says (said once, counted)', async () => {
    await stop();
    // An earlier authentic state: its MAC checks, only the chain knows it was ended since.
    sql(`UPDATE unlock_windows SET until_ms = ${open[0]}, mac = '${open[1]}' WHERE id = ${id}`);
    said.length = 0;
    await start();
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    await polled();
    const lines = said.filter((l) => l.startsWith(`unlock window ${id} (up.test) ignored:`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/not what its latest chained unlock row \(seq \d+\) says: until_ms/);
    expect(await metric('chain-mismatch')).toBe(1);
    expect(await metric('bad-mac')).toBe(0);
  });

  it('a window opened after the restart still applies, and the ended state put back is counted no more', async () => {
    sql(`UPDATE unlock_windows SET until_ms = ${ended[0]}, mac = '${ended[1]}' WHERE id = ${id}`);
    const fresh = await unlock('flight records for job 10');
    expect(fresh).toBeGreaterThan(id);
    await polled();
    expect(await upload()).toBe(UPLOAD);
    expect(await metric('chain-mismatch')).toBe(0);
  });
});

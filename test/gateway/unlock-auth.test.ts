/**
 * Unlock windows must be authenticated by the HMAC key before a running gateway applies them
 * (issue 5): whoever can write the database but not read the key — exactly whom the key defends
 * against — inserts a window with Debian's sqlite3 shell, and one-way still cuts the upload; a
 * window opened with `airlock gateway unlock` lets it through; editing that window's until_ms,
 * or putting back its state from before it was ended early (not what its latest chained row
 * says), stops it applying; `log verify` fails naming each window.
 *
 * The upload goes through the proxy to up.test, allowlisted with a small per-connection budget,
 * served on port 80 (what a window opens) of an address of its own (root, as the suite runs).
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

const dir = mkdtempSync(join(tmpdir(), 'airlock-unlock-auth-'));
const UP_ADDRESS = '127.0.5.80';
const said: string[] = [];
let policyFile: string;
/** Body bytes the server received, per request, in order. */
let received: number[];
let server: Server;
let gw: RunningGateway;
let rec: Awaited<ReturnType<typeof openRecord>>;

beforeAll(async () => {
  policyFile = writeUploadSetup(dir);
  ({ server, received } = await startUploadServer(UP_ADDRESS));
  const policy = loadPolicyFile(policyFile);
  rec = await openRecord(policy.store, dir, 'create');
  gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
    resolve: resolveUpTest(UP_ADDRESS),
    windowPollMs: 100,
    say: (l) => said.push(l),
  });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await rec?.store.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sqlite3 shell on the gateway's database, as someone with write access to it. */
const sql = (stmt: string): string => sqlite3(rec.paths.sqlite, stmt);
const upload = () => curlUpload(gw.proxy.port, dir, received);
const unlock = () => unlockUpTest(policyFile, 'flight records for job 8');
const metric = (problem: string) => ignoredMetric(gw.admin.port, problem);

const verify = () => cli('log', 'verify', '--policy', policyFile, '--without-anchor');

let forgedIds: number[] = [];
let realId = 0;
let rolledBackId = 0;
/** That window's until_ms and MAC once ended: the state the chain records last. */
let endedState: string[] = [];

describe('unlock windows in a running gateway (one-way)', () => {
  it('a window inserted with the sqlite3 shell (no MAC, or a made-up one) lets nothing more through, and is said once', async () => {
    // Without a window, the upload is cut at the budget.
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    const now = Date.now();
    const values = `'up.test', ${now - 1000}, ${now + 600_000}, 'forged', ${now}, 'ops'`;
    sql(
      `INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by) VALUES (${values})`,
    );
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    sql(
      `INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms, created_by, mac) VALUES (${values}, '${'ab'.repeat(32)}')`,
    );
    forgedIds = sql("SELECT id FROM unlock_windows WHERE reason = 'forged' ORDER BY id")
      .split('\n')
      .map(Number);
    expect(forgedIds).toHaveLength(2);
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    await polled();
    const [noMac, badMac] = forgedIds;
    expect(
      said.filter((l) => l.startsWith(`unlock window ${noMac} (up.test) ignored: it has no MAC`)),
    ).toHaveLength(1);
    expect(
      said.filter((l) =>
        l.startsWith(`unlock window ${badMac} (up.test) ignored: its MAC does not authenticate it`),
      ),
    ).toHaveLength(1);
    expect(await metric('no-mac')).toBe(1);
    expect(await metric('bad-mac')).toBe(1);
    const rows = (await rec.store.logRows(0, 100_000)).map((r) => r.row);
    expect(rows.some((r) => r.kind === 'connection' && r.reason === 'unlock-window')).toBe(false);
  });

  it('a window opened with `airlock gateway unlock` lets the whole upload through', async () => {
    realId = await unlock();
    // Recorded by the store with its MAC and, in the same transaction, its chained row.
    expect(await rec.store.unlockWindowsChecked()).toContainEqual(
      expect.objectContaining({ window: expect.objectContaining({ id: realId }), auth: 'ok' }),
    );
    await polled();
    expect(await upload()).toBe(UPLOAD);
    await gw.flushLog();
    const rows = (await rec.store.logRows(0, 100_000)).map((r) => r.row);
    expect(rows).toContainEqual(expect.objectContaining({ kind: 'unlock', windowId: realId }));
    expect(
      rows.some(
        (r) =>
          r.kind === 'connection' &&
          r.reason === 'unlock-window' &&
          r.bytesUp >= UPLOAD &&
          r.cut === undefined,
      ),
    ).toBe(true);
  });

  it("editing the real window's until_ms makes it stop applying (said, counted)", async () => {
    sql(`UPDATE unlock_windows SET until_ms = until_ms + 3600000 WHERE id = ${realId}`);
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    expect(
      said.some((l) =>
        l.startsWith(`unlock window ${realId} (up.test) ignored: its MAC does not authenticate it`),
      ),
    ).toBe(true);
    expect(await metric('bad-mac')).toBe(2);
    sql(`UPDATE unlock_windows SET until_ms = until_ms - 3600000 WHERE id = ${realId}`);
    await polled();
    expect(await upload()).toBe(UPLOAD);
  });

  it('`airlock gateway relock ID` ends the window: the next upload is cut, the end is chained', async () => {
    const r = await cli('gateway', 'relock', String(realId), '--policy', policyFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^unlock window ${realId}: up\\.test ended at \\d{4}-`));
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    await gw.flushLog();
    const rows = (await rec.store.logRows(0, 100_000)).map((x) => x.row);
    expect(rows).toContainEqual(expect.objectContaining({ kind: 'unlock', windowId: realId, ended: true }));
    // Again: nothing to end; a window that does not exist, or a forged one, is refused.
    expect((await cli('gateway', 'relock', String(realId), '--policy', policyFile)).out).toMatch(
      /had already ended .*nothing changed/,
    );
    expect((await cli('gateway', 'relock', '99999', '--policy', policyFile)).code).toBe(64);
    expect((await cli('gateway', 'relock', String(forgedIds[1]), '--policy', policyFile)).code).not.toBe(0);
  });

  it('a window ended early stays ended when its earlier state (until_ms and MAC) is put back', async () => {
    const id = await unlock();
    rolledBackId = id;
    const state = () => sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`).split(' ');
    const before = state();
    // The real window would open the host on its own: end it first, as this test is about the other.
    expect(await rec.store.endUnlockWindow(realId, Date.now())).toBe(true);
    expect(await rec.store.endUnlockWindow(id, Date.now())).toBe(true);
    endedState = state();
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    sql(`UPDATE unlock_windows SET until_ms = ${before[0]}, mac = '${before[1]}' WHERE id = ${id}`);
    await polled();
    expect(await upload()).toBeLessThanOrEqual(BUDGET);
    // Its MAC checks; the chain's latest row for it (the end) says otherwise: said, and counted.
    expect(
      said.some((l) =>
        l.startsWith(`unlock window ${id} (up.test) ignored: it is not what its latest chained unlock row`),
      ),
    ).toBe(true);
    expect(await metric('chain-mismatch')).toBe(1);
  });
});

describe('log verify on the same store', () => {
  it('fails on each forged, edited or rolled-back window naming its id, and passes once they are gone', async () => {
    await gw.close();
    const first = await verify();
    expect(first.code).toBe(1);
    expect(first.out).toMatch(
      new RegExp(`^FAILED: window-mismatch: unlock window ${forgedIds[0]} \\(up\\.test\\) has no MAC`),
    );
    sql(`DELETE FROM unlock_windows WHERE id = ${forgedIds[0]}`);
    expect((await verify()).out).toMatch(
      new RegExp(
        `^FAILED: window-mismatch: unlock window ${forgedIds[1]} \\(up\\.test\\) does not authenticate`,
      ),
    );
    sql(`DELETE FROM unlock_windows WHERE id = ${forgedIds[1]}`);
    // The window put back as it was before it was ended: authentic on its own, not what the chain says.
    expect((await verify()).out).toMatch(
      new RegExp(
        `^FAILED: window-mismatch: unlock window ${rolledBackId} \\(up\\.test\\) is not what its latest chained unlock row \\(seq \\d+\\) says: until_ms`,
      ),
    );
    sql(
      `UPDATE unlock_windows SET until_ms = ${endedState[0]}, mac = '${endedState[1]}' WHERE id = ${rolledBackId}`,
    );
    // The real window, edited and edited back, then ended by the store: as the chain says.
    const ok = await verify();
    expect(ok.out).toMatch(/^ok: \d+ rows, 2 unlock windows, head /);
    expect(ok.code).toBe(0);
    // A window the chain records, deleted from the table.
    sql(`DELETE FROM unlock_windows WHERE id = ${rolledBackId}`);
    expect((await verify()).out).toMatch(
      new RegExp(
        `^FAILED: window-mismatch: unlock window ${rolledBackId} \\(up\\.test\\), recorded at seq \\d+, is missing`,
      ),
    );
  });
});

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
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunningGateway } from '../../src/gateway/gateway.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-unlock-restart-'));
const policyFile = join(dir, 'airlock.yaml');
const UP_ADDRESS = '127.0.5.81';
const BUDGET = 4096;
const UPLOAD = 50_000;
const said: string[] = [];
const received: number[] = [];
let server: Server;
let gw: RunningGateway | undefined;
let rec: ReturnType<typeof openRecord> | undefined;

/** Opens the store and starts the gateway on it: what a restart does. */
async function start(): Promise<RunningGateway> {
  const policy = loadPolicyFile(policyFile);
  rec = openRecord(policy.store, dir, { create: true });
  gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
    resolve: async (host) => {
      if (host !== 'up.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [UP_ADDRESS];
    },
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
  writeFileSync(
    policyFile,
    `network:
  mode: one-way
  allow:
    - host: up.test
      budget: {upstreamBytesPerConnection: ${BUDGET}}
  allowedPrivateCidrs: ['127.0.0.0/8']
store:
  groupCommitMs: 10
`,
  );
  writeFileSync(join(dir, 'upload.bin'), randomBytes(UPLOAD));
  server = createServer((req, res) => {
    const i = received.push(0) - 1;
    req.on('data', (d: Buffer) => {
      received[i]! += d.length;
    });
    req.on('end', () => res.end('stored\n'));
    req.on('error', () => {});
  });
  await new Promise<void>((res) => server.listen(80, UP_ADDRESS, res));
  await start();
}, 60_000);

afterAll(async () => {
  await stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Debian's sqlite3 shell on the gateway's database, as someone with write access to it. */
const sql = (stmt: string): string =>
  execFileSync('/usr/bin/sqlite3', ['-cmd', '.timeout 5000', join(dir, 'airlock.sqlite'), stmt])
    .toString()
    .trim();

/** POSTs the upload through the running gateway with curl: the body bytes the server received. */
function upload(): Promise<number> {
  const before = received.length;
  return new Promise((resolve) => {
    const p = spawn('/usr/bin/curl', [
      '-sS',
      '--max-time',
      '10',
      '-x',
      `http://127.0.0.1:${gw!.proxy.port}`,
      '-H',
      'Expect:',
      '--data-binary',
      `@${join(dir, 'upload.bin')}`,
      'http://up.test/flight-records',
    ]);
    p.stdout.resume();
    p.stderr.resume();
    p.on('close', async () => {
      // The server may see the cut connection's last bytes just after curl gives up.
      await new Promise((res) => setTimeout(res, 200));
      resolve(received.slice(before).reduce((a, n) => a + n, 0));
    });
  });
}

/** Two polls of the store: the gateway has read the windows as they are now. */
const polled = () => new Promise((res) => setTimeout(res, 400));

/** The CLI in this process: its exit code and stdout. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    return { code: await main(['node', 'airlock', ...args]), out };
  } finally {
    spy.mockRestore();
  }
}

async function unlock(reason: string): Promise<number> {
  const r = await cli(
    'gateway',
    'unlock',
    'up.test',
    '--for',
    '10m',
    '--reason',
    reason,
    '--policy',
    policyFile,
  );
  expect(r.code).toBe(0);
  return Number(/^unlock window (\d+):/.exec(r.out)![1]);
}

const metric = async (problem: string): Promise<number> => {
  const m = await (await fetch(`http://127.0.0.1:${gw!.admin.port}/metrics`)).text();
  return Number(
    new RegExp(`^airlock_gateway_unlock_windows_ignored\\{problem="${problem}"\\} (\\d+)$`, 'm').exec(m)?.[1],
  );
};

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

/**
 * What the unlock-window tests share (unlock-auth, unlock-restart): up.test, allowlisted in
 * one-way with a small per-connection budget, served on port 80 (what a window opens) of an
 * address of its own (root, as the suite runs); a 50,000-byte upload POSTed through the proxy with
 * Debian's curl; the database written with Debian's sqlite3 shell, as someone with write access
 * but no key would; the CLI run in this process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export const BUDGET = 4096;
export const UPLOAD = 50_000;

/** The policy file (one-way, up.test within BUDGET a connection) and the upload's body, in `dir`. */
export function writeUploadSetup(dir: string): string {
  const policyFile = join(dir, 'airlock.yaml');
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
  return policyFile;
}

/** The gateway's resolver for the test: up.test is `address`, every other name does not exist. */
export const resolveUpTest =
  (address: string) =>
  async (host: string): Promise<string[]> => {
    if (host !== 'up.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [address];
  };

/** The upload server on `address`:80; `received`: body bytes per request, in order. */
export async function startUploadServer(address: string): Promise<{ server: Server; received: number[] }> {
  const received: number[] = [];
  const server = createServer((req, res) => {
    const i = received.push(0) - 1;
    req.on('data', (d: Buffer) => {
      received[i]! += d.length;
    });
    req.on('end', () => res.end('stored\n'));
    req.on('error', () => {});
  });
  await new Promise<void>((res) => server.listen(80, address, res));
  return { server, received };
}

/** POSTs `dir`/upload.bin through the proxy on `proxyPort` with curl: the body bytes the server received. */
export function curlUpload(proxyPort: number, dir: string, received: readonly number[]): Promise<number> {
  const before = received.length;
  return new Promise((resolve) => {
    const p = spawn('/usr/bin/curl', [
      '-sS',
      '--max-time',
      '10',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
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

/** Debian's sqlite3 shell on the database at `path`. */
export const sqlite3 = (path: string, stmt: string): string =>
  execFileSync('/usr/bin/sqlite3', ['-cmd', '.timeout 5000', path, stmt]).toString().trim();

/** Two polls of the store (windowPollMs 100): the gateway has read the windows as they are now. */
export const polled = () => new Promise((res) => setTimeout(res, 400));

/** The CLI in this process (the gateway under test is here too): its exit code and stdout. */
export async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'airlock', ...args]);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

/** `airlock gateway unlock up.test --for 10m`: the window's number. */
export async function unlockUpTest(policyFile: string, reason: string): Promise<number> {
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

/** airlock_gateway_unlock_windows_ignored{problem} from the admin port's /metrics. */
export async function ignoredMetric(adminPort: number, problem: string): Promise<number> {
  const m = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return Number(
    new RegExp(`^airlock_gateway_unlock_windows_ignored\\{problem="${problem}"\\} (\\d+)$`, 'm').exec(m)?.[1],
  );
}

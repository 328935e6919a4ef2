/**
 * What a SIGKILL costs the record, under heavy traffic: the real CLI gateway takes thousands of
 * proxied HTTP requests and DNS queries from this process, is killed mid-load, and restarted.
 * Proved: `airlock log verify` passes on the chain that survived (and again after the restart
 * appended to it), and every request or query the client saw complete more than
 * LOSS_BOUND_MS before the kill is in the log. LOSS_BOUND_MS = groupCommitMs (50 ms, the
 * default) + COMMIT_SLACK_MS for the commit in progress and a busy event loop. The log is read
 * with Debian's sqlite3 shell, not with Airlock's reader.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.js';
import { proxiedGet, runCli, spawnGateway, udpQuery } from './load-harness.js';

const GROUP_COMMIT_MS = 50;
const COMMIT_SLACK_MS = 250;
const LOSS_BOUND_MS = GROUP_COMMIT_MS + COMMIT_SLACK_MS;
const HTTP_WORKERS = 32;
const DNS_WORKERS = 16;
/** The kill comes once this many operations completed (a few thousand, as the issue asks). */
const OPS_BEFORE_KILL = 3000;

const dirs: string[] = [];
let upstream: Server | undefined;
let pg: PgCluster | undefined;
afterAll(async () => {
  upstream?.close();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Done {
  key: string;
  doneMs: number;
}

/** One store under test: the policy's `store:` lines and how its rows are read without Airlock. */
interface StoreUnderTest {
  storeYaml: string;
  /** Each row as `kind|client|qname`, one a line. */
  dumpRows: (dir: string) => Promise<string>;
}

const SQLITE: StoreUnderTest = {
  storeYaml: '',
  dumpRows: async (dir) =>
    (
      await promisify(execFile)(
        'sqlite3',
        [
          join(dir, 'airlock.sqlite'),
          "SELECT kind, json_extract(body,'$.client'), json_extract(body,'$.qname') FROM event_log",
        ],
        { maxBuffer: 256 * 1024 * 1024 },
      )
    ).stdout,
};

/** A fleet's PostgreSQL database on a throwaway server, this box's schema `killed`. */
async function postgresStore(): Promise<StoreUnderTest> {
  pg = await startPgCluster();
  const url = pg.createDatabase('fleet');
  const server = pg;
  return {
    storeYaml: `  postgresUrl: '${url}'\n  postgresSchema: killed\n`,
    dumpRows: async () =>
      server.psql(
        "SELECT kind || '|' || coalesce(body::json->>'client', '') || '|' || coalesce(body::json->>'qname', '') FROM killed.event_log",
        'fleet',
      ),
  };
}

async function loggedKeys(store: StoreUnderTest, dir: string): Promise<{ keys: Set<string>; rows: number }> {
  const stdout = await store.dumpRows(dir);
  const keys = new Set<string>();
  let rows = 0;
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    rows++;
    const [kind, client, qname] = line.split('|');
    keys.add(kind === 'dns' ? `dns ${qname}` : `conn ${client}`);
  }
  return { keys, rows };
}

/** An upstream answering `ok`, shared by both runs; its port. */
async function upstreamPort(): Promise<number> {
  if (!upstream) {
    const s = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    upstream = s;
  }
  return (upstream.address() as AddressInfo).port;
}

async function killUnderLoad(name: string, store: StoreUnderTest): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-kill-'));
  dirs.push(dir);
  const policyFile = join(dir, 'airlock.yaml');
  const upPort = await upstreamPort();
  writeFileSync(
    policyFile,
    `network:
  mode: monitor
  allowedPrivateCidrs: ['127.0.0.0/8']
gateway:
  maxConnections: 4000
  maxConnectionsPerClient: 4000
store:
  groupCommitMs: ${GROUP_COMMIT_MS}
${store.storeYaml}`,
  );
  const gw = await spawnGateway(policyFile, dir);
  const done: Done[] = [];
  let running = true;
  let failures = 0;
  let q = 0;
  const httpWorker = async () => {
    while (running) {
      try {
        const r = await proxiedGet(gw.proxyPort, `http://127.0.0.1:${upPort}/x`);
        if (r.status === 200 && r.body === 'ok')
          done.push({ key: `conn 127.0.0.1:${r.localPort}`, doneMs: r.doneMs });
      } catch {
        failures++;
      }
    }
  };
  const dnsWorker = async () => {
    while (running) {
      const name = `q${++q}.sigkill.test`;
      try {
        const r = await udpQuery(gw.dnsPort, name, q & 0xffff);
        done.push({ key: `dns ${name}`, doneMs: r.doneMs });
      } catch {
        failures++;
      }
    }
  };
  const workers = [
    ...Array.from({ length: HTTP_WORKERS }, httpWorker),
    ...Array.from({ length: DNS_WORKERS }, dnsWorker),
  ];
  while (done.length < OPS_BEFORE_KILL) await new Promise((r) => setTimeout(r, 20));
  const killMs = Date.now();
  gw.proc.kill('SIGKILL');
  await gw.exited;
  running = false;
  await Promise.all(workers);

  // The chain as the kill left it verifies against the anchor written before the kill.
  const first = await runCli(['log', 'verify', '--policy', policyFile], dir);
  expect(first.stdout).toMatch(/^ok: \d+ rows/);
  expect(first.code).toBe(0);

  const { keys, rows } = await loggedKeys(store, dir);
  const completed = done.filter((d) => d.doneMs <= killMs);
  const missing = completed.filter((d) => !keys.has(d.key));
  const oldestMissingMs = missing.length === 0 ? 0 : killMs - Math.min(...missing.map((d) => d.doneMs));
  const early = missing.filter((d) => d.doneMs < killMs - LOSS_BOUND_MS);
  // The figures the stated bound rests on (the report quotes them).
  console.log(
    `sigkill (${name}): ${completed.length} ops completed before the kill (${failures} client errors), ${rows} rows survived, ` +
      `${missing.length} completed ops missing, the oldest completed ${oldestMissingMs} ms before the kill (bound ${LOSS_BOUND_MS} ms)`,
  );
  expect(completed.length).toBeGreaterThanOrEqual(OPS_BEFORE_KILL);
  expect(rows).toBeGreaterThan(completed.length / 2);
  expect(early.map((d) => `${d.key} ${killMs - d.doneMs} ms before the kill`)).toEqual([]);

  // Restarted on the same store: the chain goes on from the survived head and still verifies.
  const again = await spawnGateway(policyFile, dir);
  for (let i = 0; i < 20; i++) {
    expect((await proxiedGet(again.proxyPort, `http://127.0.0.1:${upPort}/y`)).status).toBe(200);
  }
  again.proc.kill('SIGTERM');
  expect(await again.exited).toBe(0);
  const second = await runCli(['log', 'verify', '--policy', policyFile], dir);
  expect(second.code).toBe(0);
  const after = Number(/^ok: (\d+) rows/.exec(second.stdout)?.[1]);
  expect(after).toBeGreaterThanOrEqual(rows + 20);
}

describe('SIGKILL under load', () => {
  it(`SQLite: loses at most the rows of the last ${LOSS_BOUND_MS} ms, and the chain verifies after restart`, async () => {
    await killUnderLoad('SQLite', SQLITE);
  });
  it(`PostgreSQL: loses at most the rows of the last ${LOSS_BOUND_MS} ms, and the chain verifies after restart`, async () => {
    await killUnderLoad('PostgreSQL', await postgresStore());
  }, 120_000);
});

/**
 * A flood over a limit is a row per burst, not per packet (refusal-summary.ts), on the real
 * gateway and store: DNS queries over dns.maxQueriesPerMinute from two clients, and connections
 * over maxConnectionsPerClient. `log verify` passes on the summaries, `log show` prints their
 * count, /metrics still counts every refusal, and a clean close writes the pending summary.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { openRecord } from '../../src/gateway/record/open.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ConnectionLogRow, DnsLogRow, LogRow } from '../../src/store/types.js';
import { airlock } from '../cli/built.js';
import { policyWith } from './playbook.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'airlock-flood-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function query(name: string, id: number): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  return Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
}

/** Sends `n` queries from `from`, each once the last is answered (none lost): the answers' rcodes. */
async function flood(port: number, from: string, n: number, name: (i: number) => string): Promise<number[]> {
  const s = createSocket('udp4');
  await new Promise<void>((res) => s.bind({ address: from, port: 0 }, () => res()));
  const rcodes: number[] = [];
  let answered: (() => void) | undefined;
  s.on('message', (m) => {
    rcodes.push(m[3]! & 0x0f);
    answered?.();
  });
  for (let i = 0; i < n; i++) {
    const got = new Promise<void>((res) => (answered = res));
    s.send(query(name(i), i + 1), port, '127.0.0.1');
    await got;
  }
  s.close();
  return rcodes;
}

const REFUSED = 5;
const PER_MINUTE = 5;

describe('refusals over a limit are summarized', () => {
  it('DNS over the rate: first row + one summary per client; verify passes, show counts, close flushes', async () => {
    const dir = join(root, 'dns');
    const policyFile = join(dir, 'airlock.yaml');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(
      policyFile,
      `network:\n  mode: one-way\n  dns: {maxNameLength: 128, maxQueriesPerMinute: ${PER_MINUTE}}\n`,
    );
    const policy = loadPolicyFile(policyFile);
    const rec = await openRecord(policy.store, dir, 'create');
    const gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
      // One window for the whole test: the rows do not depend on how fast the machine is.
      refusalSummary: { windowMs: 600_000 },
    });
    const N = 400;
    let rows: LogRow[] = [];
    try {
      const a = await flood(gw.dns.port, '127.0.0.1', N, (i) => `n${i % 7}.example`);
      const b = await flood(gw.dns.port, '127.0.0.2', 50, () => 'b.example');
      expect(a.filter((r) => r === REFUSED)).toHaveLength(N - PER_MINUTE);
      expect(b.filter((r) => r === REFUSED)).toHaveLength(50 - PER_MINUTE);
      await gw.flushLog();
      rows = (await rec.store.logRows()).map((r) => r.row);
      const rate = rows.filter((r) => r.kind === 'dns' && r.reason === 'dns-rate') as DnsLogRow[];
      expect(rate.map((r) => [r.client, r.count])).toEqual([
        ['127.0.0.1', undefined],
        ['127.0.0.2', undefined],
        ['127.0.0.1', N - PER_MINUTE - 1],
        ['127.0.0.2', 50 - PER_MINUTE - 1],
      ]);
      expect(rate[2]!.qnames!.split(' ').sort()).toEqual(
        ['n0', 'n1', 'n2', 'n3', 'n6'].map((n) => `${n}.example`),
      );
      // The queries for a name not kept (n4, n5) are counted.
      const other = Array.from({ length: N }, (_, i) => i).filter(
        (i) => i > PER_MINUTE && i % 7 >= 4 && i % 7 <= 5,
      );
      expect(rate[2]!.qnamesMore).toBe(other.length);
      // /metrics counts every refused query, as before.
      expect(await gw.metricsText()).toMatch(
        new RegExp(
          `airlock_gateway_dns_queries_total\\{verdict="block",reason="dns-rate"\\} ${N + 50 - 2 * PER_MINUTE}\\n`,
        ),
      );
      // A burst still open at a clean stop: its summary is written before the log closes.
      await flood(gw.dns.port, '127.0.0.1', 3, () => 'late.example');
    } finally {
      await gw.close();
      rows = (await rec.store.logRows()).map((r) => r.row);
      await rec.store.close();
    }
    const last = rows.at(-1) as DnsLogRow;
    expect([last.client, last.reason, last.count, last.qnames]).toEqual([
      '127.0.0.1',
      'dns-rate',
      3,
      'late.example',
    ]);
    expect(rows).toHaveLength(2 * PER_MINUTE + 4 + 1);

    const verify = airlock(['log', 'verify', '--policy', policyFile], { cwd: dir });
    expect(verify.stdout).toMatch(/^ok: 15 rows/);
    expect(verify.code).toBe(0);
    const show = airlock(['log', 'show', '--policy', policyFile], { cwd: dir });
    expect(show.stdout).toMatch(/127\.0\.0\.1 +A? ?block \(dns-rate\) × 394 more in \d+\.\d s names: /);
    expect(show.stdout).toMatch(/127\.0\.0\.2 .*block \(dns-rate\) × 44 more in/);
  }, 60_000);

  it('connection-limit: first refusal + one summary; a clean close writes a pending one', async () => {
    const policy = policyWith({ mode: 'sealed' });
    policy.gateway.maxConnectionsPerClient = 1;
    policy.gateway.handshakeTimeoutSeconds = 30;
    const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(6) });
    const gw = await startLoopbackGateway(policy, store, join(root, 'anchor-conn'), {
      refusalSummary: { windowMs: 600_000 },
    });
    const answer = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect(gw.proxy.port, '127.0.0.1');
        let out = '';
        s.on('data', (d) => (out += d.toString('latin1')));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
    // One client connection holds the only slot (a head it never finishes).
    const holder = connect(gw.proxy.port, '127.0.0.1');
    holder.on('error', () => {});
    await new Promise<void>((r) => holder.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 100));
    let rows: ConnectionLogRow[] = [];
    try {
      const K = 30;
      const answers = await Promise.all(Array.from({ length: K }, answer));
      for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 503 [\s\S]*X-Airlock-Reason: connection-limit/);
      await gw.flushLog();
      const limit = (await store.logRows())
        .map((r) => r.row as ConnectionLogRow)
        .filter((r) => r.reason === 'connection-limit');
      expect(limit.map((r) => r.count)).toEqual([undefined, K - 1]);
      expect(limit[1]!.client).toBe('127.0.0.1');
      expect(await gw.metricsText()).toMatch(/reason="connection-limit",cut=""\} 30\n/);
      await Promise.all(Array.from({ length: 4 }, answer));
    } finally {
      holder.destroy();
      await gw.close();
      rows = (await store.logRows())
        .map((r) => r.row as ConnectionLogRow)
        .filter((r) => r.reason === 'connection-limit');
      expect((await store.verifyLog()).ok).toBe(true);
      await store.close();
    }
    expect(rows.map((r) => r.count)).toEqual([undefined, 29, 4]);
  }, 60_000);
});

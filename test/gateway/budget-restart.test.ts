/**
 * The hourly upload budget survives a restart (hour-restore.ts): a one-way gateway spends a
 * destination's hour, is closed, and a new gateway on the same store refuses the next upload to
 * it at once ('hour-budget-spent'); the same rebuilt from rows at chosen times shows what counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { restoreHour } from '../../src/gateway/record/hour-restore.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { EgressGate, HOUR_MS } from '../../src/policy/egress/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ConnectionLogRow, DnsLogRow } from '../../src/store/types.js';
import { policyWith, T0 } from './playbook.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const PER_HOUR = 2000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-budget-restart-'));
let web: Server;
let webPort = 0;

beforeAll(async () => {
  web = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as AddressInfo).port;
});
afterAll(() => {
  web?.close();
  rmSync(dir, { recursive: true, force: true });
});

function policy() {
  const p = policyWith({
    mode: 'one-way',
    allow: [{ host: 'up.example', ports: [webPort], budget: { upstreamBytesPerHour: PER_HOUR } }],
    allowedPrivateCidrs: ['127.0.0.0/8'],
  });
  p.store.groupCommitMs = 10;
  return p;
}

/** A POST of `bytes` through the proxy to up.example; resolves once the gateway closes. */
function post(proxyPort: number, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: proxyPort }, () =>
      s.write(
        `POST http://up.example:${webPort}/ HTTP/1.1\r\nHost: up.example:${webPort}\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n${'x'.repeat(bytes)}`,
      ),
    );
    s.on('data', () => {});
    s.on('close', () => resolve());
    s.on('error', () => {});
  });
}

async function run(rec: Awaited<ReturnType<typeof openRecord>>, bytes: number): Promise<ConnectionLogRow[]> {
  const gw = await startLoopbackGateway(policy(), rec.store, rec.paths.anchor, {
    resolve: async () => ['127.0.0.1'],
  });
  const before = (await rec.store.logRows(0, 100_000)).length;
  await post(gw.proxy.port, bytes);
  await gw.flushLog();
  await gw.close();
  return (await rec.store.logRows(before, 100_000))
    .map((r) => r.row)
    .filter((r): r is ConnectionLogRow => r.kind === 'connection');
}

describe('hourly budget across a restart', () => {
  it('a destination whose hour is spent stays refused after the gateway is closed and restarted', async () => {
    const rec = await openRecord(policy().store, dir, 'create');
    try {
      const first = await run(rec, 3000);
      expect(first.at(-1)).toMatchObject({ verdict: 'allow', cut: 'hour-budget' });
      const second = await run(rec, 10);
      expect(second.at(-1)).toMatchObject({ verdict: 'block', reason: 'hour-budget-spent' });
    } finally {
      await rec.store.close();
    }
  }, 30_000);
});

describe('restoreHour', () => {
  const conn = (o: Partial<ConnectionLogRow>): ConnectionLogRow => ({
    kind: 'connection',
    tsMs: T0,
    client: '10.0.0.2:50000',
    destination: 'up.example',
    name: 'up.example',
    ip: '192.0.2.1',
    port: 443,
    proto: 'tcp',
    mode: 'one-way',
    verdict: 'allow',
    reason: 'allowlisted',
    bytesUp: 0,
    bytesDown: 0,
    ...o,
  });
  const now = T0 + HOUR_MS;
  const restored = async (rows: (ConnectionLogRow | DnsLogRow)[], damage?: number) => {
    const path = join(dir, `restore-${Math.random().toString(36).slice(2)}.sqlite`);
    const store = new SqliteStore(path, { hmacKey: new Uint8Array(32).fill(7) });
    await store.appendLogs(rows);
    if (damage !== undefined) {
      const db = new Database(path);
      db.prepare('UPDATE event_log SET body = ? WHERE seq = ?').run('{damaged', damage);
      db.close();
    }
    const gate = new EgressGate(
      policyWith({ mode: 'one-way', allow: [{ host: 'up.example' }, { host: '*.cdn.example' }] }),
    );
    const r = await restoreHour(store, gate, now);
    await store.close();
    return { r, spent: (h: string) => gate.hourSpent(h, now)?.bytes ?? 0 };
  };

  it('counts uploads ending within the hour at their end, not those older', async () => {
    const { spent } = await restored([
      conn({ tsMs: T0 - 10, endMs: T0 - 1, bytesUp: 500 }),
      conn({ tsMs: T0 - 5, endMs: T0 + 10, bytesUp: 700 }),
      conn({ tsMs: T0 + 20, endMs: T0 + 30, bytesUp: 11, reason: 'unlock-window' }),
    ]);
    expect(spent('up.example')).toBe(700);
  });

  it('an open row followed by its final row counts once; an open row alone counts', async () => {
    const start = T0 + 1000;
    const { spent } = await restored([
      conn({ tsMs: start, open: true, bytesUp: 300 }),
      conn({ tsMs: start, endMs: start + 20_000, bytesUp: 400 }),
      conn({ tsMs: start + 5, client: '10.0.0.3:1', open: true, bytesUp: 50 }),
    ]);
    expect(spent('up.example')).toBe(450);
  });

  it('charges names under a * entry once, on the entry the gate keys them to', async () => {
    const dns = (qname: string, tsMs: number): DnsLogRow => ({
      kind: 'dns',
      tsMs,
      client: '10.0.0.2',
      qname,
      qtype: 'A',
      mode: 'one-way',
      verdict: 'allow',
      reason: 'allowlisted',
    });
    const { spent } = await restored([
      dns('a.cdn.example', T0 + 1),
      dns('a.cdn.example', T0 + 2),
      dns('bb.cdn.example', T0 + 3),
      dns('up.example', T0 + 4),
    ]);
    expect(spent('zz.cdn.example')).toBe('a.cdn.example'.length + 'bb.cdn.example'.length);
    expect(spent('up.example')).toBe(0);
  });

  it('a name refused for its port was never looked up: its row charges no name', async () => {
    const { spent } = await restored([
      conn({
        tsMs: T0 + 1,
        endMs: T0 + 1,
        name: 'x.cdn.example',
        destination: 'x.cdn.example',
        port: 8883,
        ip: '',
        verdict: 'block',
        reason: 'port-not-allowed',
      }),
      conn({
        tsMs: T0 + 2,
        endMs: T0 + 2,
        name: 'yy.cdn.example',
        destination: 'yy.cdn.example',
        ip: '',
        verdict: 'block',
        reason: 'hour-budget-spent',
      }),
      conn({ tsMs: T0 + 3, endMs: T0 + 3, name: 'zzz.cdn.example', destination: 'zzz.cdn.example' }),
    ]);
    expect(spent('a.cdn.example')).toBe('zzz.cdn.example'.length);
  });

  it('a damaged row is said and skipped, not fatal', async () => {
    const { r, spent } = await restored(
      [conn({ tsMs: T0 + 1, endMs: T0 + 2, bytesUp: 5 }), conn({ tsMs: T0 + 3, endMs: T0 + 4, bytesUp: 9 })],
      2,
    );
    expect(r.damaged).toBe(1);
    expect(r.firstDamaged).toMatch(/row 2 is damaged/);
    expect(spent('up.example')).toBe(5);
  });

  it('a store whose log cannot be read stops the start', async () => {
    const gate = new EgressGate(policyWith({ mode: 'one-way' }));
    const broken = {
      logRowsNewestFirst: () => Promise.reject(new Error('disk I/O error')),
    };
    await expect(restoreHour(broken, gate, now)).rejects.toThrow('disk I/O error');
  });
});

/**
 * Connections that outlive the moment: a gateway that stops (SIGTERM, a restart) ends the tunnels
 * still open, and their rows are in the record (the log writer stops only after every
 * connection's row was appended; they were lost before, as a socket's 'close' comes after the
 * server reports itself closed). And a tunnel open for 10 s is logged while it lasts, so a kill
 * or a crash cannot take it out of the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPEN_ROW_AFTER_MS } from '../../src/gateway/core/connection.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { policyWith } from './playbook.js';
import { startLoopbackGateway, startTestProxy } from './proxy-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CONNECT tunnel through the proxy at `port` to `to`, once the proxy answered. */
function tunnel(port: number, to: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`CONNECT 127.0.0.1:${to} HTTP/1.1\r\n\r\n`));
    s.once('data', (d) =>
      /^HTTP\/1\.1 200/.test(d.toString('latin1')) ? resolve(s) : reject(new Error(String(d))),
    );
    s.on('error', () => {});
  });
}

/** A loopback server that sends back what it gets. */
async function echoServer(): Promise<{ echo: Server; echoPort: number }> {
  const echo = createServer((s) => s.pipe(s).on('error', () => {}));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  return { echo, echoPort: (echo.address() as { port: number }).port };
}

describe('gateway shutdown', () => {
  it('records every tunnel still open when it stops, and the chain verifies', async () => {
    const { echo, echoPort } = await echoServer();
    const store = new SqliteStore(join(dir, 'log.sqlite'), { hmacKey: new Uint8Array(32).fill(9) });
    const policy = policyWith({ mode: 'monitor', allowedPrivateCidrs: ['127.0.0.0/8'] });
    policy.gateway.maxConnectionsPerClient = 1000;
    const gw = await startLoopbackGateway(policy, store, join(dir, 'anchor'));
    // More than the writer's early-commit threshold (64), all open at the stop.
    const open = await Promise.all(Array.from({ length: 150 }, () => tunnel(gw.proxy.port, echoPort)));
    await gw.close();
    const rows = await store.logRows(0, 1000);
    expect(rows.filter((r) => r.row.kind === 'connection')).toHaveLength(150);
    expect(await store.verifyLog()).toMatchObject({ ok: true, rows: 150 });
    for (const s of open) s.destroy();
    await store.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });
});

describe('a long tunnel', () => {
  it('is logged while open once it has lasted 10 s (bytes so far), then again when it ends', async () => {
    const { echo, echoPort } = await echoServer();
    let now = Date.now();
    const rows: ConnectionLogRow[] = [];
    const { port, proxy } = await startTestProxy({
      policy: policyWith({ mode: 'monitor', allowedPrivateCidrs: ['127.0.0.0/8'] }),
      resolveTo: '127.0.0.1',
      onLog: (r) => rows.push(r),
      now: () => now,
      stillOpenEveryMs: 10,
    });
    const s = await tunnel(port, echoPort);
    s.write('ping');
    await new Promise((r) => s.once('data', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(rows).toEqual([]);
    now += OPEN_ROW_AFTER_MS;
    for (let i = 0; i < 100 && rows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ verdict: 'allow', port: echoPort, bytesUp: 4, bytesDown: 4, open: true });
    expect(rows[0]).not.toHaveProperty('endMs');
    await new Promise((r) => setTimeout(r, 50));
    expect(rows).toHaveLength(1);
    s.destroy();
    for (let i = 0; i < 100 && rows.length === 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rows[1]).toMatchObject({ bytesUp: 4, bytesDown: 4, endMs: now });
    expect(rows[1]).not.toHaveProperty('open');
    await proxy.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });
});

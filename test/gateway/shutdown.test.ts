/**
 * A gateway that stops (SIGTERM, a restart) ends the tunnels still open, and their rows are in
 * the record: the log writer stops only after every connection's row was appended. (They were
 * lost before: a socket's 'close' comes after the server reports itself closed.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/gateway.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { policyWith } from './playbook.js';

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

describe('gateway shutdown', () => {
  it('records every tunnel still open when it stops, and the chain verifies', async () => {
    const echo = createServer((s) => s.pipe(s).on('error', () => {}));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as { port: number }).port;
    const store = new SqliteStore(join(dir, 'log.sqlite'), { hmacKey: new Uint8Array(32).fill(9) });
    const policy = policyWith({ mode: 'monitor', allowedPrivateCidrs: ['127.0.0.0/8'] });
    policy.gateway.maxConnectionsPerClient = 1000;
    const gw = await startGateway({
      policy,
      store,
      anchorPath: join(dir, 'anchor'),
      listen: '127.0.0.1:0',
      dnsListen: '127.0.0.1:0',
      adminListen: '127.0.0.1:0',
      say: () => {},
    });
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

/** Fail closed: no start on an invalid policy, no new connections while the log cannot be written. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { policyWith } from './playbook.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-fc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends `text` on a fresh connection and returns everything the gateway answers. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('fail closed', () => {
  it('refuses to start on an invalid policy (exit 2, nothing listens)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'network:\n  mode: open\n');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'airlock', 'gateway', '--policy', bad])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/network\.mode/);
    } finally {
      err.mockRestore();
    }
  });

  it('refuses new connections with 503 log-unwritable once a log write fails; /healthz says so', async () => {
    const real = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(3) });
    const store: Store = Object.assign(Object.create(real), {
      appendLogs: () => Promise.reject(new Error('disk I/O error')),
    });
    const gw = await startLoopbackGateway(policyWith({ mode: 'sealed' }), store, join(dir, 'anchor'));
    try {
      const first = await exchange(gw.proxy.port, 'CONNECT files.example:443 HTTP/1.1\r\n\r\n');
      expect(first).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: sealed/);
      await gw.flushLog();
      const second = await exchange(gw.proxy.port, 'CONNECT files.example:443 HTTP/1.1\r\n\r\n');
      expect(second).toMatch(/^HTTP\/1\.1 503 [\s\S]*X-Airlock-Reason: log-unwritable/);
      const h = await fetch(`http://127.0.0.1:${gw.admin.port}/healthz`);
      expect(h.status).toBe(503);
    } finally {
      await gw.close();
      await real.close();
    }
  });

  it('bounds: the per-client connection limit answers 503, a slow head times out with 408', async () => {
    const policy = policyWith({ mode: 'sealed' });
    policy.gateway.maxConnectionsPerClient = 2;
    policy.gateway.handshakeTimeoutSeconds = 1;
    const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(4) });
    const gw = await startLoopbackGateway(policy, store, join(dir, 'anchor2'));
    try {
      // Two slow clients hold both slots; the third is refused at once.
      const slow = [exchange(gw.proxy.port, 'CONNECT files.ex'), exchange(gw.proxy.port, 'CONN')];
      await new Promise((r) => setTimeout(r, 100));
      expect(await exchange(gw.proxy.port, 'CONNECT files.example:443 HTTP/1.1\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 503 [\s\S]*X-Airlock-Reason: connection-limit/,
      );
      for (const answer of await Promise.all(slow)) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      await gw.flushLog();
      const reasons = (await store.logRows()).map((r) => (r.row.kind === 'connection' ? r.row.reason : ''));
      expect(reasons.sort()).toEqual(['connection-limit', 'handshake-timeout', 'handshake-timeout']);
    } finally {
      await gw.close();
      await store.close();
    }
  });

  it('bounds: the limits count every listener together (proxy + transparent HTTP)', async () => {
    const policy = policyWith({ mode: 'sealed' });
    policy.gateway.maxConnectionsPerClient = 2;
    policy.gateway.handshakeTimeoutSeconds = 1;
    policy.gateway.transparent = { tls: null, http: '127.0.0.1:0', other: null };
    const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(5) });
    const gw = await startLoopbackGateway(policy, store, join(dir, 'anchor3'));
    try {
      const http = gw.transparent.http!.port;
      // One slow client on each listener holds the client's two slots; a third, on either, is refused.
      const slow = [exchange(gw.proxy.port, 'CONN'), exchange(http, 'GET / HTTP/1.1\r\nHo')];
      await new Promise((r) => setTimeout(r, 100));
      expect(await exchange(http, 'GET / HTTP/1.1\r\nHost: files.example\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 503 /,
      );
      expect(await exchange(gw.proxy.port, 'CONNECT files.example:443 HTTP/1.1\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 503 [\s\S]*X-Airlock-Reason: connection-limit/,
      );
      await Promise.all(slow);
      await gw.flushLog();
      const reasons = (await store.logRows()).map((r) => (r.row.kind === 'connection' ? r.row.reason : ''));
      expect(reasons.sort()).toEqual([
        'connection-limit',
        'connection-limit',
        'handshake-timeout',
        'handshake-timeout',
      ]);
    } finally {
      await gw.close();
      await store.close();
    }
  });
});

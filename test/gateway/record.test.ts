import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkListen } from '../../src/gateway/io/listen-address.js';
import { readAnchor } from '../../src/gateway/record/anchor.js';
import { loadHmacKey } from '../../src/gateway/record/key-file.js';
import { renderLogCsv, renderLogLine } from '../../src/gateway/record/log-export.js';
import { LogWriter } from '../../src/gateway/record/log-writer.js';
import { storeSink } from '../../src/store/log-sink.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ConnectionLogRow, Store } from '../../src/store/types.js';
import { T0 } from './playbook.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (i: number): ConnectionLogRow => ({
  kind: 'connection',
  tsMs: T0 + i,
  client: '10.0.0.2:1',
  destination: 'files.example',
  ip: '198.18.0.1',
  port: 443,
  proto: 'tcp',
  mode: 'one-way',
  verdict: 'allow',
  reason: 'allowlisted',
  bytesUp: i,
  bytesDown: 0,
});

describe('HMAC key file', () => {
  it('is created with mode 0600 and 32 random bytes, then read back unchanged', () => {
    const p = join(dir, 'k1');
    const k = loadHmacKey(p, { create: true });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(k.length).toBe(32);
    expect(Buffer.from(loadHmacKey(p, { create: true }))).toEqual(Buffer.from(k));
  });

  it('is refused when others can read it, or when it does not hold a key', () => {
    const p = join(dir, 'k2');
    writeFileSync(p, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    expect(() => loadHmacKey(p, { create: false })).toThrow(/readable by others/);
    const q = join(dir, 'k3');
    writeFileSync(q, 'not a key\n', { mode: 0o600 });
    expect(() => loadHmacKey(q, { create: false })).toThrow(/64 hex digits/);
    expect(() => loadHmacKey(join(dir, 'absent'), { create: false })).toThrow(/ENOENT/);
  });
});

describe('log writer', () => {
  it('group-commits rows in order, chained, and anchors the head', async () => {
    const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(1) });
    const anchorPath = join(dir, 'anchor1');
    const w = new LogWriter(storeSink(store), { groupCommitMs: 10, anchorPath });
    for (let i = 0; i < 5; i++) w.append(row(i));
    await w.stop();
    const rows = await store.logRows();
    expect(rows.map((r) => r.row)).toEqual([0, 1, 2, 3, 4].map(row));
    expect(readAnchor(anchorPath)).toMatchObject({ seq: 5, mac: rows[4]!.mac });
    expect(await store.verifyLog(readAnchor(anchorPath))).toMatchObject({ ok: true, rows: 5 });
  });

  it('commits a group as one appendLogs call (one transaction), in order; rows that arrive during a commit form the next group', async () => {
    const real = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(4) });
    const calls: number[] = [];
    const store: Store = Object.assign(Object.create(real), {
      appendLog: () => Promise.reject(new Error('row-by-row append used')),
      appendLogs: (rs: ConnectionLogRow[]) => {
        calls.push(rs.length);
        return real.appendLogs(rs);
      },
    });
    const w = new LogWriter(storeSink(store), { groupCommitMs: 10, anchorPath: join(dir, 'anchor-group') });
    for (let i = 0; i < 300; i++) w.append(row(i));
    await w.flush();
    w.append(row(300));
    await w.stop();
    // 64 waiting rows start a commit; the other 236 arrive while it runs and go out together.
    expect(calls).toEqual([64, 236, 1]);
    expect(w.rowsWritten).toBe(301);
    expect((await store.logRows(0, 1000)).map((r) => r.row)).toEqual(
      Array.from({ length: 301 }, (_, i) => row(i)),
    );
  });

  it('a row after stop() is counted as dropped, never sent to a sink that may be closed', async () => {
    const store = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(6) });
    const w = new LogWriter(storeSink(store), { groupCommitMs: 10, anchorPath: join(dir, 'anchor-stop') });
    w.append(row(1));
    await w.stop();
    for (let i = 2; i < 100; i++) w.append(row(i));
    await w.flush();
    expect(w.rowsDropped).toBe(98);
    expect((await store.logRows()).map((r) => r.row)).toEqual([row(1)]);
  });

  it('fails closed: a failing store turns healthy off, rows wait and go out in order once it recovers', async () => {
    const real = new SqliteStore(':memory:', { hmacKey: new Uint8Array(32).fill(2) });
    let broken = true;
    let attempts = 0;
    const store: Store = Object.assign(Object.create(real), {
      appendLogs: (rs: ConnectionLogRow[]) => {
        attempts++;
        return broken ? Promise.reject(new Error('disk full')) : real.appendLogs(rs);
      },
    });
    const errors: string[] = [];
    const w = new LogWriter(storeSink(store), {
      groupCommitMs: 10,
      anchorPath: join(dir, 'anchor2'),
      onError: (m) => errors.push(m),
    });
    w.append(row(1));
    w.append(row(2));
    await w.flush();
    expect(w.healthy).toBe(false);
    expect(errors).toEqual(['event log write failed: disk full']);
    // Unhealthy, a full queue does not retry on every row (only the timer and explicit flushes do).
    for (let i = 3; i < 203; i++) w.append(row(i));
    await new Promise((r) => setImmediate(r));
    expect(attempts).toBe(1);
    broken = false;
    await w.flush();
    expect(w.healthy).toBe(true);
    expect((await real.logRows(0, 1000)).map((r) => r.row.tsMs)).toEqual(
      Array.from({ length: 202 }, (_, i) => T0 + 1 + i),
    );
  });
});

describe('listen addresses', () => {
  it('loopback always; any other address only when the policy names it', () => {
    expect(checkListen('127.0.0.1:0', [])).toEqual({ host: '127.0.0.1', port: 0 });
    expect(checkListen('[::1]:3128', [])).toEqual({ host: '::1', port: 3128 });
    expect(() => checkListen('0.0.0.0:3128', ['127.0.0.1:3128'])).toThrow(
      /refusing to listen on 0\.0\.0\.0:3128/,
    );
    expect(() => checkListen('192.168.8.1:3128', [])).toThrow(/not a loopback address/);
    expect(checkListen('192.168.8.1:3128', ['192.168.8.1:3128'])).toEqual({
      host: '192.168.8.1',
      port: 3128,
    });
  });
});

describe('log export', () => {
  it('CSV quotes fields with commas and defuses spreadsheet formulas', () => {
    const csv = renderLogCsv([
      {
        seq: 1,
        prevMac: '',
        mac: 'aa',
        row: {
          kind: 'unlock',
          tsMs: T0,
          window: { host: 'x.example', fromMs: T0, untilMs: T0 + 1, reason: '=HYPERLINK("evil"), job 7' },
        },
      },
    ]);
    const [header, line] = csv.trimEnd().split('\n');
    expect(header?.split(',')[0]).toBe('seq');
    expect(line).toContain(`"'=HYPERLINK(""evil""), job 7"`);
  });
});

describe('log export of a connection row written while open', () => {
  it('says so: the open column, no end, "still open" in the line', () => {
    const c = { seq: 3, prevMac: '', mac: 'cc', row: { ...row(7), open: true } };
    const [header, line] = renderLogCsv([c]).trimEnd().split('\n');
    const cols = header!.split(',');
    const cells = line!.split(',');
    expect(cells[cols.indexOf('open')]).toBe('true');
    expect(cells[cols.indexOf('end')]).toBe('');
    expect(renderLogLine(c)).toContain('up 7 down 0 still open (bytes so far)');
    expect(renderLogLine({ ...c, row: row(7) })).not.toContain('still open');
  });
});

describe('log export of DNS rows', () => {
  const dns = (proto?: 'tcp') => ({
    seq: 1,
    prevMac: '',
    mac: 'bb',
    row: {
      kind: 'dns' as const,
      tsMs: T0,
      client: '10.0.0.2',
      qname: 'x.example',
      qtype: 'A',
      mode: 'one-way' as const,
      verdict: 'block' as const,
      reason: 'not-allowlisted',
      ...(proto ? { proto } : {}),
    },
  });

  it('says which transport a query came over: tcp when logged so, udp otherwise', () => {
    const [header, tcp, udp] = renderLogCsv([dns('tcp'), dns()])
      .trimEnd()
      .split('\n');
    const col = header!.split(',').indexOf('proto');
    expect(col).toBeGreaterThan(0);
    expect(tcp!.split(',')[col]).toBe('tcp');
    expect(udp!.split(',')[col]).toBe('udp');
    expect(renderLogLine(dns('tcp'))).toContain('x.example A over tcp block');
    expect(renderLogLine(dns())).toContain('x.example A block');
  });

  it('prints the client as logged (no port on a DNS row): nothing stands in for the port', () => {
    const line = renderLogLine(dns());
    expect(line).toContain(' 10.0.0.2 x.example A block (not-allowlisted)');
    expect(line).not.toContain('?');
    const withPort = { ...dns(), row: { ...dns().row, client: '10.0.0.2:5353' } };
    expect(renderLogLine(withPort)).toContain(' 10.0.0.2:5353 x.example A block');
  });
});

describe('system resolver', () => {
  it('resolves localhost through the system (every address, loopback)', async () => {
    const { systemResolve } = await import('../../src/gateway/io/resolve.js');
    const all = await systemResolve('localhost');
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) expect(['127.0.0.1', '::1']).toContain(a);
  });
});

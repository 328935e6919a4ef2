/**
 * DNS over TCP shared between clients, through real sockets from two loopback source addresses
 * (127.0.0.1 and 127.0.0.2 both reach a listener on 127.0.0.1 on Linux without setup). QA found
 * one client holding every TCP slot with connections kept alive by queries refused as dns-rate,
 * so another client was reset (dns-tcp-limit). A client now holds at most a quarter of the slots,
 * and only served queries keep a connection open. Queries are written from RFC 1035 §4.1 by hand.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsServer } from '../../src/gateway/dns/server.js';
import type { DnsLogRow } from '../../src/store/types.js';
import { startTestDns } from './dns-fixture.js';
import { policyWith } from './playbook.js';

function query(name: string, id: number): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const q = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
  return Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
}

/** A TCP client from `from`: its framed answers' rcodes, whether it was closed, and when. */
class Client {
  readonly sock: Socket;
  readonly rcodes: number[] = [];
  closedAt: number | undefined;
  readonly connected: Promise<boolean>;
  private buf = Buffer.alloc(0);

  constructor(port: number, from: string) {
    this.sock = connect({ host: '127.0.0.1', port, localAddress: from });
    this.sock.on('error', () => {});
    this.connected = new Promise((res) => {
      this.sock.once('connect', () => res(true));
      this.sock.once('close', () => res(false));
    });
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        this.rcodes.push(this.buf[2 + 3]! & 0xf);
        this.buf = this.buf.subarray(2 + this.buf.readUInt16BE(0));
      }
    });
    this.sock.on('close', () => {
      this.closedAt = Date.now();
    });
  }

  ask(name: string, id: number): void {
    if (!this.sock.destroyed) this.sock.write(query(name, id));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IDLE_MS = 600;
const MAX = 8;

let server: DnsServer;
let port = 0;
let close: () => Promise<void>;
const rows: DnsLogRow[] = [];

beforeAll(async () => {
  const policy = policyWith({
    mode: 'one-way',
    allow: [{ host: '*.maps.example' }],
    dns: { maxNameLength: 253, maxQueriesPerMinute: 10 },
  });
  ({ server, port, close } = await startTestDns(policy, rows, { idleMs: IDLE_MS, maxConnections: MAX }));
});
afterAll(() => close());

describe('DNS over TCP between clients', () => {
  it('a flood of connections from 127.0.0.1 kept alive by refused queries never stops 127.0.0.2 being answered', async () => {
    // As QA did: every slot asked for, each connection sending a query well within the idle
    // period; the rate limit (10 a minute) soon refuses them all as dns-rate.
    const flood = Array.from({ length: MAX }, () => new Client(port, '127.0.0.1'));
    await Promise.all(flood.map((c) => c.connected));
    let id = 1;
    const keepAlive = setInterval(() => {
      for (const c of flood) c.ask(`f${id}.maps.example`, id++ & 0xffff);
    }, IDLE_MS / 4);
    try {
      await sleep(IDLE_MS / 2);
      // At most a quarter of the slots went to the flooder; the rest were refused and logged.
      expect(server.tcpConnections).toBeLessThanOrEqual(MAX / 4);
      expect(rows.some((r) => r.client === '127.0.0.1' && r.reason === 'dns-tcp-limit')).toBe(true);
      // While the flood goes on, over 3 idle periods, the other address is served each time.
      for (let round = 0; round < 3; round++) {
        const other = new Client(port, '127.0.0.2');
        expect(await other.connected).toBe(true);
        other.ask('tiles.maps.example', 0x7000 + round);
        for (let t = 0; t < 40 && other.rcodes.length === 0 && other.closedAt === undefined; t++)
          await sleep(25);
        expect(other.rcodes).toEqual([0]);
        other.sock.destroy();
        await sleep(IDLE_MS / 2);
      }
      expect(rows.filter((r) => r.client === '127.0.0.2' && r.reason === 'dns-tcp-limit')).toEqual([]);
      expect(rows.some((r) => r.client === '127.0.0.1' && r.reason === 'dns-rate' && r.proto === 'tcp')).toBe(
        true,
      );
    } finally {
      clearInterval(keepAlive);
      for (const c of flood) c.sock.destroy();
    }
  });

  it('refused queries do not keep a connection open; served ones do', async () => {
    const refusedOnly = new Client(port, '127.0.0.3');
    const served = new Client(port, '127.0.0.4');
    await Promise.all([refusedOnly.connected, served.connected]);
    const opened = Date.now();
    let id = 1;
    // Both ask every third of the idle period for 2.5 periods: one a name off the allowlist
    // (NXDOMAIN, not-allowlisted), the other an allowlisted one (forwarded, NOERROR).
    for (let t = 0; t < 8; t++) {
      refusedOnly.ask(`upload${t}.example`, id++);
      served.ask(`t${t}.maps.example`, id++);
      await sleep(IDLE_MS / 3);
    }
    expect(refusedOnly.rcodes.length).toBeGreaterThan(0);
    expect(refusedOnly.rcodes.every((r) => r === 3)).toBe(true);
    expect(refusedOnly.closedAt).toBeDefined();
    expect(refusedOnly.closedAt! - opened).toBeLessThan(IDLE_MS + 400);
    expect(served.closedAt).toBeUndefined();
    expect(served.rcodes.every((r) => r === 0)).toBe(true);
    served.sock.destroy();
  });
});

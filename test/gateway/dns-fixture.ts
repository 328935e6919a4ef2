/** Loopback fixtures for the DNS server tests: a fake resolver, and the server forwarding to it. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { DnsServer } from '../../src/gateway/dns/server.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import type { DnsLogRow } from '../../src/store/types.js';

/** A resolver on loopback: every A query answered 198.18.0.7, the record written by hand. */

export function fakeResolver(): Promise<UdpSocket> {
  const s = createSocket('udp4');
  s.on('message', (q, r) => {
    const answer = Buffer.from(q);
    answer.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
    answer.writeUInt16BE(1, 6); // ANCOUNT
    answer.writeUInt16BE(0, 10);
    const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7]);
    s.send(Buffer.concat([answer, rr]), r.port, r.address);
  });
  return new Promise((res) => s.bind(0, '127.0.0.1', () => res(s)));
}

/**
 * A DnsServer on loopback under `policy` in one-way mode, forwarding to a fakeResolver, its rows
 * pushed to `rows`. close() ends both.
 */
export async function startTestDns(
  policy: Policy,
  rows: DnsLogRow[],
  tcp: { idleMs: number; maxConnections: number },
): Promise<{ server: DnsServer; port: number; close: () => Promise<void> }> {
  const resolver = await fakeResolver();
  const server = new DnsServer({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: resolver.address().port },
    ctx: { gate: new EgressGate(policy), mode: () => 'one-way' },
    accepting: () => true,
    onLog: (r) => rows.push(r),
    tcpIdleTimeoutMs: tcp.idleMs,
    maxTcpConnections: tcp.maxConnections,
  });
  const { port } = await server.start();
  return {
    server,
    port,
    close: async () => {
      await server.close();
      resolver.close();
    },
  };
}

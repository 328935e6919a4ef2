/** A resolver on loopback for the DNS tests: every A query answered 198.18.0.7, the record written by hand. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';

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

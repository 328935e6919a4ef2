/**
 * DNS over TCP (RFC 7766) on the same address as UDP: several queries per connection, frames
 * split anywhere, garbage and slow clients cut and logged, a connection bound. Queries are
 * written byte by byte from RFC 1035 §4.1 (not with the code under test); Debian's dig is the
 * independent client.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer } from '../../src/gateway/dns/server.js';
import { DnsTcpFrames, MAX_TCP_QUERY_BYTES } from '../../src/gateway/dns/tcp-frames.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { DnsLogRow } from '../../src/store/types.js';
import { startTestDns } from './dns-fixture.js';
import { policyWith } from './playbook.js';

function query(name: string, id: number, type = 1): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  return Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, type, 0, 1]);
}
const framed = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);

/** A TCP client reading framed answers. */
class Client {
  readonly sock: Socket;
  readonly answers: Buffer[] = [];
  private buf = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(port: number, from?: string) {
    this.sock = connect({ host: '127.0.0.1', port, ...(from ? { localAddress: from } : {}) });
    this.sock.on('error', () => {});
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        const n = this.buf.readUInt16BE(0);
        this.answers.push(this.buf.subarray(2, 2 + n));
        this.buf = this.buf.subarray(2 + n);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((res) => this.sock.once('close', () => res()));
    this.sock.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async answersN(n: number): Promise<Buffer[]> {
    while (this.answers.length < n && !this.sock.destroyed) {
      await new Promise<void>((res) => this.waiters.push(res));
    }
    return this.answers.slice(0, n);
  }
}

const rcode = (a: Buffer) => a.readUInt16BE(2) & 0xf;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: DnsServer;
let port = 0;
let close: () => Promise<void>;
const rows: DnsLogRow[] = [];
const IDLE_MS = 400;

beforeAll(async () => {
  const policy = policyWith({ mode: 'one-way', allow: [{ host: '*.maps.example' }] });
  ({ server, port, close } = await startTestDns(policy, rows, { idleMs: IDLE_MS, maxConnections: 20 }));
});
afterAll(() => close());

describe('DNS over TCP', () => {
  it('answers several pipelined queries on one connection, each under its own ID, logged as tcp', async () => {
    const c = new Client(port);
    c.sock.write(
      Buffer.concat([
        framed(query('tiles.maps.example', 0x0101)),
        framed(query('upload.example', 0x0202)),
        framed(query('a.maps.example', 0x0303)),
      ]),
    );
    const answers = await c.answersN(3);
    const byId = new Map(answers.map((a) => [a.readUInt16BE(0), a]));
    expect(rcode(byId.get(0x0101)!)).toBe(0);
    expect(byId.get(0x0101)!.subarray(-4)).toEqual(Buffer.from([198, 18, 0, 7]));
    expect(rcode(byId.get(0x0202)!)).toBe(3); // NXDOMAIN
    expect(rcode(byId.get(0x0303)!)).toBe(0);
    c.sock.end();
    await c.closed;
    const mine = rows.filter((r) =>
      ['tiles.maps.example', 'upload.example', 'a.maps.example'].includes(r.qname),
    );
    expect(mine.map((r) => [r.qname, r.verdict, r.proto])).toEqual(
      expect.arrayContaining([
        ['tiles.maps.example', 'allow', 'tcp'],
        ['upload.example', 'block', 'tcp'],
        ['a.maps.example', 'allow', 'tcp'],
      ]),
    );
  });

  it('serves UDP on the same port (rows without proto)', async () => {
    const s = createSocket('udp4');
    const answer = await new Promise<Buffer>((res) => {
      s.on('message', (m) => res(m));
      s.send(query('udp.example', 0x0404), port, '127.0.0.1');
    });
    s.close();
    expect(answer.readUInt16BE(0)).toBe(0x0404);
    expect(rcode(answer)).toBe(3);
    expect(rows.find((r) => r.qname === 'udp.example')).not.toHaveProperty('proto');
  });

  it('reassembles a query written one byte at a time', async () => {
    const c = new Client(port);
    for (const b of framed(query('slow.maps.example', 0x0505))) {
      c.sock.write(Buffer.from([b]));
      await sleep(1);
    }
    const [a] = await c.answersN(1);
    expect(a!.readUInt16BE(0)).toBe(0x0505);
    expect(rcode(a!)).toBe(0);
    c.sock.destroy();
  });

  it('cuts a connection announcing an oversized query, and one sending garbage; both logged', async () => {
    const big = new Client(port);
    big.sock.write(Buffer.from([0xff, 0xff, 1, 2, 3]));
    await big.closed;
    const junk = new Client(port);
    junk.sock.write(framed(Buffer.from('not dns')));
    await junk.closed;
    expect(big.answers).toEqual([]);
    const reasons = rows.filter((r) => r.proto === 'tcp').map((r) => r.reason);
    expect(reasons).toContain('dns-tcp-bad-frame');
    expect(reasons).toContain('dns-malformed');
  });

  it('cuts a client trickling a query within the idle timeout while another is served', async () => {
    const slow = new Client(port);
    const bytes = framed(query('trickle.maps.example', 0x0606));
    let i = 0;
    const trickle = setInterval(() => {
      if (i < bytes.length && !slow.sock.destroyed) slow.sock.write(bytes.subarray(i, ++i));
    }, IDLE_MS / 8);
    const other = new Client(port);
    other.sock.write(framed(query('fast.maps.example', 0x0707)));
    const [a] = await other.answersN(1);
    expect(rcode(a!)).toBe(0);
    await slow.closed;
    clearInterval(trickle);
    expect(slow.answers).toEqual([]);
    expect(i).toBeLessThan(bytes.length); // cut before the query was complete
    expect(rows.some((r) => r.reason === 'dns-tcp-slow')).toBe(true);
    other.sock.destroy();
  });

  it('refuses TCP connections beyond maxTcpConnections', async () => {
    // From four addresses, 5 each: a client's own share is a quarter of the 20.
    const held = Array.from({ length: 20 }, (_, i) => new Client(port, `127.0.0.${10 + (i % 4)}`));
    await Promise.all(held.map((c) => new Promise((r) => c.sock.once('connect', r))));
    await sleep(50);
    expect(server.tcpConnections).toBe(20);
    const extra = new Client(port, '127.0.0.20');
    extra.sock.write(framed(query('x.maps.example', 1)));
    await extra.closed;
    expect(extra.answers).toEqual([]);
    expect(server.tcpRefused).toBeGreaterThanOrEqual(1);
    expect(rows.some((r) => r.reason === 'dns-tcp-limit' && r.proto === 'tcp')).toBe(true);
    for (const c of held) c.sock.destroy();
  });

  it("Debian's dig +tcp gets NOERROR with the address for an allowlisted name and NXDOMAIN otherwise", async () => {
    // Asynchronously: the server under test runs in this process's event loop.
    const dig = async (name: string) =>
      (
        await promisify(execFile)('dig', [
          '+tcp',
          '+tries=1',
          '+time=5',
          '-p',
          String(port),
          '@127.0.0.1',
          name,
          'A',
        ])
      ).stdout;
    const ok = await dig('www.maps.example');
    expect(ok).toMatch(/status: NOERROR/);
    expect(ok).toMatch(/www\.maps\.example\.\s+60\s+IN\s+A\s+198\.18\.0\.7/);
    expect(await dig('exfil.example')).toMatch(/status: NXDOMAIN/);
    expect(rows.filter((r) => r.qname === 'exfil.example' && r.proto === 'tcp')).toHaveLength(1);
  });
});

/**
 * A resolver whose UDP answers are truncated (TC, no records) and whose TCP answers, on the same
 * port, carry 40 A records (over 512 bytes: what a CDN name with many addresses looks like).
 */
async function truncatingResolver(): Promise<{ port: number; close: () => void }> {
  const answerFor = (q: Buffer, tcp: boolean): Buffer => {
    const head = Buffer.from(q);
    head.writeUInt16BE(tcp ? 0x8180 : 0x8380, 2); // QR, RD, RA (+ TC over UDP)
    head.writeUInt16BE(tcp ? 40 : 0, 6);
    head.writeUInt16BE(0, 10);
    const rrs = tcp
      ? Array.from({ length: 40 }, (_, i) =>
          Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 1, i]),
        )
      : [];
    return Buffer.concat([head, ...rrs]);
  };
  const { createServer } = await import('node:net');
  // UDP and TCP on one port number: another process may hold the TCP side of a free UDP port.
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket('udp4');
    udp.on('message', (q, r) => udp.send(answerFor(q, false), r.port, r.address));
    await new Promise<void>((res) => udp.bind(0, '127.0.0.1', () => res()));
    const port = udp.address().port;
    const tcp = createServer((c) => {
      c.on('error', () => {});
      let buf = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
          c.write(framed(answerFor(buf.subarray(2, 2 + buf.readUInt16BE(0)), true)));
      });
    });
    const listening = await new Promise<boolean>((res) => {
      tcp.once('error', () => res(false));
      tcp.listen(port, '127.0.0.1', () => res(true));
    });
    if (listening)
      return {
        port,
        close: () => {
          udp.close();
          tcp.close();
        },
      };
    udp.close();
    if (attempt >= 8) throw new Error('no port free for both UDP and TCP');
  }
}

describe('truncated answers from the resolver', () => {
  it('a TCP client gets the whole answer (asked again over TCP); a UDP client gets TC and dig falls back', async () => {
    const up = await truncatingResolver();
    const policy = policyWith({ mode: 'one-way', allow: [{ host: '*.cdn.example' }] });
    const s = new DnsServer({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: up.port },
      ctx: { gate: new EgressGate(policy), mode: () => 'one-way' },
      accepting: () => true,
      onLog: () => {},
    });
    const at = (await s.start()).port;
    try {
      const c = new Client(at);
      c.sock.write(framed(query('big.cdn.example', 0x0a0a)));
      const [whole] = await c.answersN(1);
      c.sock.destroy();
      expect(whole!.readUInt16BE(0)).toBe(0x0a0a);
      expect(whole!.readUInt16BE(2) & 0x0200).toBe(0); // no TC
      expect(whole!.readUInt16BE(6)).toBe(40);

      const u = createSocket('udp4');
      const viaUdp = await new Promise<Buffer>((res) => {
        u.on('message', (m) => res(m));
        u.send(query('big.cdn.example', 0x0b0b), at, '127.0.0.1');
      });
      u.close();
      expect(viaUdp.readUInt16BE(2) & 0x0200).toBe(0x0200); // TC passed on

      // Debian's dig asks over UDP, sees TC, asks again over TCP: all 40 addresses.
      const out = (
        await promisify(execFile)('dig', [
          '+tries=1',
          '+time=5',
          '-p',
          String(at),
          '@127.0.0.1',
          'big.cdn.example',
          'A',
        ])
      ).stdout;
      expect(out).toMatch(/Truncated, retrying in TCP mode/);
      expect(out.match(/IN\s+A\s+198\.18\.1\.\d+/g)).toHaveLength(40);
    } finally {
      await s.close();
      up.close();
    }
  });
});

describe('DnsTcpFrames', () => {
  it('gives the same messages however the stream is split (property)', () => {
    const msgs = [query('a.example', 1), query('bb.example', 2), query('ccc.example', 3)];
    const stream = Buffer.concat(msgs.map(framed));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 10 }),
        (cuts) => {
          const f = new DnsTcpFrames();
          const got: Uint8Array[] = [];
          let prev = 0;
          for (const c of [...cuts.sort((a, b) => a - b), stream.length]) {
            const r = f.push(stream.subarray(prev, c));
            expect(r.kind).toBe('frames');
            got.push(...r.frames);
            prev = c;
          }
          expect(got.map((g) => Buffer.from(g))).toEqual(msgs);
          expect(f.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('refuses a zero length and a length past the bound, keeping frames before it', () => {
    const ok = framed(query('a.example', 1));
    const zero = new DnsTcpFrames().push(Buffer.concat([ok, Buffer.from([0, 0])]));
    expect(zero).toMatchObject({ kind: 'error' });
    expect(zero.frames).toHaveLength(1);
    const n = MAX_TCP_QUERY_BYTES + 1;
    expect(new DnsTcpFrames().push(Buffer.from([n >> 8, n & 0xff]))).toMatchObject({ kind: 'error' });
    const atMax = Buffer.alloc(2 + MAX_TCP_QUERY_BYTES);
    atMax.writeUInt16BE(MAX_TCP_QUERY_BYTES, 0);
    expect(new DnsTcpFrames().push(atMax)).toMatchObject({
      kind: 'frames',
      frames: [expect.any(Uint8Array)],
    });
  });
});

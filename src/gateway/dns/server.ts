/**
 * The DNS server's I/O shell: a UDP socket and a TCP listener (RFC 7766) on the same address,
 * both feeding judgeDnsQuery; one short-lived socket per forwarded query (a fresh source port and
 * random ID each, so answers cannot be spoofed by guessing), a timeout, and a bound on queries in
 * flight. TCP connections are bounded in number, in all and per client address (a quarter of all
 * by default, so one client cannot hold every slot), must deliver a whole query that is served
 * every idle period (a trickle does not keep one open, nor do queries that are refused), and are
 * cut on a bad frame or when they stop reading answers.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readDnsMessage } from '../../net/app/dns.js';
import type { DnsLogRow } from '../../store/types.js';
import { ConnectionCounts } from '../io/connection-counts.js';
import type { HostPort } from '../io/listen-address.js';
import { type DnsContext, judgeDnsQuery, keepsConnection } from './core.js';
import { errorAnswer, headerOf, RCODE, withId } from './messages.js';
import { DnsTcpFrames, frame } from './tcp-frames.js';

export interface DnsServerOptions {
  listen: HostPort;
  upstream?: HostPort;
  ctx: Omit<DnsContext, 'hasUpstream' | 'nextId'>;
  /** Whether new queries may be served (false while the log cannot be written). */
  accepting: () => boolean;
  onLog: (row: DnsLogRow) => void;
  timeoutMs?: number;
  maxInFlight?: number;
  /**
   * TCP: the longest wait for the next whole query that is served (RFC 7766 §6.2.3 suggests
   * seconds); a refused query does not restart it.
   */
  tcpIdleTimeoutMs?: number;
  maxTcpConnections?: number;
  /** TCP connections one client address may hold; a quarter of maxTcpConnections (at least 1) by default. */
  maxTcpConnectionsPerClient?: number;
}

type Transport = 'udp' | 'tcp';
/** What became of one query: dropped unanswered, answered as served (allowed), or refused. */
type Handled = 'dropped' | 'served' | 'refused';

const DEFAULT_MAX_TCP_CONNECTIONS = 256;
/** Each client's default share of the TCP connections: a flood from one leaves three quarters. */
const TCP_SHARE_PER_CLIENT = 4;

/** Answers a TCP client has not read yet; beyond, it is not reading and is cut. */
const MAX_TCP_UNREAD_BYTES = 256 * 1024;
/** Tries to find a port free for both UDP and TCP when the caller asked for any port (0). */
const PORT_TRIES = 8;

export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly tcpSockets = new Set<Socket>();
  private readonly tcpCounts = new ConnectionCounts();
  private inFlight = 0;
  queries = 0;
  tcpRefused = 0;

  constructor(private readonly opts: DnsServerOptions) {}

  async start(): Promise<HostPort> {
    const { host, port } = this.opts.listen;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const bound = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, bound);
        this.udp = udp;
        return { host: udp.address().address, port: bound };
      } catch (e) {
        await new Promise<void>((res) => udp.close(() => res()));
        const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port !== 0 || !inUse || attempt >= PORT_TRIES) throw e;
      }
    }
  }

  async close(): Promise<void> {
    const u = this.udp;
    const t = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const s of this.tcpSockets) s.destroy();
    if (u) await new Promise<void>((res) => u.close(() => res()));
    if (t) await new Promise<void>((res) => t.close(() => res()));
  }

  /** Open TCP client connections (metrics, tests). */
  get tcpConnections(): number {
    return this.tcpSockets.size;
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    const s = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    s.on('message', (msg, rinfo) =>
      this.handle(msg, rinfo.address, 'udp', (bytes) => this.udp?.send(bytes, rinfo.port, rinfo.address)),
    );
    return new Promise<UdpSocket>((res, rej) => {
      s.once('error', rej);
      s.bind(port, host, () => {
        s.off('error', rej);
        s.on('error', () => {});
        res(s);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<Server> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.acceptTcp(s));
    return new Promise<Server>((res, rej) => {
      server.once('error', rej);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', rej);
        server.on('error', () => {});
        res(server);
      });
    });
  }

  private acceptTcp(sock: Socket): void {
    sock.on('error', () => {});
    const client = sock.remoteAddress ?? '?';
    const max = this.opts.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS;
    const perClient =
      this.opts.maxTcpConnectionsPerClient ?? Math.max(1, Math.floor(max / TCP_SHARE_PER_CLIENT));
    if (!this.tcpCounts.take(client, max, perClient)) {
      this.tcpRefused++;
      this.opts.onLog(this.cutRow(client, 'dns-tcp-limit'));
      sock.destroy();
      return;
    }
    this.tcpSockets.add(sock);
    const frames = new DnsTcpFrames();
    let pending = 0;
    let ended = false;
    const cut = (reason: string): void => {
      if (sock.destroyed) return;
      this.opts.onLog(this.cutRow(client, reason));
      sock.destroy();
    };
    // Refreshed per whole query served, not per byte nor per refusal: a client trickling one query
    // never finishes in time, and one asking only what is refused cannot hold the slot.
    const idle = setTimeout(() => {
      if (frames.pendingBytes > 0) cut('dns-tcp-slow');
      else sock.destroy();
    }, this.opts.tcpIdleTimeoutMs ?? 10_000);
    idle.unref();
    const maybeEnd = (): void => {
      if (ended && pending === 0 && !sock.destroyed) sock.end();
    };
    const reply = (bytes: Uint8Array): void => {
      pending--;
      if (sock.destroyed) return;
      sock.write(frame(bytes));
      if (sock.writableLength > MAX_TCP_UNREAD_BYTES) cut('dns-tcp-not-reading');
      else maybeEnd();
    };
    sock.on('data', (d: Buffer) => {
      const r = frames.push(d);
      for (const msg of r.frames) {
        pending++;
        const h = this.handle(msg, client, 'tcp', reply);
        if (h === 'dropped') {
          // A datagram would be ignored; a stream that sent garbage or a response is closed.
          cut('dns-malformed');
          return;
        }
        if (h === 'served') idle.refresh();
      }
      if (r.kind === 'error') cut('dns-tcp-bad-frame');
    });
    sock.on('end', () => {
      ended = true;
      if (frames.pendingBytes > 0) cut('dns-tcp-bad-frame');
      else maybeEnd();
    });
    sock.on('close', () => {
      clearTimeout(idle);
      this.tcpSockets.delete(sock);
      this.tcpCounts.give(client);
    });
  }

  private cutRow(client: string, reason: string): DnsLogRow {
    return {
      kind: 'dns',
      tsMs: Date.now(),
      client,
      qname: '',
      qtype: '',
      mode: this.opts.ctx.mode(),
      verdict: 'block',
      reason,
      proto: 'tcp',
    };
  }

  /**
   * One query from either transport; `reply` is called at most once ('dropped': never, the message
   * was too short to answer, or a response aimed at the server).
   */
  private handle(
    msg: Uint8Array,
    client: string,
    proto: Transport,
    reply: (bytes: Uint8Array) => void,
  ): Handled {
    this.queries++;
    const log = (row: DnsLogRow): void => this.opts.onLog(proto === 'tcp' ? { ...row, proto } : row);
    if (!this.opts.accepting()) {
      const h = headerOf(msg);
      if (!h) return 'dropped';
      reply(errorAnswer(h.id, false, RCODE.REFUSED, undefined));
      return 'refused';
    }
    const a = judgeDnsQuery(
      msg,
      client,
      {
        ...this.opts.ctx,
        hasUpstream: this.opts.upstream !== undefined,
        nextId: () => randomInt(0, 0x10000),
      },
      Date.now(),
    );
    const kept: Handled = keepsConnection(a) ? 'served' : 'refused';
    switch (a.action) {
      case 'drop':
        return 'dropped';
      case 'answer':
        if (a.row) log(a.row);
        reply(a.bytes);
        return kept;
      case 'forward': {
        log(a.row);
        const up = this.opts.upstream;
        if (!up || this.inFlight >= (this.opts.maxInFlight ?? 256)) {
          reply(errorAnswer(a.clientId, a.rd, RCODE.SERVFAIL, a.question));
          return kept;
        }
        this.forward(a.query, a.upstreamId, up, proto).then(
          (answer) => reply(withId(answer, a.clientId)),
          () => reply(errorAnswer(a.clientId, a.rd, RCODE.SERVFAIL, a.question)),
        );
        return kept;
      }
      default:
        return assertNever(a);
    }
  }

  /**
   * Asks the resolver over UDP; a truncated answer (TC) to a TCP client is asked again over TCP
   * (RFC 7766 §5): that client cannot fall back itself. UDP clients get the TC answer and retry
   * over TCP on their own, through this server's TCP listener.
   */
  private async forward(query: Uint8Array, id: number, up: HostPort, proto: Transport): Promise<Uint8Array> {
    this.inFlight++;
    try {
      const answer = await this.forwardUdp(query, id, up);
      return proto === 'tcp' && truncated(answer) ? await this.forwardTcp(query, id, up) : answer;
    } finally {
      this.inFlight--;
    }
  }

  private forwardUdp(query: Uint8Array, id: number, up: HostPort): Promise<Uint8Array> {
    const s = createSocket({ type: up.host.includes(':') ? 'udp6' : 'udp4' });
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('upstream resolver timed out')),
        this.opts.timeoutMs ?? 2000,
      );
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      s.on('message', (msg) => {
        // Connected: the kernel passes only the resolver's datagrams. Our ID, as a response, counts.
        if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        const d = readDnsMessage(msg);
        if (d.kind !== 'value' || !d.value.response) return;
        clearTimeout(timer);
        resolve(Uint8Array.from(msg));
      });
      s.connect(up.port, up.host, () => s.send(query));
    }).finally(() => s.close());
  }

  private forwardTcp(query: Uint8Array, id: number, up: HostPort): Promise<Uint8Array> {
    const s = connect({ host: up.host, port: up.port, noDelay: true });
    const frames = new DnsTcpFrames(0xffff);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('upstream resolver timed out (TCP)')),
        this.opts.timeoutMs ?? 2000,
      );
      const fail = (e: Error): void => {
        clearTimeout(timer);
        reject(e);
      };
      s.on('error', fail);
      s.on('close', () => fail(new Error('upstream resolver closed the TCP connection')));
      s.on('data', (d: Buffer) => {
        const r = frames.push(d);
        if (r.kind === 'error') return fail(new Error(r.detail));
        for (const msg of r.frames) {
          const h = headerOf(msg);
          const v = readDnsMessage(msg);
          if (h?.id !== id || v.kind !== 'value' || !v.value.response) continue;
          clearTimeout(timer);
          resolve(msg);
          return;
        }
      });
      s.write(frame(query));
    }).finally(() => s.destroy());
  }
}

/** The TC bit: the answer did not fit the datagram. */
const truncated = (answer: Uint8Array): boolean => answer.length >= 3 && (answer[2]! & 0x02) !== 0;

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

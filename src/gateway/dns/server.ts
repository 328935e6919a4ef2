/**
 * The DNS server's I/O shell: one UDP socket for the tablet, one short-lived socket per forwarded
 * query (a fresh source port and random ID each, so answers cannot be spoofed by guessing), a
 * timeout, and a bound on queries in flight.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readDnsMessage } from '../../net/app/dns.js';
import type { DnsLogRow } from '../../store/types.js';
import type { HostPort } from '../io/listen-address.js';
import { type DnsContext, judgeDnsQuery } from './core.js';
import { errorAnswer, RCODE, withId } from './messages.js';

export interface DnsServerOptions {
  listen: HostPort;
  upstream?: HostPort;
  ctx: Omit<DnsContext, 'hasUpstream' | 'nextId'>;
  /** Whether new queries may be served (false while the log cannot be written). */
  accepting: () => boolean;
  onLog: (row: DnsLogRow) => void;
  timeoutMs?: number;
  maxInFlight?: number;
}

export class DnsServer {
  private socket: Socket | undefined;
  private inFlight = 0;
  queries = 0;

  constructor(private readonly opts: DnsServerOptions) {}

  async start(): Promise<HostPort> {
    const family = this.opts.listen.host.includes(':') ? 'udp6' : 'udp4';
    const s = createSocket({ type: family });
    this.socket = s;
    s.on('message', (msg, rinfo) => this.onQuery(msg, rinfo));
    s.on('error', () => {});
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind(this.opts.listen.port, this.opts.listen.host, () => {
        s.off('error', rej);
        res();
      });
    });
    const a = s.address();
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }

  private reply(bytes: Uint8Array, to: RemoteInfo): void {
    this.socket?.send(bytes, to.port, to.address);
  }

  private onQuery(msg: Buffer, rinfo: RemoteInfo): void {
    this.queries++;
    const client = rinfo.address;
    const now = Date.now();
    if (!this.opts.accepting()) {
      const h = msg.length >= 12 ? msg.readUInt16BE(0) : undefined;
      if (h !== undefined) this.reply(errorAnswer(h, false, RCODE.REFUSED, undefined), rinfo);
      return;
    }
    const a = judgeDnsQuery(
      msg,
      client,
      {
        ...this.opts.ctx,
        hasUpstream: this.opts.upstream !== undefined,
        nextId: () => randomInt(0, 0x10000),
      },
      now,
    );
    switch (a.action) {
      case 'drop':
        return;
      case 'answer':
        if (a.row) this.opts.onLog(a.row);
        this.reply(a.bytes, rinfo);
        return;
      case 'forward': {
        this.opts.onLog(a.row);
        const up = this.opts.upstream;
        if (!up || this.inFlight >= (this.opts.maxInFlight ?? 256)) {
          this.reply(errorAnswer(a.clientId, a.rd, RCODE.SERVFAIL, a.question), rinfo);
          return;
        }
        this.forward(a.query, a.upstreamId, up).then(
          (answer) => this.reply(withId(answer, a.clientId), rinfo),
          () => this.reply(errorAnswer(a.clientId, a.rd, RCODE.SERVFAIL, a.question), rinfo),
        );
        return;
      }
      default:
        assertNever(a);
    }
  }

  private forward(query: Uint8Array, id: number, up: HostPort): Promise<Uint8Array> {
    this.inFlight++;
    const s = createSocket({ type: up.host.includes(':') ? 'udp6' : 'udp4' });
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('upstream resolver timed out')),
        this.opts.timeoutMs ?? 2000,
      );
      s.on('error', reject);
      s.on('message', (msg, rinfo) => {
        // Only the resolver asked, answering our ID as a response, counts.
        if (rinfo.port !== up.port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        const d = readDnsMessage(msg);
        if (d.kind !== 'value' || !d.value.response) return;
        clearTimeout(timer);
        resolve(Uint8Array.from(msg));
      });
      s.send(query, up.port, up.host);
    }).finally(() => {
      this.inFlight--;
      s.close();
    });
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

/**
 * The proxy's I/O shell: a node:net server whose sockets feed ProxyConnection events and carry
 * out its commands. Everything decided lives in the core; here: connection limits, timers,
 * backpressure, name resolution.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ConnectionLogRow } from '../../store/types.js';
import { type ConnectionContext, ProxyConnection } from '../core/connection.js';
import { proxyResponse } from '../core/responses.js';
import { GATEWAY_REASONS, type GatewayReason, type ProxyCommand, type ProxyEvent } from '../core/types.js';
import type { HostPort } from './listen-address.js';

export interface ProxyLimits {
  maxConnections: number;
  maxConnectionsPerClient: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
}

export interface ProxyServerOptions {
  listen: HostPort;
  context: () => ConnectionContext;
  limits: () => ProxyLimits;
  resolve: (host: string) => Promise<string[]>;
  /** A reason to refuse every new connection (the log cannot be written), or undefined. */
  refuseAll: () => GatewayReason | undefined;
  onLog: (row: ConnectionLogRow) => void;
  now?: () => number;
}

/** Time a closed connection gets to flush before its sockets are destroyed. */
const CLOSE_GRACE_MS = 5000;

export class ProxyServer {
  private server: Server | undefined;
  private nextId = 0;
  private readonly perClient = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  active = 0;
  accepted = 0;

  constructor(private readonly opts: ProxyServerOptions) {}

  async start(): Promise<HostPort> {
    // allowHalfOpen: a client that shuts its write side after the request still gets the answer.
    const server = createServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s));
    this.server = server;
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        server.off('error', rej);
        res();
      });
    });
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('no address');
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    // Open tunnels would hold close() forever: end them (their rows are written as they close).
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private accept(client: Socket): void {
    this.accepted++;
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    const id = `c${++this.nextId}`;
    const peer = `${client.remoteAddress ?? '?'}:${client.remotePort ?? 0}`;
    const host = client.remoteAddress ?? '?';
    const limits = this.opts.limits();
    const mine = this.perClient.get(host) ?? 0;
    client.on('error', () => {});
    const refusal =
      this.opts.refuseAll() ??
      (this.active >= limits.maxConnections || mine >= limits.maxConnectionsPerClient
        ? 'connection-limit'
        : undefined);
    if (refusal) {
      const now = this.now();
      this.opts.onLog({
        kind: 'connection',
        tsMs: now,
        client: peer,
        destination: '',
        ip: '',
        port: 0,
        proto: 'tcp',
        mode: this.opts.context().mode(),
        verdict: 'block',
        reason: refusal,
        bytesUp: 0,
        bytesDown: 0,
        endMs: now,
      });
      const front = this.opts.context().front;
      client.end(
        front
          ? (front.refusal(503, refusal, GATEWAY_REASONS[refusal]) ?? new Uint8Array(0))
          : proxyResponse(503, refusal, GATEWAY_REASONS[refusal]),
      );
      setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    this.active++;
    this.perClient.set(host, mine + 1);
    const conn = new ProxyConnection(id, peer, this.now(), this.opts.context());
    let upstream: Socket | undefined;
    let upstreamUp = false;
    let done = false;

    const release = (): void => {
      if (done) return;
      done = true;
      clearTimeout(handshake);
      clearTimeout(idle);
      this.active--;
      const n = (this.perClient.get(host) ?? 1) - 1;
      if (n <= 0) this.perClient.delete(host);
      else this.perClient.set(host, n);
    };
    const dispatch = (e: ProxyEvent): void => {
      if (conn.closed) return;
      for (const c of conn.handle(e, this.now())) run(c);
      if (conn.phase === 'relaying') clearTimeout(handshake);
    };
    const run = (c: ProxyCommand): void => {
      switch (c.type) {
        case 'resolve':
          this.opts.resolve(c.host).then(
            (addresses) => dispatch({ type: 'resolved', addresses }),
            (err: Error) =>
              dispatch({
                type: 'resolve-failed',
                detail: (err as NodeJS.ErrnoException).code ?? err.message,
              }),
          );
          return;
        case 'open-upstream': {
          const up = connect({ host: c.ip, port: c.port, noDelay: true });
          upstream = up;
          this.sockets.add(up);
          up.once('close', () => this.sockets.delete(up));
          upstreamUp = false;
          // Keep-alive: a finished exchange's socket may still report; only the current one speaks.
          const fromUp = (e: ProxyEvent): void => {
            if (up === upstream) dispatch(e);
          };
          up.on('connect', () => {
            upstreamUp = true;
            fromUp({ type: 'upstream-connected' });
          });
          up.on('data', (d: Buffer) => {
            idle.refresh();
            fromUp({ type: 'upstream-data', data: d });
          });
          up.on('end', () => fromUp({ type: 'upstream-closed' }));
          up.on('close', () => fromUp({ type: 'upstream-closed' }));
          up.on('error', (err: NodeJS.ErrnoException) =>
            fromUp(
              upstreamUp
                ? { type: 'upstream-closed' }
                : { type: 'upstream-failed', detail: err.code ?? err.message },
            ),
          );
          return;
        }
        case 'send-to-client':
          // Backpressure: a slow reader pauses the other side (one drain listener at a time).
          if (!client.write(c.data) && upstream && !upstream.isPaused()) {
            upstream.pause();
            client.once('drain', () => upstream?.resume());
          }
          return;
        case 'send-to-upstream':
          if (upstream && !upstream.write(c.data) && !client.isPaused()) {
            client.pause();
            upstream.once('drain', () => client.resume());
          }
          return;
        case 'end-upstream':
          upstream?.end();
          return;
        case 'close': {
          release();
          client.end();
          upstream?.end();
          const u = upstream;
          setTimeout(() => {
            client.destroy();
            u?.destroy();
          }, CLOSE_GRACE_MS).unref();
          return;
        }
        case 'log':
          this.opts.onLog(c.row);
          return;
        default:
          assertNever(c);
      }
    };

    const handshake = setTimeout(
      () => dispatch({ type: 'timeout', kind: 'handshake' }),
      limits.handshakeTimeoutMs,
    );
    const idle = setTimeout(function fire() {
      dispatch({ type: 'timeout', kind: 'idle' });
    }, limits.idleTimeoutMs);
    handshake.unref();
    idle.unref();
    client.on('data', (d: Buffer) => {
      idle.refresh();
      dispatch({ type: 'client-data', data: d });
    });
    client.on('end', () => dispatch({ type: 'client-ended' }));
    client.on('close', () => {
      dispatch({ type: 'client-closed' });
      release();
      upstream?.destroy();
    });
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

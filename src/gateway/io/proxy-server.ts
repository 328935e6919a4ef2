/**
 * The proxy's I/O shell: a node:net server whose sockets feed ProxyConnection events and carry
 * out its commands. Everything decided lives in the core; here: connection limits, timers,
 * backpressure, name resolution, and the pool of idle upstream connections (upstream-pool.ts).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type OriginalPort, originalPort } from '../../native/original-dst.js';
import { endpointText } from '../../net/ip/address.js';
import type { ConnectionLogRow } from '../../store/types.js';
import { type ConnectionContext, OPEN_ROW_AFTER_MS, ProxyConnection } from '../core/connection.js';
import type { Front } from '../core/front.js';
import { proxyResponse } from '../core/responses.js';
import { GATEWAY_REASONS, type GatewayReason, type ProxyCommand, type ProxyEvent } from '../core/types.js';
import { ConnectionCounts } from './connection-counts.js';
import { type DownSplice, PROCESS_SPLICES, SPLICE_AFTER_BYTES, type SpliceRegistry } from './down-splice.js';
import type { HostPort } from './listen-address.js';
import { UpstreamPool, type UpstreamPoolLimits } from './upstream-pool.js';
import { disown, readerOf, readingInto } from './upstream-reader.js';

export interface ProxyLimits {
  maxConnections: number;
  maxConnectionsPerClient: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
}

/**
 * A listener for the allowlist's extra ports (gateway.transparent.other): the box's rules send
 * every such port to it, so no front is fixed; each connection gets one for the port its client
 * aimed at, read from conntrack. A connection whose port cannot be read is refused (fail closed).
 */
export interface ExtraPortFronts {
  /** The front of a connection aimed at `port`. */
  front(port: number): Front;
  /** Told why, when a connection is refused because its port could not be read. */
  unreadable?(detail: string): void;
  /** The port a connection was aimed at (default: conntrack's, native/original-dst.ts; tests). */
  originalPort?(client: Socket): OriginalPort;
}

export interface ProxyServerOptions {
  listen: HostPort;
  /** Redirected extra ports: a front per connection for its original port (else context's front). */
  extraPorts?: ExtraPortFronts;
  context: () => ConnectionContext;
  limits: () => ProxyLimits;
  /** A name's addresses: at once when already known (cachingResolve), else a promise. */
  resolve: (host: string) => readonly string[] | Promise<readonly string[]>;
  /** A reason to refuse every new connection (the log cannot be written), or undefined. */
  refuseAll: () => GatewayReason | undefined;
  onLog: (row: ConnectionLogRow) => void;
  now?: () => number;
  /** Limits of the idle upstream connection pool (defaults: DEFAULT_POOL_LIMITS). */
  pool?: UpstreamPoolLimits;
  /** Connection counts shared with the gateway's other listeners (default: this listener's own). */
  counts?: ConnectionCounts;
  /** Kernel relays for tunnel downloads (default: the process's; AIRLOCK_NO_SPLICE=1 turns them off). */
  splices?: SpliceRegistry;
  /** How often every connection is asked whether it is long open (default OPEN_ROW_AFTER_MS / 2). */
  stillOpenEveryMs?: number;
}

/**
 * Connection ids, one sequence for the whole process: every listener (proxy, transparent TLS,
 * HTTP, other) shares one EgressGate, whose table of open connections is keyed by this id. Per
 * listener, the proxy's c1 and the HTTP listener's c1 were one entry: one connection's bytes
 * were charged to the other's budgets, and one closing removed the other (QA: a tunnel carried
 * 50 KB past a 2 KB budget, another was cut as unknown-connection).
 */
let connections = 0;
const nextConnectionId = (): string => `c${++connections}`;

/** Time a closed connection gets to flush before its sockets are destroyed. */
const CLOSE_GRACE_MS = 5000;
const EMPTY = new Uint8Array(0);
const STILL_OPEN: ProxyEvent = { type: 'still-open' };

export class ProxyServer {
  private server: Server | undefined;
  private readonly counts: ConnectionCounts;
  private readonly sockets = new Set<Socket>();
  /** This listener's spliced tunnels: stopped (their counts settled) before sockets are destroyed. */
  private readonly spliced = new Set<DownSplice>();
  readonly splices: SpliceRegistry;
  /** Idle upstream connections by destination (shared by this listener's client connections). */
  readonly pool: UpstreamPool;
  /** Each open client connection's dispatch: the sweep asks every one whether it is long open. */
  private readonly live = new Set<(e: ProxyEvent) => void>();
  private sweep: NodeJS.Timeout | undefined;
  accepted = 0;

  constructor(private readonly opts: ProxyServerOptions) {
    this.pool = new UpstreamPool(opts.pool);
    this.counts = opts.counts ?? new ConnectionCounts();
    this.splices = opts.splices ?? PROCESS_SPLICES;
  }

  /** Client connections held (by every listener sharing this one's counts). */
  get active(): number {
    return this.counts.active;
  }

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
    // Twice per OPEN_ROW_AFTER_MS: a long connection's row is written 10-15 s after it started.
    this.sweep = setInterval(
      () => {
        for (const d of this.live) d(STILL_OPEN);
      },
      this.opts.stillOpenEveryMs ?? OPEN_ROW_AFTER_MS / 2,
    );
    this.sweep.unref();
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    clearInterval(this.sweep);
    // Open tunnels would hold close() forever: end them. Their rows are written as their sockets
    // close, which is after the server reports itself closed (a socket's 'close' waits for its
    // handle's), so close() waits for every socket: the log writer stops only after those rows.
    this.pool.close();
    for (const d of [...this.spliced]) d.stop();
    const closing = [...this.sockets].map((sock) =>
      sock.closed ? undefined : new Promise<void>((res) => sock.once('close', () => res())),
    );
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((res) => s.close(() => res()));
    await Promise.all(closing);
  }

  /** A new upstream connection, tracked so close() can end it. */
  private connectUpstream(ip: string, port: number): Socket {
    const read = readingInto();
    const up = connect({ host: ip, port, noDelay: true, onread: read.onread });
    read.register(up);
    this.sockets.add(up);
    up.once('close', () => this.sockets.delete(up));
    return up;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private accept(client: Socket): void {
    this.accepted++;
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    const id = nextConnectionId();
    // As `audit --connections` writes it (IPv6 in brackets), so the two join on this text.
    const peer = endpointText(client.remoteAddress ?? '?', client.remotePort ?? 0);
    const host = client.remoteAddress ?? '?';
    const limits = this.opts.limits();
    client.on('error', () => {});
    const extra = this.opts.extraPorts;
    let refusal: GatewayReason | undefined = this.opts.refuseAll();
    /** The port an extra-port connection was aimed at, once read. */
    let port: number | undefined;
    if (!refusal && extra) {
      const o = (extra.originalPort ?? originalPort)(client);
      if ('port' in o) port = o.port;
      else {
        refusal = 'no-original-port';
        extra.unreadable?.(o.error);
      }
    }
    if (!refusal && !this.counts.take(host, limits.maxConnections, limits.maxConnectionsPerClient))
      refusal = 'connection-limit';
    if (refusal) {
      const now = this.now();
      this.opts.onLog({
        kind: 'connection',
        tsMs: now,
        client: peer,
        destination: '',
        ip: '',
        port: port ?? 0,
        proto: 'tcp',
        mode: this.opts.context().mode(),
        verdict: 'block',
        reason: refusal,
        bytesUp: 0,
        bytesDown: 0,
        endMs: now,
      });
      const front = this.opts.context().front;
      const why = GATEWAY_REASONS[refusal];
      // An extra-port client has sent nothing yet: TLS or HTTP is unknown, so it hears nothing.
      client.end(
        extra
          ? EMPTY
          : front
            ? (front.refusal(503, refusal, why) ?? EMPTY)
            : proxyResponse(503, refusal, why),
      );
      setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    const ctx = this.opts.context();
    const conn = new ProxyConnection(
      id,
      peer,
      this.now(),
      extra && port !== undefined ? { ...ctx, front: extra.front(port) } : ctx,
    );
    let upstream: Socket | undefined;
    /** Pool key of the current upstream connection, when the core may release it. */
    let upKey: string | undefined;
    /** Removes the current upstream's listeners (it is released, replaced or retried). */
    let detach: (() => void) | undefined;
    /**
     * A pooled connection that has not answered yet: what was sent on it, to send again on a new
     * connection if the server closed it just as it was reused (a safe, bodiless request only).
     */
    let replay: { chunks: Uint8Array[]; ended: boolean; ip: string; port: number } | undefined;
    let done = false;
    /** The core said 'pass-down' (a tunnel): its download may leave JS once it is worth it. */
    let passDown = false;
    /** Tunnel bytes sent down through JS since 'pass-down'. */
    let carriedDown = 0;
    /** The upstream is paused while what JS queued for the client flushes; then the relay starts. */
    let handingOver = false;
    /** The kernel relay moving this tunnel's download; from then on JS never reads the upstream. */
    let down: DownSplice | undefined;

    const release = (): void => {
      if (done) return;
      done = true;
      clearTimeout(handshake);
      clearTimeout(idle);
      this.counts.give(host);
      this.live.delete(dispatch);
    };
    /** Events raised while the core's last commands are carried out: handled after them, in order. */
    const raised: ProxyEvent[] = [];
    let dispatching = false;
    const dispatch = (e: ProxyEvent): void => {
      if (dispatching) {
        raised.push(e);
        return;
      }
      dispatching = true;
      try {
        for (let next: ProxyEvent | undefined = e; next; next = raised.shift()) {
          if (conn.closed) break;
          settle();
          for (const c of conn.handle(next, this.now())) run(c);
          if (conn.phase === 'relaying') clearTimeout(handshake);
        }
      } finally {
        raised.length = 0;
        dispatching = false;
      }
    };
    /** Tells the core what the kernel moved since last asked (before any event: its rows are exact). */
    const settle = (): number => {
      const n = down?.take() ?? 0;
      if (n > 0 && !conn.closed)
        for (const c of conn.handle({ type: 'down-relayed', bytes: n }, this.now())) run(c);
      return n;
    };
    const unsplice = (): void => {
      down?.stop();
    };
    /** Moves the tunnel's download to the kernel once it has carried enough (a bulk transfer). */
    const maySplice = (): void => {
      const up = upstream;
      if (
        !passDown ||
        handingOver ||
        down ||
        carriedDown < SPLICE_AFTER_BYTES ||
        !up ||
        !this.splices.available
      )
        return;
      // Only a socket read through upstream-reader.ts: pause() stops it at once, nothing buffered.
      if (!readerOf(up)) return;
      handingOver = true;
      // Nothing more is read into JS; what JS already queued for the client goes first.
      up.pause();
      const giveUp = (): void => {
        passDown = false;
        handingOver = false;
        // Reading again; a client that cannot keep up pauses it again at its next write.
        if (upstream === up && !up.destroyed) up.resume();
      };
      const go = (err?: Error | null): void => {
        if (err || conn.closed || upstream !== up || up.destroyed || client.destroyed) return;
        if (client.writableLength > 0) {
          giveUp();
          return;
        }
        const d = this.splices.start(
          up,
          client,
          () => dispatch({ type: 'upstream-closed' }),
          () => {
            settle();
            this.spliced.delete(d!);
          },
        );
        if (!d) {
          giveUp();
          return;
        }
        down = d;
        handingOver = false;
        this.spliced.add(d);
      };
      // A write's callback runs once it and every write before it are flushed (one path, whether
      // or not bytes are queued: a zero-length write sends nothing).
      client.write(EMPTY, go);
    };
    const resumeClient = (): void => {
      client.resume();
    };
    const holdsChunk = (): boolean => client.writableLength > 0;
    /** Makes `up` the connection's upstream: its events go to the core until it is detached. */
    const attach = (up: Socket, connected: boolean): void => {
      detach?.();
      upstream = up;
      let isUp = connected;
      const lost = (): void => {
        // Only an exchange still waiting for its answer is sent again: one the core has ended
        // (cut, refused, the client gone) has been logged, and a new upstream would be unlogged.
        // Nor after the client's end was passed up: the upstream closing may be its answer to it.
        if (replay && !replay.ended && !conn.closed && !client.destroyed) retry();
        else dispatch({ type: 'upstream-closed' });
      };
      const onConnect = (): void => {
        isUp = true;
        dispatch({ type: 'upstream-connected' });
      };
      const onData = (d: Buffer): void => {
        idle.refresh();
        replay = undefined;
        dispatch({ type: 'upstream-data', data: d });
        if (passDown) {
          carriedDown += d.length;
          maySplice();
        }
      };
      const onError = (err: NodeJS.ErrnoException): void => {
        if (isUp) lost();
        else dispatch({ type: 'upstream-failed', detail: err.code ?? err.message });
      };
      if (!connected) up.once('connect', onConnect);
      // Every upstream socket is made by connectUpstream, with its reader.
      const reader = readerOf(up)!;
      reader.onData = onData;
      // The chunk is referenced while the client's write of it is queued.
      reader.holds = holdsChunk;
      reader.onEnd = lost;
      reader.onClose = lost;
      reader.onError = onError;
      detach = () => {
        detach = undefined;
        if (!connected) up.off('connect', onConnect);
        disown(reader);
        up.off('drain', resumeClient);
      };
    };
    /** The pooled connection was closed under the request: the same bytes on a new connection. */
    const retry = (): void => {
      const r = replay!;
      replay = undefined;
      const stale = upstream;
      detach?.();
      stale?.destroy();
      const fresh = this.connectUpstream(r.ip, r.port);
      // The core already saw this upstream connected: a failure now is a close.
      attach(fresh, true);
      for (const chunk of r.chunks) fresh.write(chunk);
      if (r.ended) fresh.end();
    };
    const run = (c: ProxyCommand): void => {
      switch (c.type) {
        case 'resolve': {
          const known = this.opts.resolve(c.host);
          if (isKnown(known)) {
            dispatch({ type: 'resolved', addresses: known });
            return;
          }
          known.then(
            (addresses) => dispatch({ type: 'resolved', addresses }),
            (err: Error) =>
              dispatch({
                type: 'resolve-failed',
                detail: (err as NodeJS.ErrnoException).code ?? err.message,
              }),
          );
          return;
        }
        case 'open-upstream': {
          upKey = c.pool?.key;
          const idleUp = c.pool?.reuse ? this.pool.take(c.pool.key) : undefined;
          if (idleUp) {
            replay = { chunks: [], ended: false, ip: c.ip, port: c.port };
            attach(idleUp, true);
            dispatch({ type: 'upstream-connected' });
          } else {
            replay = undefined;
            attach(this.connectUpstream(c.ip, c.port), false);
          }
          return;
        }
        case 'release-upstream': {
          const up = upstream;
          detach?.();
          upstream = undefined;
          replay = undefined;
          if (client.isPaused()) client.resume();
          if (up && upKey !== undefined) this.pool.give(upKey, up);
          else up?.destroy();
          return;
        }
        case 'send-to-client':
          // Backpressure: a slow reader pauses the other side (one drain listener at a time).
          // Once the download is handed to the kernel, nothing here may read the upstream again.
          if (!client.write(c.data) && upstream && !upstream.isPaused()) {
            upstream.pause();
            client.once('drain', () => {
              if (!handingOver && !down) upstream?.resume();
            });
          }
          return;
        case 'send-to-upstream':
          replay?.chunks.push(c.data);
          if (upstream && !upstream.write(c.data) && !client.isPaused()) {
            client.pause();
            upstream.once('drain', resumeClient);
          }
          return;
        case 'end-upstream':
          if (replay) replay.ended = true;
          upstream?.end();
          return;
        case 'pass-down':
          passDown = true;
          return;
        case 'close': {
          replay = undefined;
          release();
          unsplice();
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
        case 'arm-handshake':
          clearTimeout(handshake);
          handshake = armHandshake();
          return;
        default:
          assertNever(c);
      }
    };

    this.live.add(dispatch);
    /** Bounds a request head (every one on the connection) and its setup, until relaying. */
    const armHandshake = (): NodeJS.Timeout =>
      setTimeout(() => dispatch({ type: 'timeout', kind: 'handshake' }), limits.handshakeTimeoutMs).unref();
    let handshake = armHandshake();
    const idle = setTimeout(function fire() {
      // A spliced download never passes through here: bytes it moved keep the tunnel alive (so
      // an idle spliced tunnel ends between one and two idle timeouts after its last byte).
      if (!conn.closed && settle() > 0) {
        idle.refresh();
        return;
      }
      dispatch({ type: 'timeout', kind: 'idle' });
    }, limits.idleTimeoutMs);
    idle.unref();
    client.on('data', (d: Buffer) => {
      idle.refresh();
      dispatch({ type: 'client-data', data: d });
    });
    client.on('end', () => dispatch({ type: 'client-ended' }));
    client.on('close', () => {
      replay = undefined;
      dispatch({ type: 'client-closed' });
      release();
      unsplice();
      upstream?.destroy();
    });
  }
}

/** Array.isArray does not narrow a readonly array. */
function isKnown(r: readonly string[] | Promise<readonly string[]>): r is readonly string[] {
  return Array.isArray(r);
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

/**
 * One proxied client connection as a sans-IO state machine: `handle(event, nowMs)` returns the
 * commands the shell must carry out. States are an explicit tagged union; every event is handled
 * by an exhaustive switch over them.
 *
 *   head ──request parsed, name allowed──▶ resolving ──address allowed──▶ connecting ──▶ relaying
 *     └────────── refused / malformed / timeout / closed ──────────▶ closed (one log row) ◀──┘
 *
 * The gate is asked twice: once on the name alone, so a refused name is never even resolved
 * (a lookup is itself an upload channel), and once on the resolved address, so a name pointing
 * into the box's own networks is refused whatever the mode.
 */
import { isIP } from 'node:net';
import { readHttpRequestHead } from '../../net/app/http-request.js';
import type { EgressGate, OpenDecision, ReasonCode } from '../../policy/egress/index.js';
import type { NetworkMode } from '../../policy/types.js';
import type { ConnectionLogRow } from '../../store/types.js';
import { defaultPort, originFormHead } from './forward-head.js';
import { CONNECT_ESTABLISHED, proxyResponse } from './responses.js';
import { GATEWAY_REASONS, type GatewayReason, type ProxyCommand, type ProxyEvent } from './types.js';

export interface ConnectionContext {
  gate: EgressGate;
  /** The policy mode now (a reload may change it between connections). */
  mode: () => NetworkMode;
  maxHeaderBytes: number;
}

/** What the request asks for, once its head is read. */
interface Target {
  kind: 'connect' | 'forward';
  /** Host as written (lower case; IPv6 without brackets). */
  host: string;
  /** Undefined for IP literals: the gate refuses nameless connections outside monitor. */
  name: string | undefined;
  port: number;
  /** Bytes to send upstream first (the origin-form head; nothing for CONNECT). */
  firstUp: Uint8Array;
}

type State =
  | { kind: 'head'; buf: Uint8Array }
  | { kind: 'resolving'; target: Target; pending: Uint8Array[] }
  | { kind: 'connecting'; target: Target; ip: string; decision: OpenDecision; pending: Uint8Array[] }
  | { kind: 'relaying'; target: Target; ip: string; decision: OpenDecision }
  | { kind: 'closed' };

/** Client bytes held while the upstream connection is being set up. */
const MAX_PENDING_BYTES = 1024 * 1024;
/**
 * A documentation address (RFC 5737, classed 'public' by the gate) for the name-only question.
 * The gate has no name-only entry point yet; see the report for the wished API.
 */
const NAME_ONLY_PROBE_IP = '192.0.2.1';

export class ProxyConnection {
  private state: State = { kind: 'head', buf: new Uint8Array(0) };
  private bytesUp = 0;
  private bytesDown = 0;
  private pendingBytes = 0;

  constructor(
    readonly id: string,
    /** 'ip:port' of the client. */
    readonly client: string,
    readonly startMs: number,
    private readonly ctx: ConnectionContext,
  ) {}

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  /** The state's name (metrics, tests). */
  get phase(): State['kind'] {
    return this.state.kind;
  }

  handle(event: ProxyEvent, nowMs: number): ProxyCommand[] {
    const s = this.state;
    switch (s.kind) {
      case 'head':
        return this.onHead(s, event, nowMs);
      case 'resolving':
        return this.onResolving(s, event, nowMs);
      case 'connecting':
        return this.onConnecting(s, event, nowMs);
      case 'relaying':
        return this.onRelaying(s, event, nowMs);
      case 'closed':
        return [];
      default:
        return assertNever(s);
    }
  }

  private onHead(s: Extract<State, { kind: 'head' }>, e: ProxyEvent, nowMs: number): ProxyCommand[] {
    switch (e.type) {
      case 'client-data': {
        const buf = concat(s.buf, e.data);
        const max = this.ctx.maxHeaderBytes;
        const d = readHttpRequestHead(buf.subarray(0, max + 1));
        if (d.kind === 'need') {
          if (buf.length > max) return this.refuse(431, 'header-too-large', nowMs);
          this.state = { kind: 'head', buf };
          return [];
        }
        if (d.kind === 'malformed') {
          return d.error.code === 'AIRLOCK_ERR_LIMIT'
            ? this.refuse(431, 'header-too-large', nowMs)
            : this.refuse(400, 'bad-request', nowMs, d.error.message);
        }
        const head = d.value;
        const auth = head.authority;
        if (head.form === 'authority' && auth?.port === undefined) return this.refuse(400, 'no-port', nowMs);
        const port = auth?.port ?? defaultPort(head.target);
        // CONNECT, or an absolute http:// URI; an https:// URI would need the proxy to speak TLS.
        const forwardable =
          head.form === 'authority' || (head.form === 'absolute' && /^http:/i.test(head.target));
        if (!forwardable || !auth || port === undefined) return this.refuse(400, 'not-proxy-request', nowMs);
        const literal = isIP(auth.host) !== 0;
        const hostField = `${literal && auth.host.includes(':') ? `[${auth.host}]` : auth.host}${auth.port === undefined ? '' : `:${auth.port}`}`;
        const target: Target = {
          kind: head.form === 'authority' ? 'connect' : 'forward',
          host: auth.host,
          name: literal ? undefined : auth.host,
          port,
          firstUp: head.form === 'authority' ? new Uint8Array(0) : originFormHead(head, hostField),
        };
        const rest = buf.subarray(head.length);
        const pending = rest.length > 0 ? [Uint8Array.from(rest)] : [];
        this.pendingBytes = rest.length;
        if (literal) return this.decide(target, auth.host, pending, nowMs);
        const probe = this.ask(target, NAME_ONLY_PROBE_IP, nowMs);
        this.ctx.gate.close(this.id, nowMs);
        if (probe.verdict === 'block') return this.refuseByGate(target, undefined, probe, nowMs);
        this.state = { kind: 'resolving', target, pending };
        return [{ type: 'resolve', host: auth.host }];
      }
      case 'timeout':
        return this.refuse(408, 'handshake-timeout', nowMs);
      case 'client-closed':
        return this.finish({ reason: 'client-closed' }, nowMs);
      case 'resolved':
      case 'resolve-failed':
      case 'upstream-connected':
      case 'upstream-failed':
      case 'upstream-data':
      case 'upstream-closed':
        return [];
      default:
        return assertNever(e);
    }
  }

  private onResolving(
    s: Extract<State, { kind: 'resolving' }>,
    e: ProxyEvent,
    nowMs: number,
  ): ProxyCommand[] {
    switch (e.type) {
      case 'resolved': {
        const ip = e.addresses[0];
        if (ip === undefined)
          return this.refuse(502, 'resolve-failed', nowMs, `${s.target.host}: no address`, s.target);
        return this.decide(s.target, ip, s.pending, nowMs);
      }
      case 'resolve-failed':
        return this.refuse(502, 'resolve-failed', nowMs, `${s.target.host}: ${e.detail}`, s.target);
      case 'client-data':
        return this.hold(s.pending, e.data, nowMs);
      case 'timeout':
        return this.refuse(504, 'handshake-timeout', nowMs, undefined, s.target);
      case 'client-closed':
        return this.finish({ reason: 'client-closed', target: s.target }, nowMs);
      case 'upstream-connected':
      case 'upstream-failed':
      case 'upstream-data':
      case 'upstream-closed':
        return [];
      default:
        return assertNever(e);
    }
  }

  private onConnecting(
    s: Extract<State, { kind: 'connecting' }>,
    e: ProxyEvent,
    nowMs: number,
  ): ProxyCommand[] {
    switch (e.type) {
      case 'upstream-connected': {
        this.state = { kind: 'relaying', target: s.target, ip: s.ip, decision: s.decision };
        const out: ProxyCommand[] =
          s.target.kind === 'connect' ? [{ type: 'send-to-client', data: CONNECT_ESTABLISHED }] : [];
        for (const chunk of [s.target.firstUp, ...s.pending]) {
          if (chunk.length === 0) continue;
          out.push(...this.sendUp(chunk, nowMs));
          if (this.closed) break;
        }
        return out;
      }
      case 'upstream-failed':
        return [
          {
            type: 'send-to-client',
            data: proxyResponse(502, 'upstream-failed', `${s.target.host}:${s.target.port}: ${e.detail}`),
          },
          ...this.finish({ target: s.target, ip: s.ip, decision: s.decision, cut: 'upstream-failed' }, nowMs),
        ];
      case 'client-data':
        return this.hold(s.pending, e.data, nowMs);
      case 'timeout':
        return [
          {
            type: 'send-to-client',
            data: proxyResponse(504, 'upstream-failed', 'upstream connection timed out'),
          },
          ...this.finish(
            { target: s.target, ip: s.ip, decision: s.decision, cut: 'handshake-timeout' },
            nowMs,
          ),
        ];
      case 'client-closed':
      case 'upstream-closed':
        return this.finish({ target: s.target, ip: s.ip, decision: s.decision }, nowMs);
      case 'resolved':
      case 'resolve-failed':
      case 'upstream-data':
        return [];
      default:
        return assertNever(e);
    }
  }

  private onRelaying(s: Extract<State, { kind: 'relaying' }>, e: ProxyEvent, nowMs: number): ProxyCommand[] {
    switch (e.type) {
      case 'client-data':
        return this.sendUp(e.data, nowMs);
      case 'upstream-data':
        this.bytesDown += e.data.length;
        return [{ type: 'send-to-client', data: e.data }];
      case 'client-closed':
      case 'upstream-closed':
        return this.finish({ target: s.target, ip: s.ip, decision: s.decision }, nowMs);
      case 'timeout':
        // The handshake timer belongs to the phases before relaying; only idleness ends a tunnel.
        return e.kind === 'idle'
          ? this.finish({ target: s.target, ip: s.ip, decision: s.decision, cut: 'idle-timeout' }, nowMs)
          : [];
      case 'resolved':
      case 'resolve-failed':
      case 'upstream-connected':
      case 'upstream-failed':
        return [];
      default:
        return assertNever(e);
    }
  }

  /** Client → upstream through the gate's budget: the byte at the budget passes, the next is cut. */
  private sendUp(data: Uint8Array, nowMs: number): ProxyCommand[] {
    const s = this.state;
    if (s.kind !== 'relaying') return [];
    const d = this.ctx.gate.upstream(this.id, data.length, nowMs);
    const out: ProxyCommand[] = [];
    if (d.pass > 0) {
      this.bytesUp += d.pass;
      out.push({ type: 'send-to-upstream', data: d.pass === data.length ? data : data.subarray(0, d.pass) });
    }
    if (d.cut)
      out.push(
        ...this.finish(
          { target: s.target, ip: s.ip, decision: s.decision, cut: d.reason ?? 'connection-budget' },
          nowMs,
        ),
      );
    return out;
  }

  private hold(pending: Uint8Array[], data: Uint8Array, nowMs: number): ProxyCommand[] {
    this.pendingBytes += data.length;
    if (this.pendingBytes > MAX_PENDING_BYTES)
      return this.refuse(400, 'bad-request', nowMs, 'too many bytes before the upstream connection');
    pending.push(data);
    return [];
  }

  private ask(target: Target, ip: string, nowMs: number): OpenDecision {
    return this.ctx.gate.open(
      {
        id: this.id,
        ...(target.name === undefined ? {} : { name: target.name }),
        ip,
        port: target.port,
        proto: 'tcp',
        app: target.kind === 'forward' ? 'http' : target.port === 443 ? 'tls' : 'other',
      },
      nowMs,
    );
  }

  private decide(target: Target, ip: string, pending: Uint8Array[], nowMs: number): ProxyCommand[] {
    const decision = this.ask(target, ip, nowMs);
    if (decision.verdict === 'block') return this.refuseByGate(target, ip, decision, nowMs);
    this.state = { kind: 'connecting', target, ip, decision, pending };
    return [{ type: 'open-upstream', ip, port: target.port }];
  }

  private refuseByGate(
    target: Target,
    ip: string | undefined,
    d: OpenDecision,
    nowMs: number,
  ): ProxyCommand[] {
    return [
      { type: 'send-to-client', data: proxyResponse(403, d.reason, d.detail) },
      ...this.finish({ target, decision: d, ...(ip === undefined ? {} : { ip }) }, nowMs),
    ];
  }

  /** Refused before (or without) a gate decision: a response, then the log row. */
  private refuse(
    status: number,
    reason: GatewayReason,
    nowMs: number,
    detail?: string,
    target?: Target,
  ): ProxyCommand[] {
    return [
      { type: 'send-to-client', data: proxyResponse(status, reason, detail ?? GATEWAY_REASONS[reason]) },
      ...this.finish({ reason, ...(target ? { target } : {}) }, nowMs),
    ];
  }

  private finish(
    end: {
      target?: Target;
      ip?: string;
      decision?: OpenDecision;
      /** The gateway's own reason when the gate never decided. */
      reason?: GatewayReason;
      /** Why an allowed connection was ended by the gateway. */
      cut?: ReasonCode | GatewayReason;
    },
    nowMs: number,
  ): ProxyCommand[] {
    if (this.state.kind === 'closed') return [];
    this.state = { kind: 'closed' };
    this.ctx.gate.close(this.id, nowMs);
    const t = end.target;
    const row: ConnectionLogRow = {
      kind: 'connection',
      tsMs: this.startMs,
      client: this.client,
      destination: end.decision?.destination ?? t?.host ?? '',
      ...(t?.name === undefined ? {} : { name: t.name }),
      ip: end.ip ?? '',
      port: t?.port ?? 0,
      proto: 'tcp',
      mode: this.ctx.mode(),
      verdict: end.decision?.verdict ?? 'block',
      reason: end.decision?.reason ?? end.reason ?? 'bad-request',
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      ...(end.cut === undefined ? {} : { cut: end.cut }),
      endMs: nowMs,
    };
    return [{ type: 'log', row }, { type: 'close' }];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

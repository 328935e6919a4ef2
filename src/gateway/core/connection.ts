/**
 * One client connection as a sans-IO state machine: `handle(event, nowMs)` returns the commands
 * the shell must carry out. States are an explicit tagged union; every event is handled by an
 * exhaustive switch over them. The front (front.ts) reads what the connection asks for — a proxy
 * request, a redirected TLS ClientHello or HTTP head — and everything after is shared.
 *
 *   head ──target read, name allowed──▶ resolving ──address allowed──▶ connecting ──▶ relaying
 *     └────────── refused / malformed / timeout / closed ──────────▶ closed (one log row) ◀──┘
 *
 * The gate is asked twice: once on the name alone, so a refused name is never even resolved
 * (a lookup is itself an upload channel), and once on the resolved address, so a name pointing
 * into the box's own networks is refused whatever the mode.
 *
 * Keep-alive (http-exchange.ts): a client connection may carry several HTTP requests; each is
 * judged, budgeted and logged as its own connection (the gate's id gets a '/n' suffix), and the
 * next request's bytes are held, never sent to the previous request's upstream. An upstream
 * connection whose response ended cleanly is released to the shell's pool ('release-upstream')
 * and may serve a later request to the same destination, once that request has been judged.
 *
 * Tunnels (CONNECT, transparent TLS) have no exchange to frame: once relaying, the core says
 * 'pass-down' and the shell may move the download without showing it here (the kernel's splice),
 * reporting the bytes with 'down-relayed'; the upload still passes through the core's budget.
 *
 * Half-close: a client that shuts its write side after its request still gets the response; the
 * shutdown is passed upstream once everything before it was sent, and the connection ends when
 * the upstream closes (or the idle timer fires).
 */

import { concatBytes } from '../../core/bytes.js';
import { GrowingBytes } from '../../core/growing-bytes.js';
import { HeadProgress } from '../../net/app/head-progress.js';
import type { HttpRequestHead } from '../../net/app/http-request.js';
import { upstreamMayPersist } from '../../net/app/request-framing.js';
import { type EgressGate, type OpenDecision, REASONS, type ReasonCode } from '../../policy/egress/index.js';
import type { NetworkMode } from '../../policy/types.js';
import type { ConnectionLogRow } from '../../store/types.js';
import type { Front, Target } from './front.js';
import { HttpExchange, mayUseIdleUpstream } from './http-exchange.js';
import { PROXY_FRONT } from './proxy-head.js';
import { requestLine, shownHost } from './request-line.js';
import {
  type FlowEvent,
  GATEWAY_REASONS,
  type GatewayReason,
  type ProxyCommand,
  type ProxyEvent,
} from './types.js';

/**
 * How long a connection relays before it is logged while still open (then again when it ends):
 * at most this much of a tunnel's life can be missing from the record after a kill or crash.
 */
export const OPEN_ROW_AFTER_MS = 10_000;

export interface ConnectionContext {
  gate: EgressGate;
  /** The policy mode now (a reload may change it between connections). */
  mode: () => NetworkMode;
  maxHeaderBytes: number;
  /** How the first bytes are read; the forward proxy's when absent. */
  front?: Front;
}

type State =
  /** `buf`: the head's bytes so far; `progress`: where the front's reading of them stopped. */
  | { kind: 'head'; buf: GrowingBytes; progress: HeadProgress }
  | { kind: 'resolving'; target: Target; pending: Uint8Array[] }
  | { kind: 'connecting'; target: Target; ip: string; decision: OpenDecision; pending: Uint8Array[] }
  | { kind: 'relaying'; target: Target; ip: string; decision: OpenDecision }
  | { kind: 'closed' };

/** Client bytes held while the upstream connection is being set up. */
const MAX_PENDING_BYTES = 1024 * 1024;

export class ProxyConnection {
  private state: State = newHead();
  private bytesUp = 0;
  private bytesDown = 0;
  private pendingBytes = 0;
  /** The client half-closed after its head: pass it upstream once the pending bytes are sent. */
  private clientEnded = false;
  private readonly front: Front;
  /** The HTTP request being relayed (forward proxy, transparent http); undefined for tunnels. */
  private exchange: HttpExchange | undefined;
  /** Client bytes after the current request: the next request, judged when this one is over. */
  private next: Uint8Array[] = [];
  private nextBytes = 0;
  /** Exchanges finished on this client connection (keep-alive). */
  private exchanges = 0;
  private rowStartMs: number;
  /** This exchange's 'still open' row was written. */
  private announced = false;

  constructor(
    readonly id: string,
    /** 'ip:port' of the client. */
    readonly client: string,
    readonly startMs: number,
    private readonly ctx: ConnectionContext,
  ) {
    this.front = ctx.front ?? PROXY_FRONT;
    this.rowStartMs = startMs;
  }

  /** The gate's id for the current exchange: unique per request on a keep-alive connection. */
  private get gateId(): string {
    return this.exchanges === 0 ? this.id : `${this.id}/${this.exchanges}`;
  }

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  /** The state's name (metrics, tests). */
  get phase(): State['kind'] {
    return this.state.kind;
  }

  handle(event: ProxyEvent, nowMs: number): ProxyCommand[] {
    if (event.type === 'still-open') return this.stillOpen(nowMs);
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

  private onHead(s: Extract<State, { kind: 'head' }>, e: FlowEvent, nowMs: number): ProxyCommand[] {
    switch (e.type) {
      case 'client-data': {
        // A keep-alive connection's next request: its row is timed from its first bytes, not from
        // the end of the exchange before it (the connection may have idled in between), and its
        // head is time-bounded as the first one was (a head trickled byte by byte is slowloris).
        const arm: ProxyCommand[] = [];
        if (s.buf.length === 0 && this.exchanges > 0) {
          this.rowStartMs = nowMs;
          arm.push({ type: 'arm-handshake' });
        }
        // The first piece is read where it lies; later ones are gathered (a copy per byte, not per piece).
        const first = s.buf.length === 0;
        if (!first) s.buf.append(e.data);
        const buf = first ? e.data : s.buf.bytes;
        const h = this.front.readHead(buf, this.ctx.maxHeaderBytes, s.progress);
        switch (h.kind) {
          case 'need':
            if (first) s.buf.append(e.data);
            return arm;
          case 'refuse':
            return [...arm, ...this.refuse(h.status, h.reason, nowMs, h.detail, undefined, this.lineOf(buf))];
          case 'target':
            return [...arm, ...this.onTarget(h.target, h.rest, nowMs)];
          default:
            return assertNever(h);
        }
      }
      case 'timeout':
        if (this.betweenExchanges(s)) return this.endQuietly(nowMs);
        return this.refuse(408, 'handshake-timeout', nowMs, undefined, undefined, this.lineOf(s.buf.bytes));
      case 'client-ended':
      case 'client-closed':
        if (this.betweenExchanges(s)) return this.endQuietly(nowMs);
        return this.finish({ reason: 'client-closed' }, nowMs);
      case 'resolved':
      case 'resolve-failed':
      case 'upstream-connected':
      case 'upstream-failed':
      case 'upstream-data':
      case 'upstream-closed':
      case 'down-relayed':
        return [];
      default:
        return assertNever(e);
    }
  }

  /** A keep-alive connection waiting for its next request, none begun: ending it is no attempt. */
  private betweenExchanges(s: Extract<State, { kind: 'head' }>): boolean {
    return this.exchanges > 0 && s.buf.length === 0;
  }

  /** Every exchange already has its row: close without another. */
  private endQuietly(nowMs: number): ProxyCommand[] {
    this.state = { kind: 'closed' };
    this.ctx.gate.close(this.gateId, nowMs);
    return [{ type: 'close' }];
  }

  private onTarget(target: Target, rest: Uint8Array, nowMs: number): ProxyCommand[] {
    this.exchange = target.request ? new HttpExchange(target.request, this.ctx.maxHeaderBytes) : undefined;
    const mine = this.ofThisRequest(rest);
    if ('error' in mine) {
      const line = target.request && requestLine(new TextEncoder().encode(headLine(target.request)));
      return this.refuse(400, mine.error.reason, nowMs, mine.error.detail, target, line);
    }
    const pending = mine.body.length > 0 ? [Uint8Array.from(mine.body)] : [];
    this.pendingBytes = mine.body.length;
    if (target.name === undefined) return this.decide(target, target.host, pending, nowMs);
    // The name (and its port) is judged before it is resolved: a refused name is never looked up
    // (lookups leak).
    const probe = this.ctx.gate.admitsName(target.name, nowMs, target.port);
    if (probe.verdict === 'block')
      return this.refuseByGate(
        target,
        undefined,
        { ...probe, destination: probe.name, connectionBudget: 0 },
        nowMs,
      );
    this.state = { kind: 'resolving', target, pending };
    return [{ type: 'resolve', host: target.host }];
  }

  private onResolving(s: Extract<State, { kind: 'resolving' }>, e: FlowEvent, nowMs: number): ProxyCommand[] {
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
        return this.hold(s.pending, e.data, nowMs, { target: s.target });
      case 'timeout':
        return this.refuse(504, 'handshake-timeout', nowMs, undefined, s.target);
      case 'client-ended':
        this.clientEnded = true;
        return [];
      case 'client-closed':
        return this.finish({ reason: 'client-closed', target: s.target }, nowMs);
      case 'upstream-connected':
      case 'upstream-failed':
      case 'upstream-data':
      case 'upstream-closed':
      case 'down-relayed':
        return [];
      default:
        return assertNever(e);
    }
  }

  private onConnecting(
    s: Extract<State, { kind: 'connecting' }>,
    e: FlowEvent,
    nowMs: number,
  ): ProxyCommand[] {
    switch (e.type) {
      case 'upstream-connected': {
        this.state = { kind: 'relaying', target: s.target, ip: s.ip, decision: s.decision };
        const out: ProxyCommand[] =
          s.target.firstDown.length > 0 ? [{ type: 'send-to-client', data: s.target.firstDown }] : [];
        for (const chunk of [s.target.firstUp, ...s.pending]) {
          if (chunk.length === 0) continue;
          out.push(...this.sendUp(chunk, nowMs));
          if (this.closed) return out;
        }
        if (this.clientEnded) out.push({ type: 'end-upstream' });
        // A tunnel's download is opaque to the core: the shell may move it without JS.
        if (!this.exchange) out.push({ type: 'pass-down' });
        return out;
      }
      case 'upstream-failed':
        return [
          ...this.say(502, 'upstream-failed', `${s.target.host}:${s.target.port}: ${e.detail}`),
          ...this.finish({ target: s.target, ip: s.ip, decision: s.decision, cut: 'upstream-failed' }, nowMs),
        ];
      case 'client-data':
        return this.hold(s.pending, e.data, nowMs, { target: s.target, ip: s.ip, decision: s.decision });
      case 'timeout':
        return [
          ...this.say(504, 'upstream-failed', 'upstream connection timed out'),
          ...this.finish(
            { target: s.target, ip: s.ip, decision: s.decision, cut: 'handshake-timeout' },
            nowMs,
          ),
        ];
      case 'client-ended':
        this.clientEnded = true;
        return [];
      case 'client-closed':
      case 'upstream-closed':
        return this.finish({ target: s.target, ip: s.ip, decision: s.decision }, nowMs);
      case 'resolved':
      case 'resolve-failed':
      case 'upstream-data':
      case 'down-relayed':
        return [];
      default:
        return assertNever(e);
    }
  }

  private onRelaying(s: Extract<State, { kind: 'relaying' }>, e: FlowEvent, nowMs: number): ProxyCommand[] {
    switch (e.type) {
      case 'client-data': {
        const mine = this.ofThisRequest(e.data);
        if ('error' in mine)
          return this.finish(
            { target: s.target, ip: s.ip, decision: s.decision, cut: mine.error.reason },
            nowMs,
          );
        return mine.body.length > 0 ? this.sendUp(mine.body, nowMs) : [];
      }
      case 'upstream-data': {
        this.bytesDown += e.data.length;
        if (!this.exchange) return [{ type: 'send-to-client', data: e.data }];
        const x = this.exchange;
        const r = x.takeResponse(e.data);
        const out: ProxyCommand[] = r.out.length > 0 ? [{ type: 'send-to-client', data: r.out }] : [];
        if (r.streaming) out.push(...this.releaseHeld(nowMs));
        if (r.error) {
          // The upstream connection ends with the exchange (never pooled); the client hears why
          // unless part of the response already reached it.
          if (r.error.unanswered) out.push(...this.say(502, r.error.reason, r.error.detail));
          out.push(
            ...this.finish({ target: s.target, ip: s.ip, decision: s.decision, cut: r.error.reason }, nowMs),
          );
        } else if (r.done && x.upstreamReusable && x.requestDone && !this.clientEnded) {
          // The upstream connection is done with this request: idle in the pool, this exchange over.
          out.push({ type: 'release-upstream' });
          out.push(
            ...(x.reusable
              ? this.nextExchange(s, nowMs)
              : this.finish({ target: s.target, ip: s.ip, decision: s.decision }, nowMs)),
          );
        }
        return out;
      }
      case 'down-relayed':
        // Only a tunnel is told 'pass-down'; counted like upstream-data it was not shown.
        this.bytesDown += e.bytes;
        return [];
      case 'client-ended':
        if (this.clientEnded) return [];
        this.clientEnded = true;
        return [{ type: 'end-upstream' }];
      case 'upstream-closed': {
        // A framed response cut short leaves the client waiting for bytes that never come: end it.
        if (this.exchange?.reusable && this.exchange.responseDone && !this.clientEnded)
          return this.nextExchange(s, nowMs);
        const end = this.finish({ target: s.target, ip: s.ip, decision: s.decision }, nowMs);
        const unfinished = this.exchange?.unfinishedHead();
        return unfinished?.length ? [{ type: 'send-to-client', data: unfinished }, ...end] : end;
      }
      case 'client-closed':
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

  /**
   * The part of client bytes that belongs to the current request; what follows its end is kept
   * for the next exchange. An error when more is held than a head may be (a pipelining flood) or
   * when a chunked body's framing is malformed.
   */
  private ofThisRequest(data: Uint8Array): { body: Uint8Array } | { error: RequestError } {
    const x = this.exchange;
    if (!x) return { body: data };
    let body = data.subarray(data.length);
    if (this.next.length === 0) {
      const r = x.takeRequest(data);
      if (r.error !== undefined) return { error: { reason: 'bad-framing', detail: r.error } };
      body = r.body;
      if (r.rest.length > 0) this.stash(r.rest);
    } else this.stash(data);
    return this.nextBytes > this.ctx.maxHeaderBytes + MAX_PENDING_BYTES
      ? { error: { reason: 'bad-request', detail: 'too many pipelined bytes' } }
      : { body };
  }

  private stash(data: Uint8Array): void {
    this.next.push(Uint8Array.from(data));
    this.nextBytes += data.length;
  }

  /** The upstream closed after a response the client can delimit: log it, read the next request. */
  private nextExchange(s: Extract<State, { kind: 'relaying' }>, nowMs: number): ProxyCommand[] {
    const out: ProxyCommand[] = [
      { type: 'log', row: this.row({ target: s.target, ip: s.ip, decision: s.decision }, nowMs) },
    ];
    this.ctx.gate.close(this.gateId, nowMs);
    this.exchanges++;
    this.announced = false;
    this.bytesUp = 0;
    this.bytesDown = 0;
    this.pendingBytes = 0;
    this.exchange = undefined;
    const held = this.takeHeld();
    this.state = newHead();
    if (held) out.push(...this.handle({ type: 'client-data', data: held }, nowMs));
    return out;
  }

  /**
   * The exchange turned into a stream both ways (an NTRIP 1.0 caster's `ICY 200 OK`): the client
   * bytes held as a next request's (the rover's positions, sent before the answer came) go up as
   * this request's, through the budget.
   */
  private releaseHeld(nowMs: number): ProxyCommand[] {
    const held = this.takeHeld();
    return held ? this.sendUp(held, nowMs) : [];
  }

  /** The client bytes held past the current request, taken (undefined when none). */
  private takeHeld(): Uint8Array | undefined {
    if (this.next.length === 0) return undefined;
    const held = concatBytes(this.next);
    this.next = [];
    this.nextBytes = 0;
    return held;
  }

  /** Client → upstream through the gate's budget: the byte at the budget passes, the next is cut. */
  private sendUp(data: Uint8Array, nowMs: number): ProxyCommand[] {
    const s = this.state;
    if (s.kind !== 'relaying') return [];
    const d = this.ctx.gate.upstream(this.gateId, data.length, nowMs);
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

  /**
   * Client bytes that arrive while the target is looked up or connected to: kept to send once
   * connected. `at`: what is known of the connection by then, for the row of a refusal here (an
   * allowed one is cut, as any failure while connecting is).
   */
  private hold(
    pending: Uint8Array[],
    all: Uint8Array,
    nowMs: number,
    at: { target: Target; ip?: string; decision?: OpenDecision },
  ): ProxyCommand[] {
    const stop = (reason: GatewayReason, detail: string): ProxyCommand[] =>
      at.decision
        ? [...this.say(400, reason, detail), ...this.finish({ ...at, cut: reason }, nowMs)]
        : this.refuse(400, reason, nowMs, detail, at.target);
    const mine = this.ofThisRequest(all);
    if ('error' in mine) return stop(mine.error.reason, mine.error.detail);
    const data = mine.body;
    if (data.length === 0) return [];
    this.pendingBytes += data.length;
    if (this.pendingBytes > MAX_PENDING_BYTES)
      return stop('bad-request', 'too many bytes before the upstream connection');
    pending.push(data);
    return [];
  }

  private ask(target: Target, ip: string, nowMs: number): OpenDecision {
    return this.ctx.gate.open(
      {
        id: this.gateId,
        ...(target.name === undefined ? {} : { name: target.name }),
        ip,
        port: target.port,
        proto: 'tcp',
        app: appOf(target),
      },
      nowMs,
    );
  }

  private decide(target: Target, ip: string, pending: Uint8Array[], nowMs: number): ProxyCommand[] {
    const decision = this.ask(target, ip, nowMs);
    if (decision.verdict === 'block') return this.refuseByGate(target, ip, decision, nowMs);
    this.state = { kind: 'connecting', target, ip, decision, pending };
    const req = target.request;
    if (req === undefined || !upstreamMayPersist(req))
      return [{ type: 'open-upstream', ip, port: target.port }];
    // One pool key per destination as judged: the name, the address and the port.
    const key = `${target.name ?? ''}|${ip}|${target.port}`;
    return [{ type: 'open-upstream', ip, port: target.port, pool: { key, reuse: mayUseIdleUpstream(req) } }];
  }

  /** What the front tells a refused client (nothing at all on a TLS port). */
  private say(status: number, reason: string, detail: string): ProxyCommand[] {
    const data = this.front.refusal(status, reason, detail);
    return data === undefined ? [] : [{ type: 'send-to-client', data }];
  }

  private refuseByGate(
    target: Target,
    ip: string | undefined,
    d: OpenDecision,
    nowMs: number,
  ): ProxyCommand[] {
    return [
      ...this.say(403, d.reason, d.detail),
      ...this.finish({ target, decision: d, ...(ip === undefined ? {} : { ip }) }, nowMs),
    ];
  }

  /** Refused before (or without) a gate decision: a response, then the log row. */
  private refuse(
    status: number,
    reason: GatewayReason | ReasonCode,
    nowMs: number,
    detail?: string,
    target?: Target,
    request?: string,
  ): ProxyCommand[] {
    return [
      ...this.say(status, reason, detail ?? reasonText(reason)),
      ...this.finish({ reason, ...(target ? { target } : {}), ...(request ? { request } : {}) }, nowMs),
    ];
  }

  /** The request line of a head refused before its target was read (not of TLS: binary). */
  private lineOf(buf: Uint8Array): string | undefined {
    return this.front.name === 'tls' ? undefined : requestLine(buf);
  }

  /**
   * A connection relaying for OPEN_ROW_AFTER_MS (a tunnel, a long download) is logged once while
   * open. Short exchanges, nearly all of them, end first and get their one row as before.
   */
  private stillOpen(nowMs: number): ProxyCommand[] {
    const s = this.state;
    if (s.kind !== 'relaying' || this.announced || nowMs - this.rowStartMs < OPEN_ROW_AFTER_MS) return [];
    this.announced = true;
    return [
      { type: 'log', row: this.row({ target: s.target, ip: s.ip, decision: s.decision }, nowMs, true) },
    ];
  }

  private finish(end: LogEnd, nowMs: number): ProxyCommand[] {
    if (this.state.kind === 'closed') return [];
    this.state = { kind: 'closed' };
    this.ctx.gate.close(this.gateId, nowMs);
    return [{ type: 'log', row: this.row(end, nowMs) }, { type: 'close' }];
  }

  /** The row of the exchange as it ends at `nowMs`, or, `open`, as it stands (no end yet). */
  private row(end: LogEnd, nowMs: number, open = false): ConnectionLogRow {
    const t = end.target;
    // Optional fields assigned, not spread: one row per request, and spreads allocate twice.
    const row: ConnectionLogRow = {
      kind: 'connection',
      tsMs: this.rowStartMs,
      client: this.client,
      destination: shownHost(end.decision?.destination ?? t?.host ?? ''),
      ip: end.ip ?? '',
      port: t?.port ?? 0,
      proto: 'tcp',
      mode: this.ctx.mode(),
      verdict: end.decision?.verdict ?? 'block',
      reason: end.decision?.reason ?? end.reason ?? 'bad-request',
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
    };
    if (open) row.open = true;
    else row.endMs = nowMs;
    if (t?.name !== undefined) row.name = shownHost(t.name);
    if (t?.claimed) row.claimed = true;
    if (end.cut !== undefined) row.cut = end.cut;
    if (end.request !== undefined) row.request = end.request;
    return row;
  }
}

interface RequestError {
  reason: GatewayReason;
  detail: string;
}

interface LogEnd {
  target?: Target;
  ip?: string;
  decision?: OpenDecision;
  /** The gateway's own reason when the gate never decided. */
  reason?: GatewayReason | ReasonCode;
  /** Why an allowed connection was ended by the gateway. */
  cut?: ReasonCode | GatewayReason;
  /** The request line of a request refused before a decision (request-line.ts). */
  request?: string;
}

function headLine(h: HttpRequestHead): string {
  return `${h.method} ${h.target} ${h.version}`;
}

function appOf(t: Target): 'tls' | 'http' | 'other' {
  switch (t.kind) {
    case 'forward':
    case 'http':
      return 'http';
    case 'tls':
      return 'tls';
    case 'connect':
      return t.port === 443 ? 'tls' : 'other';
    default:
      return assertNever(t.kind);
  }
}

const reasonText = (r: GatewayReason | ReasonCode): string =>
  r in GATEWAY_REASONS ? GATEWAY_REASONS[r as GatewayReason] : REASONS[r as ReasonCode];

/** A head not begun: no byte read yet. */
const newHead = (): State => ({ kind: 'head', buf: new GrowingBytes(), progress: new HeadProgress() });

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

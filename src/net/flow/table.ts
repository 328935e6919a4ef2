/**
 * A flow table keyed by the 5-tuple. Memory is bounded by the live flows: a flow idle past its
 * timeout is completed and emitted, and when the table is full the least recently active one is.
 */
import { bound } from '../../core/limits.js';
import { IPPROTO } from '../ip/types.js';
import { NET_LIMITS } from '../limits.js';
import { TCP_FLAG } from '../transport/tcp.js';
import type { DirectionCounts, FlowObservation, FlowRecord } from './types.js';

export interface FlowTableOptions {
  /** Idle time after which a flow completes (Zeek's defaults: TCP 5 min, UDP and others 1 min). */
  readonly tcpIdleNs?: bigint;
  readonly otherIdleNs?: bigint;
  readonly maxLiveFlows?: number;
}

interface LiveFlow {
  uid: string;
  ts: bigint;
  lastTs: bigint;
  proto: number;
  orig: { h: string; p: number };
  resp: { h: string; p: number };
  origCounts: DirectionCounts;
  respCounts: DirectionCounts;
  history: string;
  synSeen: boolean;
  synAckSeen: boolean;
  finOrig: boolean;
  finResp: boolean;
  rst: boolean;
}

const zero = (): DirectionCounts => ({ pkts: 0, ipBytes: 0, frameBytes: 0, bytes: 0 });
const endpoint = (h: string, p: number): string => `${h}|${p}`;

export class FlowTable {
  /** TCP and other flows apart, each in least-recently-active order, so expiry stops at the first live one. */
  private readonly tcpFlows = new Map<string, LiveFlow>();
  private readonly otherFlows = new Map<string, LiveFlow>();
  private next = 1;
  private readonly tcpIdleNs: bigint;
  private readonly otherIdleNs: bigint;
  private readonly maxLive: number;

  constructor(opts: FlowTableOptions = {}) {
    this.tcpIdleNs = opts.tcpIdleNs ?? 300_000_000_000n;
    this.otherIdleNs = opts.otherIdleNs ?? 60_000_000_000n;
    this.maxLive = bound(opts.maxLiveFlows ?? NET_LIMITS.maxLiveFlows, NET_LIMITS.maxLiveFlows, 'live flows');
  }

  get live(): number {
    return this.tcpFlows.size + this.otherFlows.size;
  }

  /** Counts one packet; returns the flows that completed (idle before it, or pushed out by it). */
  observe(o: FlowObservation): FlowRecord[] {
    const done = this.expire(o.ts);
    const a = endpoint(o.src, o.srcPort);
    const b = endpoint(o.dst, o.dstPort);
    const key = `${o.proto}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
    const flows = o.proto === IPPROTO.TCP ? this.tcpFlows : this.otherFlows;
    let f = flows.get(key);
    // Deleted and re-inserted: Map order is least recently active first.
    if (f) flows.delete(key);
    else {
      if (this.live >= this.maxLive) {
        const from = flows.size > 0 ? flows : o.proto === IPPROTO.TCP ? this.otherFlows : this.tcpFlows;
        const [oldKey, old] = from.entries().next().value!;
        from.delete(oldKey);
        done.push(record(old, 'capacity'));
      }
      f = this.open(o);
    }
    flows.set(key, f);
    this.count(f, o);
    return done;
  }

  /** Completes flows idle at `now`. */
  expire(now: bigint): FlowRecord[] {
    const done: FlowRecord[] = [];
    for (const [flows, idle] of [
      [this.tcpFlows, this.tcpIdleNs],
      [this.otherFlows, this.otherIdleNs],
    ] as const) {
      for (const [key, f] of flows) {
        if (now - f.lastTs <= idle) break;
        flows.delete(key);
        done.push(record(f, 'idle'));
      }
    }
    return done;
  }

  /** Completes every live flow (end of capture). */
  flush(): FlowRecord[] {
    const done = [...this.tcpFlows.values(), ...this.otherFlows.values()]
      .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
      .map((f) => record(f, 'flush'));
    this.tcpFlows.clear();
    this.otherFlows.clear();
    return done;
  }

  private open(o: FlowObservation): LiveFlow {
    // A SYN-ACK seen first answers a SYN we missed: its receiver opened the conversation.
    const flags = o.tcpFlags ?? 0;
    const synAck =
      o.proto === IPPROTO.TCP && (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === (TCP_FLAG.SYN | TCP_FLAG.ACK);
    const s = { h: o.src, p: o.srcPort };
    const d = { h: o.dst, p: o.dstPort };
    return {
      uid: `C${this.next++}`,
      ts: o.ts,
      lastTs: o.ts,
      proto: o.proto,
      orig: synAck ? d : s,
      resp: synAck ? s : d,
      origCounts: zero(),
      respCounts: zero(),
      history: '',
      synSeen: false,
      synAckSeen: false,
      finOrig: false,
      finResp: false,
      rst: false,
    };
  }

  private count(f: LiveFlow, o: FlowObservation): void {
    let fromOrig = o.src === f.orig.h && o.srcPort === f.orig.p;
    const flags = o.tcpFlags ?? 0;
    const isTcp = f.proto === IPPROTO.TCP;
    const pureSyn = isTcp && (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    if (pureSyn && !fromOrig && !f.synSeen) {
      // The SYN sender is the originator, whoever was seen first.
      [f.orig, f.resp] = [f.resp, f.orig];
      [f.origCounts, f.respCounts] = [f.respCounts, f.origCounts];
      f.history = swapCase(f.history);
      fromOrig = true;
    }
    const c = fromOrig ? f.origCounts : f.respCounts;
    c.pkts++;
    c.ipBytes += o.ipBytes;
    c.frameBytes += o.frameBytes;
    c.bytes += o.payloadBytes;
    if (o.ts > f.lastTs) f.lastTs = o.ts;
    if (o.ts < f.ts) f.ts = o.ts;
    if (!isTcp) return;
    const mark = (letter: string) => {
      const l = fromOrig ? letter : letter.toLowerCase();
      if (!f.history.includes(l)) f.history += l;
    };
    if (pureSyn) {
      f.synSeen = true;
      mark('S');
    } else if (flags & TCP_FLAG.SYN) {
      f.synAckSeen = true;
      mark('H');
    } else if (flags & TCP_FLAG.ACK && o.payloadBytes === 0 && !(flags & (TCP_FLAG.FIN | TCP_FLAG.RST)))
      mark('A');
    if (o.payloadBytes > 0) mark('D');
    if (flags & TCP_FLAG.FIN) {
      if (fromOrig) f.finOrig = true;
      else f.finResp = true;
      mark('F');
    }
    if (flags & TCP_FLAG.RST) {
      f.rst = true;
      mark('R');
    }
  }
}

const swapCase = (s: string): string =>
  [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

function record(f: LiveFlow, end: FlowRecord['end']): FlowRecord {
  const base = {
    uid: f.uid,
    ts: f.ts,
    lastTs: f.lastTs,
    proto: f.proto,
    orig: f.orig,
    resp: f.resp,
    origCounts: f.origCounts,
    respCounts: f.respCounts,
    end,
  };
  if (f.proto !== IPPROTO.TCP) return base;
  return {
    ...base,
    history: f.history,
    tcp: { synSeen: f.synSeen, synAckSeen: f.synAckSeen, finOrig: f.finOrig, finResp: f.finResp, rst: f.rst },
  };
}

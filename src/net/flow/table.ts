/**
 * A flow table keyed by the 5-tuple. Memory is bounded by the live flows: a flow idle past its
 * timeout is completed and emitted, and when the table is full the least recently active one is.
 */

import { bound } from '../../core/limits.js';
import { IPPROTO } from '../ip/types.js';
import { NET_LIMITS } from '../limits.js';
import { TCP_FLAG } from '../transport/tcp.js';
import { type OrientationBasis, orient } from './orientation.js';
import { SeqAdvance } from './seq-advance.js';
import type { DirectionCounts, FlowObservation, FlowRecord } from './types.js';

export interface FlowTableOptions {
  /** Idle time after which a flow completes (Zeek's defaults: TCP 5 min, UDP and others 1 min). */
  readonly tcpIdleNs?: bigint;
  readonly otherIdleNs?: bigint;
  readonly maxLiveFlows?: number;
  /**
   * Ports servers listen on beyond the usual ones (orientation.ts): a flow first seen without its
   * handshake is turned so that its side on one of them is the responder.
   */
  readonly servicePorts?: ReadonlySet<number>;
}

interface LiveFlow {
  /** Its 5-tuple's hash (flowHash), and the next flow in the same hash bucket. */
  hash: number;
  chain: LiveFlow | undefined;
  /** Neighbours in its activity list (least recently active first): O(1) move-to-back per packet. */
  prev: LiveFlow | undefined;
  next: LiveFlow | undefined;
  uid: string;
  ts: bigint;
  lastTs: bigint;
  proto: number;
  orig: { h: string; p: number };
  resp: { h: string; p: number };
  /** How orig was decided on the flow's first packet (orientation.ts). */
  basis: OrientationBasis;
  origCounts: DirectionCounts;
  respCounts: DirectionCounts;
  /** TCP: each direction's stream position (streamBytes), made on its first segment. */
  origSeq: SeqAdvance | undefined;
  respSeq: SeqAdvance | undefined;
  /** TCP: the sequence number of each direction's first segment when that segment was a SYN (its ISN). */
  origIsn: number | undefined;
  respIsn: number | undefined;
  history: string;
  synSeen: boolean;
  synAckSeen: boolean;
  finOrig: boolean;
  finResp: boolean;
  rst: boolean;
}

/** A direction's stream position, made on its first segment. */
function seqOf(f: LiveFlow, fromOrig: boolean): SeqAdvance {
  if (fromOrig) {
    f.origSeq ??= new SeqAdvance();
    return f.origSeq;
  }
  f.respSeq ??= new SeqAdvance();
  return f.respSeq;
}

const zero = (): DirectionCounts => ({ pkts: 0, ipBytes: 0, frameBytes: 0, bytes: 0, streamBytes: 0 });

/** A 32-bit hash of an address's text: for observations that carry no srcKey/dstKey. */
function textKey(t: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The 5-tuple's hash, the same from either direction (the two endpoints' mixes are added). */
function flowHash(o: FlowObservation): number {
  const a = Math.imul((o.srcKey ?? textKey(o.src)) ^ (o.srcPort * 0x10001), 0x9e3779b1);
  const b = Math.imul((o.dstKey ?? textKey(o.dst)) ^ (o.dstPort * 0x10001), 0x9e3779b1);
  return ((a + b) ^ Math.imul(o.proto + 1, 0x85ebca6b)) | 0;
}

/** Whether o belongs to f's conversation (either direction). */
function sameFlow(f: LiveFlow, o: FlowObservation): boolean {
  if (f.proto !== o.proto) return false;
  const a = f.orig;
  const b = f.resp;
  return (
    (o.srcPort === a.p && o.dstPort === b.p && o.src === a.h && o.dst === b.h) ||
    (o.srcPort === b.p && o.dstPort === a.p && o.src === b.h && o.dst === a.h)
  );
}

/**
 * Whether o, a pure SYN, opens a new connection on f's 5-tuple (the port reused; Linux reuses a
 * local port once its last connection to that address and port is gone): its sender had sent
 * before, and not a SYN with this sequence number (that is a retransmitted SYN). tshark (a new
 * tcp.stream) and Zeek (a new conn.log uid) both split there.
 */
function reusedBy(f: LiveFlow, o: FlowObservation): boolean {
  if (f.proto !== IPPROTO.TCP || o.tcpSeq === undefined) return false;
  if (((o.tcpFlags ?? 0) & (TCP_FLAG.SYN | TCP_FLAG.ACK)) !== TCP_FLAG.SYN) return false;
  const fromOrig = o.srcPort === f.orig.p && o.src === f.orig.h;
  const sent = fromOrig ? f.origCounts.pkts : f.respCounts.pkts;
  return sent > 0 && (fromOrig ? f.origIsn : f.respIsn) !== o.tcpSeq;
}

/** Live flows of one kind in least-recently-active order, as an intrusive doubly linked list. */
class ActivityList {
  head: LiveFlow | undefined;
  tail: LiveFlow | undefined;
  size = 0;

  append(f: LiveFlow): void {
    f.prev = this.tail;
    f.next = undefined;
    if (this.tail) this.tail.next = f;
    else this.head = f;
    this.tail = f;
    this.size++;
  }

  remove(f: LiveFlow): void {
    if (f.prev) f.prev.next = f.next;
    else this.head = f.next;
    if (f.next) f.next.prev = f.prev;
    else this.tail = f.prev;
    f.prev = f.next = undefined;
    this.size--;
  }

  /** Marks f most recently active. */
  touch(f: LiveFlow): void {
    if (this.tail === f) return;
    this.remove(f);
    this.append(f);
  }
}

/** What observeFlow() says about a packet: its flow's uid, the flows completed before it, and its stream advance. */
export interface ObservedFlow {
  readonly uid: string;
  readonly done: readonly FlowRecord[];
  /** What the packet added to its direction's streamBytes (TCP: by sequence number; else its payload). */
  readonly advance: number;
  /** The flow's originator and responder as they stand after this packet (a late SYN turns them round). */
  readonly orig: { readonly h: string; readonly p: number };
  readonly resp: { readonly h: string; readonly p: number };
  /** How orig was decided when the flow's first packet was seen. */
  readonly basis: OrientationBasis;
}

const NONE: readonly FlowRecord[] = Object.freeze([]);

export class FlowTable {
  /**
   * One index for lookup, by 5-tuple hash (numbers: no key string per packet), each bucket a
   * chain through LiveFlow.chain; TCP and other flows in separate activity lists, so expiry
   * stops at the first live one.
   */
  private readonly buckets = new Map<number, LiveFlow>();
  private liveCount = 0;
  /** observeFlow's answer, reused: valid until the next call. */
  private readonly answer: {
    uid: string;
    done: readonly FlowRecord[];
    advance: number;
    orig: LiveFlow['orig'];
    resp: LiveFlow['resp'];
    basis: OrientationBasis;
  } = { uid: '', done: NONE, advance: 0, orig: { h: '', p: 0 }, resp: { h: '', p: 0 }, basis: 'syn' };
  private readonly tcpFlows = new ActivityList();
  private readonly otherFlows = new ActivityList();
  private next = 1;
  private readonly tcpIdleNs: bigint;
  private readonly otherIdleNs: bigint;
  private readonly maxLive: number;
  private readonly servicePorts: ReadonlySet<number>;

  constructor(opts: FlowTableOptions = {}) {
    this.servicePorts = opts.servicePorts ?? new Set();
    this.tcpIdleNs = opts.tcpIdleNs ?? 300_000_000_000n;
    this.otherIdleNs = opts.otherIdleNs ?? 60_000_000_000n;
    this.maxLive = bound(opts.maxLiveFlows ?? NET_LIMITS.maxLiveFlows, NET_LIMITS.maxLiveFlows, 'live flows');
  }

  get live(): number {
    return this.liveCount;
  }

  /** Counts one packet; returns the flows that completed (idle before it, or pushed out by it). */
  observe(o: FlowObservation): FlowRecord[] {
    return [...this.observeFlow(o).done];
  }

  /**
   * Counts one packet; returns its flow's uid (the one its FlowRecord will carry) and the flows
   * that completed before it (idle, or pushed out by it). The answer is one reused object, valid
   * until the next call (one packet's turn): no allocation per packet.
   */
  observeFlow(o: FlowObservation): ObservedFlow {
    let done = this.expireInto(o.ts, undefined);
    const hash = flowHash(o);
    const flows = o.proto === IPPROTO.TCP ? this.tcpFlows : this.otherFlows;
    let f = this.buckets.get(hash);
    while (f && !sameFlow(f, o)) f = f.chain;
    if (f && reusedBy(f, o)) {
      // A new connection on the same 5-tuple: the old one ends here, the new one is its own flow.
      this.drop(flows, f);
      done ??= [];
      done.push(record(f, 'reuse'));
      f = undefined;
    }
    if (f) flows.touch(f);
    else {
      if (this.live >= this.maxLive) {
        const from = flows.size > 0 ? flows : o.proto === IPPROTO.TCP ? this.otherFlows : this.tcpFlows;
        const old = from.head!;
        this.drop(from, old);
        done ??= [];
        done.push(record(old, 'capacity'));
      }
      f = this.open(o, hash);
      f.chain = this.buckets.get(hash);
      this.buckets.set(hash, f);
      this.liveCount++;
      flows.append(f);
    }
    const answer = this.answer;
    answer.advance = this.count(f, o);
    answer.uid = f.uid;
    answer.done = done ?? NONE;
    answer.orig = f.orig;
    answer.resp = f.resp;
    answer.basis = f.basis;
    return answer;
  }

  /** Completes flows idle at `now`. */
  expire(now: bigint): FlowRecord[] {
    return this.expireInto(now, undefined) ?? [];
  }

  /** Idle flows appended to `done` (allocated only when one completes). */
  private expireInto(now: bigint, done: FlowRecord[] | undefined): FlowRecord[] | undefined {
    // Two lists spelt out (no pair array per packet).
    done = this.expireList(this.tcpFlows, now, this.tcpIdleNs, done);
    return this.expireList(this.otherFlows, now, this.otherIdleNs, done);
  }

  private expireList(
    flows: ActivityList,
    now: bigint,
    idle: bigint,
    done: FlowRecord[] | undefined,
  ): FlowRecord[] | undefined {
    for (let f = flows.head; f; f = flows.head) {
      if (now - f.lastTs <= idle) break;
      this.drop(flows, f);
      done ??= [];
      done.push(record(f, 'idle'));
    }
    return done;
  }

  /** Completes every live flow (end of capture). */
  flush(): FlowRecord[] {
    const live: LiveFlow[] = [];
    for (const flows of [this.tcpFlows, this.otherFlows])
      for (let f = flows.head; f; f = f.next) live.push(f);
    const done = live.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)).map((f) => record(f, 'flush'));
    for (const flows of [this.tcpFlows, this.otherFlows]) {
      flows.head = flows.tail = undefined;
      flows.size = 0;
    }
    this.buckets.clear();
    this.liveCount = 0;
    return done;
  }

  private drop(flows: ActivityList, f: LiveFlow): void {
    flows.remove(f);
    this.liveCount--;
    // Unlink from its bucket's chain.
    const head = this.buckets.get(f.hash);
    if (head === f) {
      if (f.chain) this.buckets.set(f.hash, f.chain);
      else this.buckets.delete(f.hash);
    } else
      for (let p = head; p; p = p.chain)
        if (p.chain === f) {
          p.chain = f.chain;
          break;
        }
    f.chain = undefined;
  }

  private open(o: FlowObservation, hash: number): LiveFlow {
    // A SYN-ACK seen first answers a SYN we missed; without a handshake the ports decide.
    const { basis, flip } = orient(o, this.servicePorts);
    const s = { h: o.src, p: o.srcPort };
    const d = { h: o.dst, p: o.dstPort };
    return {
      hash,
      chain: undefined,
      prev: undefined,
      next: undefined,
      uid: `C${this.next++}`,
      ts: o.ts,
      lastTs: o.ts,
      proto: o.proto,
      orig: flip ? d : s,
      resp: flip ? s : d,
      basis,
      origCounts: zero(),
      respCounts: zero(),
      origSeq: undefined,
      respSeq: undefined,
      origIsn: undefined,
      respIsn: undefined,
      // Zeek's '^': the heuristic, not the handshake, turned the flow round.
      history: flip && basis === 'service-port' ? '^' : '',
      synSeen: false,
      synAckSeen: false,
      finOrig: false,
      finResp: false,
      rst: false,
    };
  }

  /** Counts o on f; what it added to its direction's stream. */
  private count(f: LiveFlow, o: FlowObservation): number {
    let fromOrig = o.srcPort === f.orig.p && o.src === f.orig.h;
    const flags = o.tcpFlags ?? 0;
    const isTcp = f.proto === IPPROTO.TCP;
    const pureSyn = isTcp && (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    if (pureSyn && !fromOrig && !f.synSeen) {
      // The SYN sender is the originator, whoever was seen first.
      [f.orig, f.resp] = [f.resp, f.orig];
      [f.origCounts, f.respCounts] = [f.respCounts, f.origCounts];
      [f.origSeq, f.respSeq] = [f.respSeq, f.origSeq];
      [f.origIsn, f.respIsn] = [f.respIsn, f.origIsn];
      f.history = swapCase(f.history);
      fromOrig = true;
    }
    const c = fromOrig ? f.origCounts : f.respCounts;
    if (isTcp && c.pkts === 0 && flags & TCP_FLAG.SYN) {
      if (fromOrig) f.origIsn = o.tcpSeq;
      else f.respIsn = o.tcpSeq;
    }
    c.pkts++;
    c.ipBytes += o.ipBytes;
    c.frameBytes += o.frameBytes;
    c.bytes += o.payloadBytes;
    if (o.ts > f.lastTs) f.lastTs = o.ts;
    if (o.ts < f.ts) f.ts = o.ts;
    const advance =
      isTcp && o.tcpSeq !== undefined
        ? seqOf(f, fromOrig).push(o.tcpSeq, o.payloadBytes, (flags & TCP_FLAG.SYN) !== 0)
        : o.payloadBytes;
    c.streamBytes += advance;
    if (!isTcp) return advance;
    if (pureSyn) {
      f.synSeen = true;
      mark(f, 'S', fromOrig);
    } else if (flags & TCP_FLAG.SYN) {
      f.synAckSeen = true;
      mark(f, 'H', fromOrig);
    } else if (flags & TCP_FLAG.ACK && o.payloadBytes === 0 && !(flags & (TCP_FLAG.FIN | TCP_FLAG.RST)))
      mark(f, 'A', fromOrig);
    if (o.payloadBytes > 0) mark(f, 'D', fromOrig);
    if (flags & TCP_FLAG.FIN) {
      if (fromOrig) f.finOrig = true;
      else f.finResp = true;
      mark(f, 'F', fromOrig);
    }
    if (flags & TCP_FLAG.RST) {
      f.rst = true;
      mark(f, 'R', fromOrig);
    }
    return advance;
  }
}

/** Adds a history letter the first time it occurs (upper case from orig, lower from resp). */
function mark(f: LiveFlow, letter: string, fromOrig: boolean): void {
  const l = fromOrig ? letter : letter.toLowerCase();
  if (!f.history.includes(l)) f.history += l;
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

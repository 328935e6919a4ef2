/**
 * IP fragment reassembly, bounded: datagrams are keyed by (version, src, dst, protocol, id),
 * dropped when incomplete after a timeout, and the oldest are evicted when the bytes held pass a
 * cap. Overlapping fragments are reported (an evasion technique) and their whole datagram is
 * discarded, as the Linux stack the gateway runs on discards it (IPv4 since the FragmentSmack fix,
 * ip_frag_queue; IPv6 as RFC 5722 requires): no copy of the overlapping bytes is ever read, so the
 * audit reads none either. A fragment wholly inside one already held is a duplicate: dropped, the
 * first copy kept. Fragments after a discard start a new datagram, as in Linux (inet_frag_kill
 * takes the queue out of its table): a retransmission sent whole is read as Linux reads it.
 */
import type { NetWarning } from '../decode/warning.js';
import { NET_LIMITS } from '../limits.js';
import type { IpPacket } from './types.js';

export interface ReassemblyOptions {
  /** An incomplete datagram is dropped this long after its first fragment (default 30 s, as Linux). */
  readonly timeoutNs?: bigint;
  /** Bytes held across all datagrams (default NET_LIMITS.maxReassemblyBytes). */
  readonly maxBytes?: number;
}

interface Part {
  readonly offset: number;
  readonly data: Uint8Array;
}

interface Pending {
  readonly firstTs: bigint;
  readonly parts: Part[];
  /** Known once the last fragment (more = false) has arrived. */
  total: number | undefined;
  held: number;
}

export interface Reassembled {
  /** The reassembled upper-layer payload. */
  readonly payload: Uint8Array;
  /** The header of the fragment at offset 0 (protocol, addresses). */
  readonly first: IpPacket;
  readonly fragments: number;
}

export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private readonly firsts = new Map<string, IpPacket>();
  private held = 0;
  private readonly timeoutNs: bigint;
  private readonly maxBytes: number;

  constructor(opts: ReassemblyOptions = {}) {
    this.timeoutNs = opts.timeoutNs ?? 30_000_000_000n;
    this.maxBytes = opts.maxBytes ?? NET_LIMITS.maxReassemblyBytes;
  }

  /** Bytes held now. */
  get bytesHeld(): number {
    return this.held;
  }
  get datagramsPending(): number {
    return this.pending.size;
  }

  /**
   * Adds one fragment (ip.fragment must be set); returns the datagram when it is complete.
   * Warnings (overlap, oversize, timeout, eviction) go to `warn`.
   */
  add(ts: bigint, ip: IpPacket, warn: (w: NetWarning) => void = () => {}): Reassembled | undefined {
    const frag = ip.fragment;
    if (!frag) return undefined;
    this.expire(ts, warn);
    const key = `${ip.version}|${ip.src}|${ip.dst}|${ip.protocol}|${frag.id}`;
    const end = frag.offset + ip.payload.length;
    if (end > NET_LIMITS.maxDatagramBytes) {
      warn({ name: 'fragment-oversize', offset: frag.offset, detail: `${key}: fragment ends at ${end}` });
      return undefined;
    }
    let d = this.pending.get(key);
    if (!d) {
      d = { firstTs: ts, parts: [], total: undefined, held: 0 };
      this.pending.set(key, d);
    }
    if (d.parts.length >= NET_LIMITS.maxFragmentsPerDatagram) {
      warn({
        name: 'fragment-count',
        offset: frag.offset,
        detail: `${key}: more than ${d.parts.length} fragments`,
      });
      this.drop(key);
      return undefined;
    }
    if (ip.snapped) {
      warn({ name: 'fragment-snapped', offset: frag.offset, detail: `${key}: fragment not captured whole` });
    }
    // A copy of bytes one fragment already holds is a duplicate: dropped, the datagram kept
    // (inet_frag_queue_insert's IPFRAG_DUP); any other overlap discards the datagram.
    if (d.parts.some((p) => p.offset <= frag.offset && end <= p.offset + p.data.length)) {
      warn({
        name: 'fragment-overlap',
        offset: frag.offset,
        detail: `${key}: a fragment repeats bytes already held; dropped, the first copy kept, as Linux keeps it`,
      });
      return undefined;
    }
    const overlap =
      !frag.more && d.total !== undefined && d.total !== end
        ? 'two last fragments'
        : d.parts.some((p) => p.offset < end && frag.offset < p.offset + p.data.length)
          ? 'fragments overlap'
          : undefined;
    if (overlap !== undefined) {
      warn({
        name: 'fragment-overlap',
        offset: frag.offset,
        detail: `${key}: ${overlap}; the datagram is discarded, as Linux discards it`,
      });
      this.drop(key);
      return undefined;
    }
    if (!frag.more) d.total = end;
    // A copy: the frame's bytes belong to the capture reader's buffer.
    d.parts.push({ offset: frag.offset, data: ip.payload.slice() });
    if (frag.offset === 0) this.firsts.set(key, ip);
    d.held += ip.payload.length;
    this.held += ip.payload.length;
    this.evictOver(warn);
    return this.pending.has(key) ? this.complete(key, d) : undefined;
  }

  /** Drops datagrams whose first fragment is older than the timeout at `now`. */
  expire(now: bigint, warn: (w: NetWarning) => void = () => {}): void {
    for (const [key, d] of this.pending) {
      if (now - d.firstTs <= this.timeoutNs) break; // Map order is arrival order.
      warn({ name: 'fragment-timeout', offset: 0, detail: `${key}: incomplete after timeout` });
      this.drop(key);
    }
  }

  private evictOver(warn: (w: NetWarning) => void): void {
    for (const key of this.pending.keys()) {
      if (this.held <= this.maxBytes) return;
      warn({ name: 'reassembly-evicted', offset: 0, detail: `${key}: reassembly byte cap reached` });
      this.drop(key);
    }
  }

  private drop(key: string): void {
    const d = this.pending.get(key);
    if (!d) return;
    this.held -= d.held;
    this.pending.delete(key);
    this.firsts.delete(key);
  }

  private complete(key: string, d: Pending): Reassembled | undefined {
    const first = this.firsts.get(key);
    if (d.total === undefined || !first) return undefined;
    const sorted = [...d.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of sorted) {
      if (p.offset > covered) return undefined;
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < d.total) return undefined;
    const payload = new Uint8Array(d.total);
    // No two parts overlap (an overlap discards the datagram): each byte has one copy.
    for (const p of d.parts) {
      // A fragment past the last one's end (hostile or damaged) has nothing to give.
      if (p.offset >= d.total) continue;
      payload.set(p.data.subarray(0, Math.max(0, Math.min(p.data.length, d.total - p.offset))), p.offset);
    }
    this.drop(key);
    return { payload, first, fragments: d.parts.length };
  }
}

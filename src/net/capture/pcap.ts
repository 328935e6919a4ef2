/** Walks a libpcap file held in a ByteQueue: header, then records; resyncs past damaged ones. */
import { AirlockError, truncated } from '../../core/errors.js';
import { NET_LIMITS } from '../limits.js';
import {
  PCAP_HEADER_BYTES,
  PCAP_RECORD_HEADER_BYTES,
  type PcapHeader,
  type PcapRecordHeader,
  readPcapHeader,
  readPcapRecordHeader,
} from './pcap-layout.js';
import type { ByteQueue } from './queue.js';
import { findResync } from './resync.js';
import type { CaptureEvent, CaptureFormat } from './types.js';

const NEED: CaptureEvent = { kind: 'need' };
const END: CaptureEvent = { kind: 'end' };
/** A resync candidate's timestamp must lie within this of the last good record's. */
const RESYNC_TS_SPAN_SECONDS = 366 * 86400;

export class PcapFormat implements CaptureFormat {
  readonly name = 'pcap';
  readonly blockCounts: Record<string, number> = {};
  header: PcapHeader | undefined;
  private lastSec: number | undefined;

  constructor(private readonly q: ByteQueue) {}

  step(ended: boolean): CaptureEvent {
    const q = this.q;
    if (!this.header) {
      const h = q.peek(PCAP_HEADER_BYTES);
      if (!h) return ended ? { kind: 'error', error: truncated('pcap file header', q.position) } : NEED;
      try {
        this.header = readPcapHeader(h);
      } catch (e) {
        if (e instanceof AirlockError) return { kind: 'error', error: e };
        throw e;
      }
      this.blockCounts.header = 1;
      q.skip(PCAP_HEADER_BYTES);
    }
    const { le, nanos, linkType } = this.header;
    if (q.length === 0) return ended ? END : NEED;
    const start = q.position;
    const rh = q.peek(PCAP_RECORD_HEADER_BYTES);
    if (!rh) return ended ? this.tail(start) : NEED;
    const r = readPcapRecordHeader(rh, 0, le);
    if (!this.sane(r)) return this.resync(ended, start, `caplen ${r.capLen}, len ${r.origLen}`);
    const rec = q.peek(PCAP_RECORD_HEADER_BYTES + r.capLen);
    if (!rec) return ended ? this.resync(ended, start, 'record runs past the end') : NEED;
    q.skip(rec.length);
    this.lastSec = r.tsSec;
    this.blockCounts.record = (this.blockCounts.record ?? 0) + 1;
    const ts = BigInt(r.tsSec) * 1_000_000_000n + BigInt(nanos ? r.tsFrac : r.tsFrac * 1000);
    return {
      kind: 'packet',
      packet: {
        ts,
        interfaceId: 0,
        linkType,
        capturedLength: r.capLen,
        originalLength: r.origLen,
        data: rec.subarray(PCAP_RECORD_HEADER_BYTES),
        recordOffset: start,
        dataOffset: start + PCAP_RECORD_HEADER_BYTES,
        record: 'pcap',
      },
    };
  }

  /** What a record header must satisfy to be read at all. */
  private sane(r: PcapRecordHeader): boolean {
    return r.capLen <= NET_LIMITS.maxPacketBytes && r.tsFrac < (this.header!.nanos ? 1e9 : 1e6);
  }

  /** Stricter: what a resync candidate must satisfy (caplen ≤ len, timestamp near the last one). */
  private plausible(buf: Uint8Array, p: number): PcapRecordHeader | undefined {
    if (p + PCAP_RECORD_HEADER_BYTES > buf.length) return undefined;
    const r = readPcapRecordHeader(buf, p, this.header!.le);
    if (!this.sane(r) || r.capLen > r.origLen || r.origLen > NET_LIMITS.maxPacketBytes * 64) return undefined;
    if (this.lastSec !== undefined && Math.abs(r.tsSec - this.lastSec) > RESYNC_TS_SPAN_SECONDS)
      return undefined;
    return r;
  }

  private resync(ended: boolean, start: number, why: string): CaptureEvent {
    // A candidate counts when the record after it is plausible too (or it ends the capture exactly).
    const found = findResync(this.q, ended, 1, (buf, p, complete) => {
      const r = this.plausible(buf, p);
      if (!r) return false;
      const next = p + PCAP_RECORD_HEADER_BYTES + r.capLen;
      return (complete && next === buf.length) || this.plausible(buf, next) !== undefined;
    });
    if (found.kind === 'need') return NEED;
    if (found.kind === 'none') {
      if (ended && this.q.length < NET_LIMITS.resyncWindowBytes) return this.tail(start);
      return {
        kind: 'error',
        error: new AirlockError(
          'AIRLOCK_ERR_MALFORMED',
          `pcap record damaged (${why}) and no plausible record within ${found.scanned} bytes`,
          start,
        ),
      };
    }
    this.q.skip(found.skip);
    return {
      kind: 'warning',
      warning: {
        name: 'resync',
        offset: start,
        detail: `damaged record (${why}); skipped ${found.skip} bytes`,
        lost: true,
      },
    };
  }

  /** The capture ends inside a record: common when a capture is cut; say so and stop. */
  private tail(start: number): CaptureEvent {
    const left = this.q.length;
    this.q.skip(left);
    return {
      kind: 'warning',
      warning: {
        name: 'truncated-tail',
        offset: start,
        detail: `capture ends inside a record (${left} bytes)`,
        lost: true,
      },
    };
  }
}

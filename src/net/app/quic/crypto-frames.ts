/**
 * QUIC frames (RFC 9000 §19) in a decrypted packet, and the CRYPTO stream reassembled by offset
 * across packets and datagrams. Every RFC 9000 frame type (and RFC 9221 DATAGRAM) is skipped by its
 * own layout; an unknown type cannot be skipped and is malformed.
 */
import { malformed } from '../../../core/errors.js';
import { bound } from '../../../core/limits.js';
import { Cursor } from '../cursor.js';
import { APP_LIMITS } from '../limits.js';
import { readVarint } from './varint.js';

export type QuicFrame =
  | { readonly type: 'padding'; readonly length: number }
  | { readonly type: 'ping' }
  | { readonly type: 'ack'; readonly largest: number; readonly ranges: number }
  | { readonly type: 'crypto'; readonly offset: number; readonly data: Uint8Array }
  | {
      readonly type: 'connection-close';
      readonly errorCode: number;
      readonly frameType?: number;
      readonly reason: string;
    }
  /** Any other known frame, skipped. */
  | { readonly type: 'other'; readonly frameType: number };

function skipVarints(c: Cursor, n: number, what: string): void {
  for (let i = 0; i < n; i++) readVarint(c, what);
}

function readFrame(c: Cursor): QuicFrame {
  const at = c.offset;
  const type = readVarint(c, 'frame type');
  switch (type) {
    case 0x00: {
      let n = 1;
      while (!c.done && c.b[c.at] === 0) {
        c.at++;
        n++;
      }
      return { type: 'padding', length: n };
    }
    case 0x01:
      return { type: 'ping' };
    case 0x02:
    case 0x03: {
      const largest = readVarint(c, 'ACK largest');
      readVarint(c, 'ACK delay');
      // Each range is at least two bytes, so the count is bounded by what is left.
      const ranges = bound(readVarint(c, 'ACK range count'), c.left, 'ACK ranges', c.offset);
      readVarint(c, 'ACK first range');
      skipVarints(c, 2 * ranges, 'ACK range');
      if (type === 0x03) skipVarints(c, 3, 'ACK ECN counts');
      return { type: 'ack', largest, ranges };
    }
    case 0x06: {
      const offset = bound(readVarint(c, 'CRYPTO offset'), 2 ** 62, 'CRYPTO offset', c.offset);
      const n = bound(readVarint(c, 'CRYPTO length'), c.left, 'CRYPTO length', c.offset);
      return { type: 'crypto', offset, data: c.bytes(n, 'CRYPTO data') };
    }
    case 0x1c:
    case 0x1d: {
      const errorCode = readVarint(c, 'CONNECTION_CLOSE error');
      const frameType = type === 0x1c ? readVarint(c, 'CONNECTION_CLOSE frame type') : undefined;
      const n = bound(readVarint(c, 'reason length'), c.left, 'CONNECTION_CLOSE reason', c.offset);
      const reason = Buffer.from(c.bytes(n, 'reason')).toString('utf8');
      return {
        type: 'connection-close',
        errorCode,
        ...(frameType !== undefined ? { frameType } : {}),
        reason,
      };
    }
    case 0x04:
      skipVarints(c, 3, 'RESET_STREAM');
      break;
    case 0x05:
      skipVarints(c, 2, 'STOP_SENDING');
      break;
    case 0x07:
      c.bytes(bound(readVarint(c, 'NEW_TOKEN length'), c.left, 'NEW_TOKEN', c.offset), 'token');
      break;
    case 0x10:
    case 0x12:
    case 0x13:
    case 0x14:
    case 0x16:
    case 0x17:
    case 0x19:
      skipVarints(c, 1, 'frame field');
      break;
    case 0x11:
    case 0x15:
      skipVarints(c, 2, 'frame field');
      break;
    case 0x18: {
      skipVarints(c, 2, 'NEW_CONNECTION_ID');
      const n = c.u8('NEW_CONNECTION_ID length');
      if (n < 1 || n > APP_LIMITS.maxConnectionIdBytes)
        throw malformed(`connection ID of ${n} bytes`, c.offset - 1);
      c.bytes(n + 16, 'NEW_CONNECTION_ID');
      break;
    }
    case 0x1a:
    case 0x1b:
      c.bytes(8, 'PATH_CHALLENGE data');
      break;
    case 0x1e:
      break;
    case 0x30:
      c.at = c.b.length;
      break;
    case 0x31:
      c.bytes(bound(readVarint(c, 'DATAGRAM length'), c.left, 'DATAGRAM', c.offset), 'DATAGRAM');
      break;
    default:
      if (type >= 0x08 && type <= 0x0f) {
        readVarint(c, 'STREAM id');
        if (type & 0x04) readVarint(c, 'STREAM offset');
        if (type & 0x02)
          c.bytes(bound(readVarint(c, 'STREAM length'), c.left, 'STREAM', c.offset), 'STREAM data');
        else c.at = c.b.length;
        break;
      }
      throw malformed(`unknown QUIC frame type 0x${type.toString(16)}`, at);
  }
  return { type: 'other', frameType: type };
}

/** The frames of a decrypted packet payload; `base` is payload[0]'s absolute offset. */
export function readFrames(payload: Uint8Array, base = 0): QuicFrame[] {
  // The payload's length is authenticated: a frame running past it is malformed.
  const c = new Cursor(payload, 0, base, 'malformed');
  const frames: QuicFrame[] = [];
  while (!c.done) frames.push(readFrame(c));
  if (frames.length === 0) throw malformed('QUIC packet without frames', base);
  return frames;
}

/**
 * The CRYPTO stream of one encryption level, reassembled by offset. Overlapping data keeps the
 * first copy (a retransmission carries the same bytes; a conflict is not Airlock's to settle).
 */
export class CryptoStream {
  private buf = new Uint8Array(0);
  /** Disjoint, sorted [start, end) ranges received. */
  private ranges: [number, number][] = [];

  constructor(private readonly maxBytes: number = APP_LIMITS.maxQuicCryptoBytes) {}

  add(offset: number, data: Uint8Array, at = 0): void {
    if (data.length === 0) return;
    const end = bound(offset + data.length, this.maxBytes, 'QUIC CRYPTO stream bytes', at);
    if (end > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(end, this.buf.length * 2)));
      grown.set(this.buf);
      this.buf = grown;
    }
    // Write only the gaps, then merge the range list.
    let pos = offset;
    for (const [s, e] of this.ranges) {
      if (e <= pos) continue;
      if (s >= end) break;
      if (s > pos) this.buf.set(data.subarray(pos - offset, s - offset), pos);
      pos = Math.max(pos, e);
      if (pos >= end) break;
    }
    if (pos < end) this.buf.set(data.subarray(pos - offset), pos);
    this.ranges.push([offset, end]);
    this.ranges.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of this.ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    bound(merged.length, APP_LIMITS.maxQuicCryptoRanges, 'QUIC CRYPTO ranges held', at);
    this.ranges = merged;
  }

  /** The bytes from offset 0 with no gap. */
  get contiguous(): Uint8Array {
    const first = this.ranges[0];
    return first && first[0] === 0 ? this.buf.subarray(0, first[1]) : new Uint8Array(0);
  }

  /** Bytes received in total (with gaps). */
  get received(): number {
    return this.ranges.reduce((n, [s, e]) => n + e - s, 0);
  }
}

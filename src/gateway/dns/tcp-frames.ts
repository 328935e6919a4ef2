/**
 * DNS over TCP framing (RFC 7766 §8, RFC 1035 §4.2.2), sans-IO: each message is preceded by its
 * length in two bytes, big-endian; a connection carries several. Bytes in, whole messages out,
 * or an error that closes the connection: a zero length, or a declared length beyond what a
 * query ever needs (a 253-byte name, a question and an EDNS record fit in far less).
 */
import { concatBytes } from '../../core/bytes.js';
import { bound } from '../../core/limits.js';

/** Largest query accepted over TCP; answers may be larger (they go the other way). */
export const MAX_TCP_QUERY_BYTES = 4096;

export type FrameResult =
  | { kind: 'frames'; frames: Uint8Array[] }
  | { kind: 'error'; detail: string; frames: Uint8Array[] };

export class DnsTcpFrames {
  private buf = new Uint8Array(0);

  /** `maxBytes`: the largest message accepted (queries from clients; answers may be up to 65,535). */
  constructor(private readonly maxBytes = MAX_TCP_QUERY_BYTES) {}

  /** Bytes held waiting for the rest of a message (at most one message and its prefix). */
  get pendingBytes(): number {
    return this.buf.length;
  }

  push(data: Uint8Array): FrameResult {
    const b = this.buf.length === 0 ? data : concatBytes([this.buf, data]);
    const frames: Uint8Array[] = [];
    let off = 0;
    while (b.length - off >= 2) {
      const len = (b[off]! << 8) | b[off + 1]!;
      try {
        bound(len, this.maxBytes, 'DNS-over-TCP message length', off);
      } catch (e) {
        return { kind: 'error', detail: (e as Error).message, frames };
      }
      if (len === 0) return { kind: 'error', detail: 'DNS-over-TCP message of length 0', frames };
      if (b.length - off - 2 < len) break;
      frames.push(b.slice(off + 2, off + 2 + len));
      off += 2 + len;
    }
    this.buf = off === b.length ? new Uint8Array(0) : b.slice(off);
    return { kind: 'frames', frames };
  }
}

/** The two-byte length prefix and the message, ready to write. */
export function frame(msg: Uint8Array): Uint8Array {
  bound(msg.length, 0xffff, 'DNS message length');
  const out = new Uint8Array(msg.length + 2);
  out[0] = msg.length >> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}

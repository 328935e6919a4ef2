/**
 * DNS over TCP (RFC 7766 §8, RFC 1035 §4.2.2): one direction's stream is a run of messages, each
 * after a 2-byte length. Hands back each message as the in-order bytes complete it.
 */
import { APP_LIMITS } from './limits.js';
import { OrderedBytes, type SegmentIn } from './ordered-bytes.js';

export class DnsTcpStream {
  private readonly stream: OrderedBytes;
  private at = 0;

  constructor(maxBytes: number = APP_LIMITS.maxDnsTcpStreamBytes) {
    this.stream = new OrderedBytes(maxBytes);
  }

  /** The messages this segment completed, without their length prefix (copies: safe to keep). */
  push(seg: SegmentIn): Uint8Array[] {
    this.stream.push(seg);
    const b = this.stream.bytes;
    const out: Uint8Array[] = [];
    while (b.length - this.at >= 2) {
      const len = (b[this.at]! << 8) | b[this.at + 1]!;
      if (b.length - this.at - 2 < len) break;
      out.push(b.slice(this.at + 2, this.at + 2 + len));
      this.at += 2 + len;
    }
    return out;
  }
}

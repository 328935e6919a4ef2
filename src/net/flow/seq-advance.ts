/**
 * How far a TCP segment moves its direction's stream on, by sequence number: what Zeek counts as
 * orig_bytes/resp_bytes. A retransmission moves it on by nothing, an overlap by its new tail, and
 * a segment after a gap by the gap too (bytes the capture missed but the peer sent: an upload is
 * never undercounted for packets the capture dropped). Counting captured payload instead counts
 * a retransmitted upload twice. A segment further ahead than any gap counts its own bytes and
 * moves nothing: one forged number far ahead must not make every real byte after it look old
 * (QA: a budget switched off by one byte 20 MiB ahead). Pure; 32-bit wrap-around safe.
 */

/** A jump ahead larger than this is not a gap but a stream that cannot be followed (a resync, or a forged number): only the segment counts. */
const MAX_GAP = 16 * 1024 * 1024;

export class SeqAdvance {
  /** The sequence number after the highest stream byte seen; undefined before the first. */
  private next: number | undefined;
  /** Bytes skipped by gaps (Zeek's missed_bytes). */
  missed = 0;

  /** The bytes `seq`/`len` add to the stream (`syn`: the segment's SYN takes one number before its data). */
  push(seq: number, len: number, syn: boolean): number {
    const start = (syn ? seq + 1 : seq) >>> 0;
    if (syn && this.next === undefined) this.next = start;
    if (len === 0) return 0;
    const end = (start + len) >>> 0;
    if (this.next === undefined) {
      this.next = end;
      return len;
    }
    const ahead = (end - this.next) | 0;
    if (ahead <= 0) return 0;
    const gap = (start - this.next) | 0;
    if (gap > MAX_GAP) return len;
    this.next = end;
    if (gap > 0) this.missed += gap;
    return ahead;
  }
}

/**
 * The record walk of readClientHelloRecords, resumable: a ClientHello arriving in many pieces (or
 * in many tiny records, legal framing a hostile client may choose) has each record header read
 * once, not once per piece. It only says 'need', exactly as the whole-stream reading would say it
 * at that point; once the records can complete the message or break a check, the whole-stream
 * reading answers (once).
 */
import { truncated } from '../../core/errors.js';
import { type Decoded, needLater } from '../decode/outcome.js';
import { APP_LIMITS } from './limits.js';

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;

/** One stream's walk: feed it the stream's bytes from its first, longer (or as long) each time. */
export class HelloRecordWalk {
  /** Stream offset of the next record header not read. */
  private at = 0;
  /** Handshake bytes in the records read. */
  private have = 0;
  /** The handshake message's first 4 bytes (its header), as far as they came. */
  private readonly head = new Uint8Array(4);
  /** Bytes of the handshake message (header included) once its header is in; -1 before. */
  private want = -1;
  /** The records read can complete the message or broke a check: the whole-stream reading answers from now on. */
  private over = false;

  /**
   * 'need' (and its error, as the whole-stream reading builds it) while `stream` ends inside the
   * records; undefined when the records read can complete the message or break a check: then the
   * whole-stream reading must answer. `base`: absolute offset of stream[0].
   */
  need<T>(stream: Uint8Array, base: number): Decoded<T> | undefined {
    if (this.over) return undefined;
    const answer = this.walk<T>(stream, base);
    this.over = answer === undefined;
    return answer;
  }

  private walk<T>(stream: Uint8Array, base: number): Decoded<T> | undefined {
    for (;;) {
      const at = this.at;
      const left = stream.length - at;
      if (left < 1) return needLater(() => truncated('TLS record type', base + at));
      if (stream[at] !== CONTENT_HANDSHAKE) return undefined;
      if (left < 3) return needLater(() => truncated('TLS record version', base + at + 1));
      if (stream[at + 1] !== 3) return undefined;
      if (left < 5) return needLater(() => truncated('TLS record length', base + at + 3));
      const len = (stream[at + 3]! << 8) | stream[at + 4]!;
      if (len === 0 || len > APP_LIMITS.maxTlsRecordBytes) return undefined;
      if (left < 5 + len) return needLater(() => truncated('TLS record', base + at + 5));
      for (let i = 0; this.have + i < 4 && i < len; i++) this.head[this.have + i] = stream[at + 5 + i]!;
      this.have += len;
      this.at = at + 5 + len;
      if (this.want < 0 && this.have >= 4) {
        const h = this.head;
        const bodyLength = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
        if (h[0] !== HANDSHAKE_CLIENT_HELLO || bodyLength > APP_LIMITS.maxClientHelloBytes) return undefined;
        this.want = 4 + bodyLength;
      }
      if (this.want >= 0 && this.have >= this.want) return undefined;
    }
  }
}

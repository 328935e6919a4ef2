/**
 * What earlier 'need' answers on one client's first bytes established, so that reading them again
 * once more have come goes on from there: a head trickled in one byte at a time costs its length,
 * not its length squared. One per connection (the gateway's, a capture's flow); the bytes given
 * each time are the stream's from its first, never fewer than the time before. The answers are
 * the whole-buffer readings' (readHttpRequestHead, readClientHelloRecords) at every length.
 */
import type { Decoded } from '../decode/outcome.js';
import { type HttpRequestHead, readHttpRequestHead } from './http-request.js';
import { type ClientHello, readClientHelloRecords } from './tls-client-hello.js';
import { HelloRecordWalk } from './tls-record-walk.js';

export class HeadProgress {
  /** How many of the bytes readHttpRequestHead last answered 'need' on. */
  private httpNeed = 0;
  /** Made on the first hello read: most heads read (a keep-alive stream's) are HTTP. */
  private records: HelloRecordWalk | undefined;

  /** readHttpRequestHead(b, base), going on from the last 'need'. */
  http(b: Uint8Array, base = 0): Decoded<HttpRequestHead> {
    const d = readHttpRequestHead(b, base, this.httpNeed);
    if (d.kind === 'need') this.httpNeed = b.length;
    return d;
  }

  /** readClientHelloRecords(b, base), each record header read once. */
  hello(b: Uint8Array, base = 0): Decoded<ClientHello> {
    this.records ??= new HelloRecordWalk();
    return readClientHelloRecords(b, base, this.records);
  }
}

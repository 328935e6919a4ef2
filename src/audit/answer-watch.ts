/**
 * The first answer to a plain-HTTP request, read only as far as the gateway's exchange reads it
 * before anything else (gateway/core/http-exchange.ts): whether it is an NTRIP 1.0 caster's
 * `ICY 200 OK`, which turns the exchange into a stream both ways (what the client sends next goes
 * up, unframed, through the budgets), or anything else. The server's first payload bytes in
 * capture order; at most the status line's bound is held.
 */
import { ntripStatus } from '../net/app/ntrip-status.js';

const MAX_HELD = 512;

export class AnswerWatch {
  private buf = new Uint8Array(0);
  status: 'need' | 'stream' | 'other' = 'need';

  /** A server payload; the status once the bytes so far decide it. */
  push(payload: Uint8Array): AnswerWatch['status'] {
    if (this.status !== 'need' || payload.length === 0) return this.status;
    const next = new Uint8Array(Math.min(MAX_HELD, this.buf.length + payload.length));
    next.set(this.buf);
    next.set(payload.subarray(0, next.length - this.buf.length), this.buf.length);
    this.buf = next;
    const s = ntripStatus(next, 0);
    if (s === 'need' && next.length < MAX_HELD) return this.status;
    this.status = s === 'stream' ? 'stream' : 'other';
    this.buf = new Uint8Array(0);
    return this.status;
  }
}

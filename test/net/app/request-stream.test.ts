/**
 * Following a client's HTTP/1 stream request by request, as the audit does for a keep-alive
 * connection (src/net/app/stream-cursor.ts, request-stream.ts), with the gateway's own framing
 * rules, in one shared place (request-framing.ts, chunked-end.ts, forward-head.ts, which the
 * gateway imports), and the gateway's answers (its fronts, its exchange) are the oracle for what
 * the shared helpers say. Expected splits come from the bytes written here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/core/bytes.js';
import { HttpExchange } from '../../../src/gateway/core/http-exchange.js';
import { PROXY_FRONT } from '../../../src/gateway/core/proxy-head.js';
import { HTTP_FRONT } from '../../../src/gateway/core/transparent-head.js';
import { forwardedHeadLength } from '../../../src/net/app/forward-head.js';
import { type HttpRequestHead, readHttpRequestHead } from '../../../src/net/app/http-request.js';
import { clientMayPersist, requestFraming } from '../../../src/net/app/request-framing.js';
import { type RequestPart, RequestStream } from '../../../src/net/app/request-stream.js';
import { StreamCursor } from '../../../src/net/app/stream-cursor.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const head = (s: string): HttpRequestHead => {
  const d = readHttpRequestHead(bytes(s));
  if (d.kind !== 'value') throw new Error(`not a head: ${s}`);
  return d.value;
};

const GET = (host: string, path = '/a') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
const POST = (host: string, body: string) =>
  `POST /u HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const CHUNKED = (host: string, parts: string[]) =>
  `POST /u HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${parts
    .map((p) => `${p.length.toString(16)}\r\n${p}\r\n`)
    .join('')}0\r\n\r\n`;

/** Per request: [its name, its head's bytes, its body's bytes]; and bytes nothing frames. */
function split(parts: RequestPart[]): { requests: [string, number, number][]; unframed: number } {
  const requests: [string, number, number][] = [];
  let pendingHead = 0;
  let unframed = 0;
  for (const p of parts) {
    if (p.kind === 'head-bytes') pendingHead += p.bytes;
    else if (p.kind === 'head') {
      requests.push([p.head.authority?.host ?? '?', pendingHead + p.bytes, 0]);
      pendingHead = 0;
    } else if (p.kind === 'body') requests[requests.length - 1]![2] += p.bytes;
    else unframed += p.bytes + pendingHead;
  }
  return { requests, unframed };
}

const feedAll = (s: RequestStream, chunks: Uint8Array[]) => chunks.flatMap((c) => s.feed(c));

const HEADS = [
  GET('files.test'),
  `GET /a HTTP/1.1\r\nHost: files.test\r\nConnection: close\r\n\r\n`,
  `GET /a HTTP/1.1\r\nHost: files.test\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n`,
  `GET /a HTTP/1.0\r\nHost: files.test\r\n\r\n`,
  `GET /a HTTP/1.0\r\nHost: files.test\r\nConnection: Keep-Alive\r\n\r\n`,
  `GET /a HTTP/1.0\r\nHost: files.test\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n`,
  `POST /u HTTP/1.1\r\nHost: files.test\r\nContent-Length: 0\r\nProxy-Connection: keep-alive\r\nKeep-Alive: 5\r\n\r\n`,
  `POST /u HTTP/1.1\r\nHost: files.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
  `GET http://files.test:8080/x?y#z HTTP/1.1\r\nHost: other.test\r\nProxy-Authorization: x\r\n\r\n`,
  `GET http://[2001:db8::1]/ HTTP/1.1\r\nHost: x\r\n\r\n`,
  `POST /u HTTP/1.1\r\nHost: files.test\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n`,
];

describe('what the audit asks of a head answers as the gateway does', () => {
  it('clientMayPersist: the client connection is kept after a framed response exactly when the gateway keeps it', () => {
    const response = bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    for (const text of HEADS) {
      const h = head(text);
      const x = new HttpExchange(h, 32 * 1024);
      // The request's body sent whole, as it would be before the response.
      const f = requestFraming(h);
      if (f.kind === 'length') x.takeRequest(new Uint8Array(f.bytes));
      else if (f.kind === 'chunked') x.takeRequest(bytes('0\r\n\r\n'));
      x.takeResponse(response);
      expect([text, clientMayPersist(h)]).toEqual([text, x.reusable]);
    }
  });

  it('forwardedHeadLength: the bytes the gateway sends upstream first (its fronts)', () => {
    for (const text of HEADS) {
      const h = head(text);
      const front = h.form === 'absolute' ? PROXY_FRONT : HTTP_FRONT;
      const o = front.readHead(bytes(text), 32 * 1024);
      const forwarded = o.kind === 'target' ? o.target.firstUp.length : undefined;
      expect([text, forwardedHeadLength(h)]).toEqual([text, forwarded]);
    }
    // CONNECT forwards no head: its bytes are for the proxy.
    const connect = head('CONNECT files.test:443 HTTP/1.1\r\n\r\n');
    expect(forwardedHeadLength(connect)).toBeUndefined();
    const o = PROXY_FRONT.readHead(bytes('CONNECT files.test:443 HTTP/1.1\r\n\r\n'), 1024);
    expect(o.kind === 'target' && o.target.firstUp.length).toBe(0);
  });
});

describe('StreamCursor: one direction in order, nothing kept behind', () => {
  const text = bytes('0123456789abcdefghij');
  it('hands on in-order bytes once: retransmitted ones are not new, held ones come when the gap fills', () => {
    const c = new StreamCursor(100);
    expect(c.push(100, text.subarray(0, 5))).toMatchObject({ fresh: 5, stale: 0 });
    const ahead = c.push(110, text.subarray(10, 15));
    expect([ahead.chunks.length, ahead.fresh, c.heldBytes]).toEqual([0, 5, 5]);
    const again = c.push(100, text.subarray(0, 5));
    expect([again.chunks.length, again.fresh]).toEqual([0, 0]);
    // Overlapping the start: only the new part; and it releases the held segment.
    const fill = c.push(103, text.subarray(3, 12));
    expect(fill.fresh).toBe(7);
    expect(Buffer.from(concatBytes(fill.chunks)).toString()).toBe('56789abcde');
    expect(fill.stale).toBe(2); // 'ab' was held and also came in the filling segment
    expect(c.heldBytes).toBe(0);
  });

  it('sequence numbers wrap at 2^32', () => {
    const c = new StreamCursor(0xfffffffe);
    expect(concatBytes(c.push(0xfffffffe, text.subarray(0, 4)).chunks)).toEqual(text.subarray(0, 4));
    expect(concatBytes(c.push(2, text.subarray(4, 8)).chunks)).toEqual(text.subarray(4, 8));
    // A segment from before the start is old, not 4 GiB ahead.
    expect(c.push(0xfffffff0, text.subarray(0, 4))).toMatchObject({ fresh: 0 });
  });

  it('holds at most its limits past a gap, then says it is stalled', () => {
    const c = new StreamCursor(0, [], 10, 2);
    expect(c.push(100, text.subarray(0, 6)).fresh).toBe(6);
    expect(c.push(200, text.subarray(0, 6)).fresh).toBe(4);
    expect(c.stalled).toBe(true);
    expect(c.push(300, text).fresh).toBe(0);
    expect(c.heldBytes).toBe(10);
  });

  it('any order and any retransmission of segments gives the stream once, in order (property)', () => {
    const stream = bytes('x'.repeat(40) + 'GET / HTTP/1.1\r\n'.repeat(8));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (cuts, order, dups) => {
          const at = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
          const segs = at.slice(1).map((end, i) => ({ seq: at[i]!, data: stream.subarray(at[i]!, end) }));
          // Every segment once in a shuffled order, some again.
          const shuffled = [...segs];
          for (const [i, r] of order.entries()) {
            const j = i % shuffled.length;
            const k = r % shuffled.length;
            [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
          }
          for (const d of dups) shuffled.push(segs[d % segs.length]!);
          const c = new StreamCursor(0);
          const out: Uint8Array[] = [];
          let fresh = 0;
          let stale = 0;
          for (const s of shuffled) {
            const step = c.push(s.seq, s.data);
            out.push(...step.chunks.map((x) => Uint8Array.from(x)));
            fresh += step.fresh;
            stale += step.stale;
          }
          expect(concatBytes(out)).toEqual(stream);
          // Every byte handed on was counted new once (held bytes found to repeat are stale).
          expect(fresh - stale).toBe(stream.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RequestStream: where each request ends, as the gateway finds it', () => {
  const stream = [
    GET('files.test'),
    POST('up.test', 'x'.repeat(300)),
    CHUNKED('up.test', ['a'.repeat(100), 'b'.repeat(50)]),
    `GET /h HTTP/1.0\r\nHost: old.test\r\n\r\n`,
    GET('elsewhere.test'),
  ].join('');
  const want = {
    requests: [
      ['files.test', GET('files.test').length, 0],
      ['up.test', POST('up.test', 'x'.repeat(300)).length - 300, 300],
      ['up.test', CHUNKED('up.test', []).length - 5, 4 + 100 + 2 + 4 + 50 + 2 + 5],
      ['old.test', `GET /h HTTP/1.0\r\nHost: old.test\r\n\r\n`.length, 0],
      ['elsewhere.test', GET('elsewhere.test').length, 0],
    ],
    unframed: 0,
  };

  it('heads, Content-Length and chunked bodies, HTTP/1.0 without a body, in one chunk', () => {
    expect(split(new RequestStream().feed(bytes(stream)))).toEqual(want);
  });

  it('the same however the stream is cut into chunks, a byte at a time included (property)', () => {
    const all = bytes(stream);
    expect(
      split(
        feedAll(
          new RequestStream(),
          [...all].map((x) => Uint8Array.of(x)),
        ),
      ),
    ).toEqual(want);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 20 }), (cuts) => {
        const at = [...new Set([0, ...cuts, all.length])].sort((a, b) => a - b);
        const chunks = at.slice(1).map((end, i) => all.subarray(at[i]!, end));
        expect(split(feedAll(new RequestStream(), chunks))).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('goes on from a head read elsewhere (the name reader): the first part is its body', () => {
    const first = POST('up.test', 'x'.repeat(10));
    const s = new RequestStream(head(first));
    const parts = s.feed(bytes(`${'x'.repeat(10)}${GET('files.test')}`));
    expect(parts.map((p) => p.kind)).toEqual(['body', 'head']);
    expect(parts[0]).toEqual({ kind: 'body', bytes: 10 });
    expect(s.between).toBe(true);
  });

  it('a CONNECT turns the rest into its tunnel; a head the gateway refuses leaves the rest its body', () => {
    const tunnel = split(
      new RequestStream().feed(bytes(`CONNECT a.test:443 HTTP/1.1\r\n\r\n${GET('b.test')}`)),
    );
    expect(tunnel.requests).toEqual([['a.test', 31, GET('b.test').length]]);
    const both =
      'POST /u HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n';
    const refused = split(new RequestStream().feed(bytes(`${both}abc${GET('b.test')}`)));
    expect(refused.requests).toEqual([['a.test', both.length, 3 + GET('b.test').length]]);
  });

  it('bytes that are no request head, a chunk line the gateway calls malformed: the rest unframed', () => {
    const tls = '\x16\x03\x01 not http';
    const garbage = split(new RequestStream().feed(bytes(`${GET('a.test')}${tls}`)));
    expect(garbage).toEqual({ requests: [['a.test', GET('a.test').length, 0]], unframed: tls.length });
    // A chunk size line ended by LF alone: the gateway refuses it in a request (chunked-end.ts).
    const lf = 'POST /u HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n';
    const r = split(new RequestStream().feed(bytes(`${lf}3\nabc\r\n0\r\n\r\n${GET('b.test')}`)));
    // Nothing of that body is the request's: the gateway forwards none of it.
    expect(r.requests).toEqual([['a.test', lf.length, 0]]);
    expect(r.unframed).toBe(`3\nabc\r\n0\r\n\r\n${GET('b.test')}`.length);
  });

  it('a head over the limit is unframed, and no more than the limit is ever held', () => {
    const s = new RequestStream();
    const big = bytes(`GET /a HTTP/1.1\r\nX: ${'y'.repeat(70 * 1024)}`);
    const parts = feedAll(s, [big.subarray(0, 1000), big.subarray(1000)]);
    expect(parts.at(-1)?.kind).toBe('unframed');
  });

  it('never throws and accounts for every byte of any input (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
        const s = new RequestStream();
        for (const c of chunks) {
          const total = s.feed(c).reduce((n, p) => n + p.bytes, 0);
          expect(total).toBe(c.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

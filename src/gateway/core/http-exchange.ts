/**
 * One HTTP/1 request and its response as they cross the gateway, so a client connection can carry
 * several requests, each judged and counted on its own (keep-alive), and an upstream connection
 * can carry several requests to the same destination (the shell's pool, io/upstream-pool.ts).
 * What must be known is
 *  - where the request ends (request-framing.ts: Content-Length, none, or its last chunk), so the
 *    next request's bytes are held for the next decision instead of flowing to this upstream unjudged;
 *  - where the response ends (no body, Content-Length, chunked — chunked-end.ts), so the upstream
 *    connection can go back to the pool and the next request be read; a response delimited by
 *    the upstream closing ends there, as every response did when each request had its own
 *    connection;
 *  - whether the client can find the end of the response by itself: then the client connection
 *    stays open for the next request and the response's 'Connection: close' is taken out;
 *    otherwise the client connection ends with it.
 * A chunked request goes up with 'Connection: close' (its upstream connection is not pooled); its
 * end is still found, so the bytes after it wait for their own decision.
 * A response head the client could frame differently than the gateway (two differing lengths,
 * both Content-Length and Transfer-Encoding, a bare CR, a folded line…) or a protocol switch is
 * an error: the client is told 502 and both connections end (RFC 9112 §6.3, RFC 9110 §7.8).
 * An NTRIP 1.0 caster's answer is no HTTP but is relayed as what it is (net/app/ntrip-status.ts):
 * `SOURCETABLE 200 OK` as a response ended by the close; `ICY 200 OK` turns the exchange into an
 * unframed stream both ways, the rover's positions going up through the same budgets as any
 * request body, until either side closes.
 * An answer whose head the upstream's close cut short is relayed as it came (unfinishedHead): the
 * close delimits it, so there is no framing to disagree on, and the client reads what it would
 * have read directly. NTRIP 1.0 casters refuse that way: RTKLIB answers a bad password with a bare
 * `HTTP/1.0 401 Unauthorized` line, others with `ERROR - Bad Password`, and close.
 */
import { concatBytes } from '../../core/bytes.js';
import { ChunkedEnd } from '../../net/app/chunked-end.js';
import type { HttpRequestHead } from '../../net/app/http-request.js';
import { type NtripStatus, ntripStatus } from '../../net/app/ntrip-status.js';
import {
  clientMayPersist,
  type RequestFraming,
  requestFraming,
  upstreamMayPersist,
} from '../../net/app/request-framing.js';
import type { GatewayReason } from './types.js';

const EMPTY = new Uint8Array(0);

/**
 * A pooled (idle) upstream connection may be used for this request: a stale one can be closed by
 * the server just as the request goes out, and only a safe, bodiless request may then be sent
 * again on a new connection (RFC 9110 §9.2.2).
 */
export function mayUseIdleUpstream(req: HttpRequestHead): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    upstreamMayPersist(req) &&
    bodyBytes(requestFraming(req)) === 0
  );
}

const bodyBytes = (f: RequestFraming): number | undefined => (f.kind === 'length' ? f.bytes : undefined);

/** Why an exchange cannot go on: the connection ends, logged with `reason` as its cut. */
export interface ExchangeError {
  reason: GatewayReason;
  detail: string;
  /** The client has had no final response head yet: it may still be told 502. */
  unanswered: boolean;
}

export interface ExchangeOutcome {
  /** Bytes for the client. */
  out: Uint8Array;
  /** The response head is malformed, ambiguous or too large, or its chunked framing is. */
  error?: ExchangeError;
  /** The response ended within these bytes (bytes after its end, if any, were dropped). */
  done?: boolean;
  /**
   * The exchange turned into an unframed stream both ways (NTRIP 1.0 `ICY 200 OK`): client bytes
   * held as a next request's are this request's now, and every later one is.
   */
  streaming?: boolean;
}

/** How much of the request body is still to come. */
type RequestBody =
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; scan: ChunkedEnd; done: boolean }
  /** No end known (a framing the front should have refused): the rest of the stream, never reused. */
  | { kind: 'stream' };

type Body =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; scan: ChunkedEnd }
  /** Delimited by the upstream closing. */
  | { kind: 'close' }
  | { kind: 'done' };

export class HttpExchange {
  private req: RequestBody;
  /** The client may send another request after this one. */
  private clientPersists: boolean;
  /** An HTTP/1.0 client: no interim responses, no chunked framing, keep-alive said explicitly. */
  private readonly oldClient: boolean;
  private readonly isHead: boolean;
  private readonly persistUp: boolean;
  private respBuf: Uint8Array = EMPTY;
  private body: Body = { kind: 'head' };
  /** Decided at the response head: the client connection stays open after this response. */
  reusable = false;
  /** Decided at the response head: the upstream connection may carry another request. */
  upstreamReusable = false;

  constructor(
    req: HttpRequestHead,
    private readonly maxHeadBytes: number,
  ) {
    const f = requestFraming(req);
    this.req =
      f.kind === 'length'
        ? { kind: 'length', left: f.bytes }
        : f.kind === 'chunked'
          ? { kind: 'chunked', scan: new ChunkedEnd(maxHeadBytes, { bareLf: false }), done: false }
          : { kind: 'stream' };
    this.oldClient = req.version !== 'HTTP/1.1';
    this.clientPersists = clientMayPersist(req);
    this.isHead = req.method === 'HEAD';
    this.persistUp = upstreamMayPersist(req);
  }

  /**
   * Splits client bytes into this request's body and what follows it (the next request);
   * `error` when a chunked body's framing is malformed (nothing of it may go further).
   */
  takeRequest(data: Uint8Array): { body: Uint8Array; rest: Uint8Array; error?: string } {
    const r = this.req;
    switch (r.kind) {
      case 'stream':
        return { body: data, rest: data.subarray(data.length) };
      case 'length': {
        const n = Math.min(r.left, data.length);
        r.left -= n;
        return { body: data.subarray(0, n), rest: data.subarray(n) };
      }
      case 'chunked': {
        if (r.done) return { body: data.subarray(0, 0), rest: data };
        const step = r.scan.feed(data);
        if (step.kind === 'malformed') return { body: EMPTY, rest: EMPTY, error: step.detail };
        if (step.kind === 'more') return { body: data, rest: data.subarray(data.length) };
        r.done = true;
        return { body: data.subarray(0, step.end), rest: data.subarray(step.end) };
      }
      default:
        return assertNever(r);
    }
  }

  /** The request was sent whole (its body ended): bytes after it belong to the next request. */
  get requestDone(): boolean {
    const r = this.req;
    return r.kind === 'length' ? r.left === 0 : r.kind === 'chunked' && r.done;
  }

  /** The response has ended (its framing said so). */
  get responseDone(): boolean {
    return this.body.kind === 'done';
  }

  /** Upstream bytes → client bytes, with the response head's connection fields rewritten. */
  takeResponse(data: Uint8Array): ExchangeOutcome {
    if (this.body.kind !== 'head') return this.takeBody(data, EMPTY);
    const buf = this.respBuf.length === 0 ? data : concatBytes([this.respBuf, data]);
    // An NTRIP 1.0 status line has no empty line after it to wait for: read before the head's end.
    const ntrip = ntripStatus(buf, 0);
    if (ntrip === 'need') {
      this.respBuf = Uint8Array.from(buf);
      return { out: EMPTY };
    }
    if (ntrip !== undefined) return this.ntrip(buf, ntrip);
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const end = headEnd(buf, at);
      if (end < 0) {
        if (buf.length - at > this.maxHeadBytes) return this.fail(out, 'response head too large');
        // A copy: the shell may read the next bytes into the same buffer.
        this.respBuf = Uint8Array.from(buf.subarray(at));
        return { out: join(out) };
      }
      if (end - at > this.maxHeadBytes) return this.fail(out, 'response head too large');
      const h = scanResponseHead(buf, at, end);
      if (typeof h === 'string') return this.fail(out, h);
      // Upgrade is never forwarded (forward-head.ts): a switch nobody asked for is not relayed
      // as a live tunnel of unknown protocol (RFC 9110 §7.8).
      if (h.status === 101)
        return this.fail(out, 'the upstream switched protocols (101) unasked', 'protocol-switch');
      if (h.status >= 100 && h.status < 200) {
        // Interim (100 Continue): passed on as is, except to an HTTP/1.0 client, which would take
        // it for the response (RFC 9110 §15.2); the final response head follows.
        if (!this.oldClient) out.push(buf.subarray(at, end));
        at = end;
        continue;
      }
      const body = this.bodyOf(h);
      if (typeof body === 'string') return this.fail(out, body);
      this.body = body;
      const framed = body.kind !== 'close';
      const upConn = h.connection?.toLowerCase() ?? '';
      const requestDone = this.requestDone;
      this.upstreamReusable =
        this.persistUp && framed && h.minor === 1 && !/\bclose\b/.test(upConn) && requestDone;
      // An HTTP/1.0 client cannot read chunked framing: it finds the end by the connection's.
      this.reusable =
        framed && this.clientPersists && requestDone && !(this.oldClient && body.kind === 'chunked');
      this.respBuf = EMPTY;
      // HTTP/1.0 keeps a connection only when told 'keep-alive' (RFC 9112 §C.2.2).
      const head = rewriteHead(buf, h, this.reusable ? (this.oldClient ? 'keep-alive' : undefined) : 'close');
      return this.takeBody(buf.subarray(end), out.length === 0 ? head : concatBytes([...out, head]));
    }
  }

  /**
   * The upstream closed: the bytes of a response head it never finished (none once the head was
   * read), to relay as they came before the client connection ends too.
   */
  unfinishedHead(): Uint8Array {
    if (this.body.kind !== 'head') return EMPTY;
    const held = this.respBuf;
    this.respBuf = EMPTY;
    return held;
  }

  /** An NTRIP 1.0 answer, relayed as it came; neither connection carries another request. */
  private ntrip(buf: Uint8Array, status: NtripStatus): ExchangeOutcome {
    this.respBuf = EMPTY;
    this.body = { kind: 'close' };
    this.reusable = false;
    this.upstreamReusable = false;
    if (status === 'table') return { out: buf };
    this.req = { kind: 'stream' };
    return { out: buf, streaming: true };
  }

  /** The response cannot be relayed; `out`: interim responses the client may still get first. */
  private fail(out: Uint8Array[], detail: string, reason: GatewayReason = 'bad-response'): ExchangeOutcome {
    this.respBuf = EMPTY;
    return { out: join(out), error: { reason, detail, unanswered: true } };
  }

  /** The response body's framing (RFC 9112 §6.3), or why the client could read it otherwise. */
  private bodyOf(h: ResponseHead): Body | string {
    if (h.contentLength === 'differ') return 'differing Content-Length fields';
    if (h.contentLength === 'bad') return 'a Content-Length that is not one number';
    if (h.contentLength !== undefined && h.codings !== undefined)
      return 'both Content-Length and Transfer-Encoding';
    if (this.isHead || h.status === 204 || h.status === 304) return { kind: 'done' };
    if (h.codings !== undefined) {
      const chunked = h.codings.filter((c) => c === 'chunked').length;
      if (chunked > 1) return 'chunked applied twice';
      // Chunked not last, or an HTTP/1.0 sender: the body ends when the connection does (§6.1, §6.3).
      return chunked === 1 && h.codings[h.codings.length - 1] === 'chunked' && h.minor === 1
        ? { kind: 'chunked', scan: new ChunkedEnd(this.maxHeadBytes) }
        : { kind: 'close' };
    }
    if (h.contentLength === undefined) return { kind: 'close' };
    return h.contentLength === 0 ? { kind: 'done' } : { kind: 'length', left: h.contentLength };
  }

  /** Body bytes after the head (`head`: what goes to the client before them). */
  private takeBody(data: Uint8Array, head: Uint8Array): ExchangeOutcome {
    const b = this.body;
    const withHead = (body: Uint8Array): Uint8Array => joinTwo(head, body);
    switch (b.kind) {
      case 'close':
      case 'head':
        return { out: withHead(data) };
      case 'done':
        return this.ended(withHead(EMPTY), data.length);
      case 'length': {
        if (data.length < b.left) {
          b.left -= data.length;
          return { out: withHead(data) };
        }
        const n = b.left;
        this.body = { kind: 'done' };
        return this.ended(withHead(data.subarray(0, n)), data.length - n);
      }
      case 'chunked': {
        const r = b.scan.feed(data);
        if (r.kind === 'malformed')
          return {
            out: withHead(EMPTY),
            error: { reason: 'bad-response', detail: r.detail, unanswered: false },
          };
        if (r.kind === 'more') return { out: withHead(data) };
        this.body = { kind: 'done' };
        return this.ended(withHead(data.subarray(0, r.end)), data.length - r.end);
      }
      default:
        return assertNever(b);
    }
  }

  /** The response is over; bytes after it were not asked for: the upstream is not reused. */
  private ended(out: Uint8Array, extra: number): ExchangeOutcome {
    if (extra > 0) this.upstreamReusable = false;
    return { out, done: true };
  }
}

/** The index just past a head's empty line at or after `from`, or -1. */
function headEnd(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/**
 * What the gateway needs of a response head, read from its bytes: every response on a keep-alive
 * connection passes here, so lines are not split into strings; only the fields that matter are.
 */
interface ResponseHead {
  /** b[start, end): the head, through its empty line. */
  start: number;
  end: number;
  /** Where the status line's text ends (before its CR LF or LF). */
  statusEnd: number;
  /** The version's minor digit: HTTP/1.0 or HTTP/1.1. */
  minor: 0 | 1;
  status: number;
  /** Each field line's [start, stop) (without its line end), flattened, in order. */
  lines: number[];
  /** Field lines that are hop-by-hop (Connection, Keep-Alive, Proxy-Connection), by index. */
  hop: number[];
  /** Every line, the empty one too, ends in CR LF. */
  crlf: boolean;
  /**
   * The Content-Length (identical duplicates fold into one); 'differ': fields that disagree;
   * 'bad': one that is not one decimal number.
   */
  contentLength?: number | 'differ' | 'bad';
  /** Every Transfer-Encoding field's codings in order, lower case. */
  codings?: string[];
  /** The first Connection field's value. */
  connection?: string;
}

const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');
const CONNECTION_FIELD = {
  close: Buffer.from('Connection: close\r\n', 'latin1'),
  'keep-alive': Buffer.from('Connection: keep-alive\r\n', 'latin1'),
} as const;
/** The field names the gateway reads, matched as bytes (no other name is decoded). */
const WATCHED = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'content-length',
  'transfer-encoding',
] as const;
type Watched = (typeof WATCHED)[number];
const WATCHED_BYTES = WATCHED.map((n) => Buffer.from(n, 'latin1'));

/** The watched name b[s, e) spells, in any case; undefined for any other name (none is decoded). */
function watchedName(b: Uint8Array, s: number, e: number): Watched | undefined {
  next: for (let w = 0; w < WATCHED.length; w++) {
    const n = WATCHED_BYTES[w]!;
    if (n.length !== e - s) continue;
    for (let i = 0; i < n.length; i++) {
      const c = b[s + i]!;
      // ASCII letters fold to lower case; '-' and other bytes must match as they are.
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== n[i]) continue next;
    }
    return WATCHED[w];
  }
  return undefined;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}

/** What String.prototype.trim removes, among Latin-1 bytes (names are trimmed as trim() would). */
function isTrimmed(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

/** b[from, to) trimmed of SP and HTAB (a field value's OWS), as text. */
function owsValue(b: Uint8Array, from: number, to: number): string {
  while (from < to && (b[from] === 0x20 || b[from] === 0x09)) from++;
  while (to > from && (b[to - 1] === 0x20 || b[to - 1] === 0x09)) to--;
  return latin1(b, from, to);
}

/**
 * A bare CR (one not ending a line) or a NUL in b[at, end): the client may split a line where the
 * gateway does not (RFC 9112 §2.2, RFC 9110 §5.5), so such a head is refused whole.
 */
function hasBareCrOrNul(b: Uint8Array, at: number, end: number): boolean {
  for (let i = at; i < end; i++) {
    const c = b[i];
    if (c === 0 || (c === 0x0d && b[i + 1] !== 0x0a)) return true;
  }
  return false;
}

const isDigit = (c: number | undefined): c is number => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * 'HTTP/1.x NNN', then the end or a space and any reason phrase, read in b[s, e) without decoding
 * it: every response passes here. The line holds no CR or LF (scanResponseHead refused bare CRs).
 */
function statusLine(b: Uint8Array, s: number, e: number): { minor: 0 | 1; status: number } | undefined {
  if (e - s < 12) return undefined;
  for (let i = 0; i < HTTP_1.length; i++) if (b[s + i] !== HTTP_1[i]) return undefined;
  const minor = b[s + 7];
  const d0 = b[s + 9];
  const d1 = b[s + 10];
  const d2 = b[s + 11];
  if ((minor !== 0x30 && minor !== 0x31) || b[s + 8] !== 0x20) return undefined;
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2) || (e - s > 12 && b[s + 12] !== 0x20)) return undefined;
  return { minor: minor === 0x31 ? 1 : 0, status: (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30) };
}

/** The head in b[at, end) (end: just past its empty line), or why it cannot be relayed. */
function scanResponseHead(b: Uint8Array, at: number, end: number): ResponseHead | string {
  if (hasBareCrOrNul(b, at, end)) return 'a bare CR or a NUL in the response head';
  // Lines are walked with plain indices (no object or closure per line): every response passes here.
  let lf = lineFeed(b, at, end);
  const statusEnd = lf > at && b[lf - 1] === 0x0d ? lf - 1 : lf;
  const sl = statusLine(b, at, statusEnd);
  if (!sl) return 'not an HTTP/1 response';
  const h: ResponseHead = {
    start: at,
    end,
    statusEnd,
    minor: sl.minor,
    status: sl.status,
    lines: [],
    hop: [],
    crlf: statusEnd !== lf,
  };
  for (let start = lf + 1; start < end; start = lf + 1) {
    // The line is [start, stop), without its CR LF or LF.
    lf = lineFeed(b, start, end);
    const crlf = lf > start && b[lf - 1] === 0x0d;
    const stop = crlf ? lf - 1 : lf;
    h.crlf &&= crlf;
    if (stop === start) continue; // the empty line that ends the head
    // obs-fold: the client may join it to the line before, which the gateway reads on its own.
    if (b[start] === 0x20 || b[start] === 0x09) return 'a folded line (obs-fold) in the response head';
    const index = h.lines.length / 2;
    h.lines.push(start, stop);
    // Not indexOf: it would search past the line, through every later line of a hostile head.
    let colon = start;
    while (colon < stop && b[colon] !== 0x3a) colon++;
    if (colon === stop) continue;
    let s = start;
    let e = colon;
    while (s < e && isTrimmed(b[s])) s++;
    while (e > s && isTrimmed(b[e - 1])) e--;
    const name = watchedName(b, s, e);
    if (name === undefined) continue;
    switch (name) {
      case 'connection':
        h.connection ??= latin1(b, colon + 1, stop).trim();
        h.hop.push(index);
        break;
      case 'keep-alive':
      case 'proxy-connection':
        h.hop.push(index);
        break;
      case 'content-length':
      case 'transfer-encoding': {
        // 'Content-Length :' is a framing field here and maybe none to the client (RFC 9112 §5.1).
        if (s !== start || e !== colon) return `whitespace around the ${name} field name`;
        if (name === 'transfer-encoding') {
          h.codings ??= [];
          for (const c of owsValue(b, colon + 1, stop).split(','))
            h.codings.push(c.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase());
          break;
        }
        const n = owsDecimal(b, colon + 1, stop) ?? 'bad';
        if (h.contentLength === 'bad' || n === 'bad') h.contentLength = 'bad';
        else if (h.contentLength !== undefined && h.contentLength !== n) h.contentLength = 'differ';
        else h.contentLength ??= n;
        break;
      }
    }
  }
  return h;
}

/** The index of the LF that ends the line starting at `start`, or `end` when none does before it. */
function lineFeed(b: Uint8Array, start: number, end: number): number {
  const i = b.indexOf(0x0a, start);
  return i < 0 || i > end ? end : i;
}

/**
 * b[from, to), trimmed of OWS, as one decimal number of 1 to 15 digits (exact in a double), read
 * from the bytes; undefined for anything else (a sign, a list, another digit than ASCII's).
 */
function owsDecimal(b: Uint8Array, from: number, to: number): number | undefined {
  while (from < to && (b[from] === 0x20 || b[from] === 0x09)) from++;
  while (to > from && (b[to - 1] === 0x20 || b[to - 1] === 0x09)) to--;
  if (to === from || to - from > 15) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (!isDigit(c)) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * The head for the client: the upstream's without its hop-by-hop fields, plus 'Connection: close'
 * when the client connection ends with this response ('keep-alive' when an HTTP/1.0 one does not). A head with nothing to change passes as the
 * bytes that came (a view: no copy); otherwise its kept lines are copied, each ending in CR LF.
 */
function rewriteHead(
  b: Uint8Array,
  h: ResponseHead,
  conn: keyof typeof CONNECTION_FIELD | undefined,
): Uint8Array {
  if (h.hop.length === 0 && conn === undefined && h.crlf) return b.subarray(h.start, h.end);
  const lines = h.lines;
  const added = conn === undefined ? undefined : CONNECTION_FIELD[conn];
  let size = h.statusEnd - h.start + 4 + (added?.length ?? 0);
  for (let i = 0; i < lines.length / 2; i++)
    if (!h.hop.includes(i)) size += lines[2 * i + 1]! - lines[2 * i]! + 2;
  const out = pooled(size);
  let o = putLine(out, 0, b, h.start, h.statusEnd);
  for (let i = 0; i < lines.length / 2; i++)
    if (!h.hop.includes(i)) o = putLine(out, o, b, lines[2 * i]!, lines[2 * i + 1]!);
  if (added) {
    out.set(added, o);
    o += added.length;
  }
  out[o++] = 0x0d;
  out[o] = 0x0a;
  // Pooled memory is not zeroed: a head shorter than its size would carry stale bytes.
  if (o + 1 !== size) throw new Error(`response head rewrite wrote ${o + 1} of ${size} bytes`);
  return out;
}

/** b[from, to) then CR LF, written into `out` at `o`; the offset after them. */
function putLine(out: Uint8Array, o: number, b: Uint8Array, from: number, to: number): number {
  // Byte by byte: a head's lines are short, and a subarray per line to copy from cost an object each.
  for (let i = from; i < to; i++) out[o++] = b[i]!;
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  return o;
}

/**
 * `size` bytes from Node's shared pool, not zeroed: every caller writes all of them. Per
 * response, a fresh ArrayBuffer (new Uint8Array) cost several times a pool slice, and the
 * young-generation GC tracks each one.
 */
function pooled(size: number): Uint8Array {
  return Buffer.allocUnsafe(size);
}

/** `head` then `body`: the one view when they lie side by side in one buffer, else a copy. */
function joinTwo(head: Uint8Array, body: Uint8Array): Uint8Array {
  if (head.length === 0) return body;
  if (body.length === 0) return head;
  if (head.buffer === body.buffer && head.byteOffset + head.length === body.byteOffset)
    return new Uint8Array(head.buffer, head.byteOffset, head.length + body.length);
  const out = pooled(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

/**
 * One HTTP/1 request and its response as they cross the gateway, so a client connection can carry
 * several requests, each judged and counted on its own (keep-alive), and an upstream connection
 * can carry several requests to the same destination (the shell's pool, io/upstream-pool.ts).
 * What must be known is
 *  - where the request ends (Content-Length; no body when absent), so the next request's bytes are
 *    held for the next decision instead of flowing to this upstream unjudged;
 *  - where the response ends (no body, Content-Length, chunked — chunked-end.ts), so the upstream
 *    connection can go back to the pool and the next request be read; a response delimited by
 *    the upstream closing ends there, as every response did when each request had its own
 *    connection;
 *  - whether the client can find the end of the response by itself: then the client connection
 *    stays open for the next request and the response's 'Connection: close' is taken out;
 *    otherwise the client connection ends with it.
 * A chunked request body has no end known here: that exchange is the connection's last, and its
 * upstream gets 'Connection: close'.
 */
import { concatBytes } from '../../core/bytes.js';
import type { HttpRequestHead } from '../../net/app/http-request.js';
import { ChunkedEnd } from './chunked-end.js';

const EMPTY = new Uint8Array(0);

const header = (headers: readonly { name: string; value: string }[], name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name)?.value;

/** The request body's length: 0 when absent; undefined when unknown (chunked, or not one number). */
function requestBodyBytes(req: HttpRequestHead): number | undefined {
  if (header(req.headers, 'transfer-encoding') !== undefined) return undefined;
  const cl = header(req.headers, 'content-length');
  if (cl === undefined) return 0;
  // A Content-Length that is not one decimal number is smuggling material: no reuse, no guessing.
  return /^\d{1,15}$/.test(cl) ? Number(cl) : undefined;
}

/**
 * The upstream connection may outlive this request: HTTP/1.1, a body of known length, no protocol
 * upgrade. Otherwise the request goes up with 'Connection: close' and the connection ends with it.
 */
export function upstreamMayPersist(req: HttpRequestHead): boolean {
  return (
    req.version === 'HTTP/1.1' &&
    requestBodyBytes(req) !== undefined &&
    header(req.headers, 'upgrade') === undefined
  );
}

/**
 * A pooled (idle) upstream connection may be used for this request: a stale one can be closed by
 * the server just as the request goes out, and only a safe, bodiless request may then be sent
 * again on a new connection (RFC 9110 §9.2.2).
 */
export function mayUseIdleUpstream(req: HttpRequestHead): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') && requestBodyBytes(req) === 0 && upstreamMayPersist(req)
  );
}

export interface ExchangeOutcome {
  /** Bytes for the client. */
  out: Uint8Array;
  /** The response head is malformed or too large, or its chunked framing is: end the connection. */
  error?: string;
  /** The response ended within these bytes (bytes after its end, if any, were dropped). */
  done?: boolean;
}

type Body =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; scan: ChunkedEnd }
  /** Delimited by the upstream closing. */
  | { kind: 'close' }
  | { kind: 'done' };

export class HttpExchange {
  /** Request body bytes still to come; undefined: unknown (chunked), the rest of the stream. */
  private bodyLeft: number | undefined;
  /** The client may send another request after this one. */
  private clientPersists: boolean;
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
    this.bodyLeft = requestBodyBytes(req);
    const conn = header(req.headers, 'connection')?.toLowerCase() ?? '';
    this.clientPersists = req.version === 'HTTP/1.1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    this.isHead = req.method === 'HEAD';
    this.persistUp = upstreamMayPersist(req);
  }

  /** Splits client bytes into this request's body and what follows it (the next request). */
  takeRequest(data: Uint8Array): { body: Uint8Array; rest: Uint8Array } {
    if (this.bodyLeft === undefined) return { body: data, rest: data.subarray(data.length) };
    const n = Math.min(this.bodyLeft, data.length);
    this.bodyLeft -= n;
    return { body: data.subarray(0, n), rest: data.subarray(n) };
  }

  /** The request was sent whole (its body ended): bytes after it belong to the next request. */
  get requestDone(): boolean {
    return this.bodyLeft === 0;
  }

  /** The response has ended (its framing said so). */
  get responseDone(): boolean {
    return this.body.kind === 'done';
  }

  /** Upstream bytes → client bytes, with the response head's connection fields rewritten. */
  takeResponse(data: Uint8Array): ExchangeOutcome {
    if (this.body.kind !== 'head') return this.takeBody(data, EMPTY);
    const buf = this.respBuf.length === 0 ? data : concatBytes([this.respBuf, data]);
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const end = headEnd(buf, at);
      if (end < 0) {
        if (buf.length - at > this.maxHeadBytes) return { out: join(out), error: 'response head too large' };
        // A copy: the shell may read the next bytes into the same buffer.
        this.respBuf = Uint8Array.from(buf.subarray(at));
        return { out: join(out) };
      }
      if (end - at > this.maxHeadBytes) return { out: join(out), error: 'response head too large' };
      const h = scanResponseHead(buf, at, end);
      if (!h) return { out: join(out), error: 'not an HTTP/1 response' };
      if (h.status >= 100 && h.status < 200 && h.status !== 101) {
        // Interim (100 Continue): passed on as is; the final response head follows.
        out.push(buf.subarray(at, end));
        at = end;
        continue;
      }
      this.body = this.bodyOf(h);
      const framed = this.body.kind !== 'close';
      const upConn = h.connection?.toLowerCase() ?? '';
      this.upstreamReusable =
        this.persistUp && framed && h.minor === 1 && !/\bclose\b/.test(upConn) && this.bodyLeft === 0;
      this.reusable = framed && h.status !== 101 && this.clientPersists && this.bodyLeft === 0;
      this.respBuf = EMPTY;
      const head = rewriteHead(buf, h, !this.reusable);
      return this.takeBody(buf.subarray(end), out.length === 0 ? head : concatBytes([...out, head]));
    }
  }

  private bodyOf(h: ResponseHead): Body {
    if (h.status === 101) return { kind: 'close' };
    if (this.isHead || h.status === 204 || h.status === 304) return { kind: 'done' };
    if (h.transferEncoding !== undefined)
      return /chunked\s*$/i.test(h.transferEncoding)
        ? { kind: 'chunked', scan: new ChunkedEnd(this.maxHeadBytes) }
        : { kind: 'close' };
    if (h.contentLength === undefined) return { kind: 'close' };
    // Two Content-Length fields, or one that is not one number: no framing is trusted.
    if (h.contentLengths > 1 || !/^\d{1,15}$/.test(h.contentLength)) return { kind: 'close' };
    const n = Number(h.contentLength);
    return n === 0 ? { kind: 'done' } : { kind: 'length', left: n };
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
        if (r.kind === 'malformed') return { out: withHead(EMPTY), error: r.detail };
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
  /** The first Content-Length field's value, and how many there are. */
  contentLength?: string;
  contentLengths: number;
  /** The last Transfer-Encoding field's value. */
  transferEncoding?: string;
  /** The first Connection field's value. */
  connection?: string;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;
const CONNECTION_CLOSE = Buffer.from('Connection: close\r\n', 'latin1');
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

/** The head in b[at, end) (end: just past its empty line); undefined when its status line is not HTTP/1. */
function scanResponseHead(b: Uint8Array, at: number, end: number): ResponseHead | undefined {
  let from = at;
  /** The next line: [start, stop) without its CR LF or LF; `from` moves past it. */
  const nextLine = (): { start: number; stop: number; crlf: boolean } => {
    const start = from;
    let i = b.indexOf(0x0a, start);
    if (i < 0 || i > end) i = end;
    from = i + 1;
    const crlf = i > start && b[i - 1] === 0x0d;
    return { start, stop: crlf ? i - 1 : i, crlf };
  };
  const first = nextLine();
  const m = STATUS_LINE.exec(latin1(b, first.start, first.stop));
  if (!m) return undefined;
  const h: ResponseHead = {
    start: at,
    end,
    statusEnd: first.stop,
    minor: m[1] === '1' ? 1 : 0,
    status: Number(m[2]),
    lines: [],
    hop: [],
    crlf: first.crlf,
    contentLengths: 0,
  };
  while (from < end) {
    const l = nextLine();
    h.crlf &&= l.crlf;
    if (l.stop === l.start) continue; // the empty line that ends the head
    const index = h.lines.length / 2;
    h.lines.push(l.start, l.stop);
    // Not indexOf: it would search past the line, through every later line of a hostile head.
    let colon = l.start;
    while (colon < l.stop && b[colon] !== 0x3a) colon++;
    if (colon === l.stop) continue;
    let s = l.start;
    let e = colon;
    while (s < e && isTrimmed(b[s])) s++;
    while (e > s && isTrimmed(b[e - 1])) e--;
    const name = watchedName(b, s, e);
    if (name === undefined) continue;
    const value = (): string => latin1(b, colon + 1, l.stop).trim();
    switch (name) {
      case 'connection':
        h.connection ??= value();
        h.hop.push(index);
        break;
      case 'keep-alive':
      case 'proxy-connection':
        h.hop.push(index);
        break;
      case 'content-length':
        h.contentLengths++;
        h.contentLength ??= value();
        break;
      case 'transfer-encoding':
        h.transferEncoding = value();
        break;
    }
  }
  return h;
}

/**
 * The head for the client: the upstream's without its hop-by-hop fields, plus 'Connection: close'
 * when the client connection ends with this response. A head with nothing to change passes as the
 * bytes that came (a view: no copy); otherwise its kept lines are copied, each ending in CR LF.
 */
function rewriteHead(b: Uint8Array, h: ResponseHead, close: boolean): Uint8Array {
  if (h.hop.length === 0 && !close && h.crlf) return b.subarray(h.start, h.end);
  const lines = h.lines;
  const kept = (i: number): boolean => !h.hop.includes(i);
  let size = h.statusEnd - h.start + 4 + (close ? CONNECTION_CLOSE.length : 0);
  for (let i = 0; i < lines.length / 2; i++) if (kept(i)) size += lines[2 * i + 1]! - lines[2 * i]! + 2;
  const out = pooled(size);
  let o = 0;
  const put = (from: number, to: number): void => {
    out.set(b.subarray(from, to), o);
    o += to - from;
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  };
  put(h.start, h.statusEnd);
  for (let i = 0; i < lines.length / 2; i++) if (kept(i)) put(lines[2 * i]!, lines[2 * i + 1]!);
  if (close) {
    out.set(CONNECTION_CLOSE, o);
    o += CONNECTION_CLOSE.length;
  }
  out[o++] = 0x0d;
  out[o] = 0x0a;
  // Pooled memory is not zeroed: a head shorter than its size would carry stale bytes.
  if (o + 1 !== size) throw new Error(`response head rewrite wrote ${o + 1} of ${size} bytes`);
  return out;
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

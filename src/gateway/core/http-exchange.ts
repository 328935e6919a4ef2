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

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection']);
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
      const lines = Buffer.from(buf.subarray(at, end)).toString('latin1').split(/\r?\n/);
      const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
      if (!m) return { out: join(out), error: 'not an HTTP/1 response' };
      const status = Number(m[2]);
      const fields = lines.slice(1).filter((l) => l !== '');
      if (status >= 100 && status < 200 && status !== 101) {
        // Interim (100 Continue): passed on as is; the final response head follows.
        out.push(buf.subarray(at, end));
        at = end;
        continue;
      }
      const names = fields.map((l) =>
        l
          .slice(0, Math.max(0, l.indexOf(':')))
          .trim()
          .toLowerCase(),
      );
      const value = (name: string) => {
        const i = names.indexOf(name);
        return i < 0 ? undefined : fields[i]!.slice(fields[i]!.indexOf(':') + 1).trim();
      };
      this.body = this.bodyOf(status, names, fields, value('content-length'));
      const framed = this.body.kind !== 'close';
      const upConn = value('connection')?.toLowerCase() ?? '';
      this.upstreamReusable =
        this.persistUp && framed && m[1] === '1' && !/\bclose\b/.test(upConn) && this.bodyLeft === 0;
      this.reusable = framed && status !== 101 && this.clientPersists && this.bodyLeft === 0;
      const kept = fields.filter((_, i) => !HOP_BY_HOP.has(names[i]!));
      if (!this.reusable) kept.push('Connection: close');
      this.respBuf = EMPTY;
      const head = Buffer.from(`${[lines[0], ...kept].join('\r\n')}\r\n\r\n`, 'latin1');
      return this.takeBody(buf.subarray(end), out.length === 0 ? head : concatBytes([...out, head]));
    }
  }

  private bodyOf(status: number, names: string[], fields: string[], contentLength: string | undefined): Body {
    if (status === 101) return { kind: 'close' };
    if (this.isHead || status === 204 || status === 304) return { kind: 'done' };
    const te = fields.filter((_, i) => names[i] === 'transfer-encoding');
    if (te.length > 0)
      return /chunked\s*$/i.test(te[te.length - 1]!)
        ? { kind: 'chunked', scan: new ChunkedEnd(this.maxHeadBytes) }
        : { kind: 'close' };
    if (contentLength === undefined) return { kind: 'close' };
    // Two Content-Length fields, or one that is not one number: no framing is trusted.
    if (names.filter((n) => n === 'content-length').length > 1 || !/^\d{1,15}$/.test(contentLength))
      return { kind: 'close' };
    const n = Number(contentLength);
    return n === 0 ? { kind: 'done' } : { kind: 'length', left: n };
  }

  /** Body bytes after the head (`head`: what goes to the client before them). */
  private takeBody(data: Uint8Array, head: Uint8Array): ExchangeOutcome {
    const b = this.body;
    const withHead = (body: Uint8Array): Uint8Array =>
      head.length === 0 ? body : body.length === 0 ? head : concatBytes([head, body]);
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

function join(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

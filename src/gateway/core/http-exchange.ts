/**
 * One HTTP/1 request and its response as they cross the gateway, so a client connection can carry
 * several requests, each judged and counted on its own (keep-alive). The upstream gets each request
 * with 'Connection: close' (forward-head.ts), so the upstream closing is where a response ends: no
 * response body has to be parsed. What must be known is
 *  - where the request ends (Content-Length; no body when absent), so the next request's bytes are
 *    held for the next decision instead of flowing to this upstream unjudged;
 *  - whether the client can find the end of the response by itself (Content-Length, chunked, or
 *    a status without a body): then the client connection stays open for the next request, the
 *    response's 'Connection: close' is taken out; otherwise the client connection ends with it.
 * A chunked request body has no end known here: that exchange is the connection's last.
 */
import { concatBytes } from '../../core/bytes.js';
import type { HttpRequestHead } from '../../net/app/http-request.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection']);

const header = (headers: readonly { name: string; value: string }[], name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name)?.value;

export interface ExchangeOutcome {
  /** Bytes for the client. */
  out: Uint8Array;
  /** The response head is malformed or too large: end the connection. */
  error?: string;
}

export class HttpExchange {
  /** Request body bytes still to come; undefined: unknown (chunked), the rest of the stream. */
  private bodyLeft: number | undefined;
  /** The client may send another request after this one. */
  private clientPersists: boolean;
  private readonly isHead: boolean;
  private respBuf: Uint8Array | undefined = new Uint8Array(0);
  /** Decided at the response head: the client connection stays open after this response. */
  reusable = false;

  constructor(
    req: HttpRequestHead,
    private readonly maxHeadBytes: number,
  ) {
    const te = header(req.headers, 'transfer-encoding');
    const cl = header(req.headers, 'content-length');
    this.bodyLeft = te !== undefined ? undefined : cl === undefined ? 0 : Number(cl);
    // A Content-Length that is not one decimal number is smuggling material: no reuse, no guessing.
    if (this.bodyLeft !== undefined && !(cl === undefined || /^\d{1,15}$/.test(cl)))
      this.bodyLeft = undefined;
    const conn = header(req.headers, 'connection')?.toLowerCase() ?? '';
    this.clientPersists = req.version === 'HTTP/1.1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    this.isHead = req.method === 'HEAD';
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

  /** Upstream bytes → client bytes, with the response head's connection fields rewritten. */
  takeResponse(data: Uint8Array): ExchangeOutcome {
    if (this.respBuf === undefined) return { out: data };
    const buf = this.respBuf.length === 0 ? data : concatBytes([this.respBuf, data]);
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const end = headEnd(buf, at);
      if (end < 0) {
        if (buf.length - at > this.maxHeadBytes) return { out: join(out), error: 'response head too large' };
        this.respBuf = buf.subarray(at);
        return { out: join(out) };
      }
      if (end - at > this.maxHeadBytes) return { out: join(out), error: 'response head too large' };
      const lines = Buffer.from(buf.subarray(at, end)).toString('latin1').split(/\r?\n/);
      const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
      if (!m) return { out: join(out), error: 'not an HTTP/1 response' };
      const status = Number(m[1]);
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
      const framed =
        this.isHead ||
        status === 204 ||
        status === 304 ||
        names.includes('content-length') ||
        fields.some((l, i) => names[i] === 'transfer-encoding' && /chunked\s*$/i.test(l));
      this.reusable = framed && status !== 101 && this.clientPersists && this.bodyLeft === 0;
      const kept = fields.filter((_, i) => !HOP_BY_HOP.has(names[i]!));
      if (!this.reusable) kept.push('Connection: close');
      out.push(Buffer.from(`${[lines[0], ...kept].join('\r\n')}\r\n\r\n`, 'latin1'), buf.subarray(end));
      this.respBuf = undefined;
      return { out: join(out) };
    }
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

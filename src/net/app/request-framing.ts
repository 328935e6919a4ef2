/**
 * Where a request's body ends (RFC 9112 §6), decided once for the gateway and, through the head
 * it forwards, for the upstream: if the two could read the same bytes two ways, bytes the gateway
 * took for a body would reach the upstream as a request nobody judged (request smuggling), and a
 * pooled upstream connection would answer it to the next client. The upstream gets a head rebuilt
 * from the parsed fields (forward-head.ts), so what must be unambiguous is what survives that
 * rebuild; anything ambiguous in it is refused, never guessed at (squid does the same).
 *
 * Shared by the gateway (src/gateway/core) and the audit (src/audit/http-requests.ts), which
 * follows the requests of a captured keep-alive connection where the gateway would: one rule.
 */
import type { HttpRequestHead } from './http-request.js';

/** Why a head is refused before any decision (a subset of the gateway's GatewayReason). */
export type FramingReason = 'version-not-supported' | 'bad-request' | 'bad-framing';

export type RequestFraming =
  /** `bytes` of body (0: none); identical duplicate Content-Length fields count as one. */
  | { kind: 'length'; bytes: number }
  /** Transfer-Encoding: chunked alone (HTTP/1.1): the body ends with its last chunk (chunked-end.ts). */
  | { kind: 'chunked' }
  | { kind: 'invalid'; status: 400 | 505; reason: FramingReason; detail: string };

/** Bytes no field value may hold once parsed: CR (a bare one; RFC 9112 §2.2), NUL, the other controls but HTAB. */
const VALUE_CTL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A target is one token of visible characters (the parser admits NUL and other controls in it). */
const TARGET_CTL = /[\x00-\x20\x7f]/;
const DIGITS = /^\d{1,15}$/;

const invalid = (
  status: 400 | 505,
  reason: FramingReason,
  detail: string,
): Extract<RequestFraming, { kind: 'invalid' }> => ({ kind: 'invalid', status, reason, detail });

/** Trims optional whitespace (SP, HTAB) only, as a list element's OWS (RFC 9110 §5.6.1). */
const ows = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** Heads are immutable and asked about several times each (front, pool, exchange): read once. */
const known = new WeakMap<HttpRequestHead, RequestFraming>();

export function requestFraming(req: HttpRequestHead): RequestFraming {
  let f = known.get(req);
  if (f === undefined) {
    f = framingOf(req);
    known.set(req, f);
  }
  return f;
}

function framingOf(req: HttpRequestHead): RequestFraming {
  if (req.version !== 'HTTP/1.1' && req.version !== 'HTTP/1.0')
    return invalid(505, 'version-not-supported', `${req.version}: only HTTP/1.0 and HTTP/1.1 are relayed`);
  if (TARGET_CTL.test(req.target)) return invalid(400, 'bad-request', 'a control byte in the request target');
  let length: number | undefined;
  const codings: string[] = [];
  for (const h of req.headers) {
    if (VALUE_CTL.test(h.value))
      return invalid(400, 'bad-request', `a control byte (CR, NUL or another) in the ${h.name} field`);
    const name = h.name.toLowerCase();
    if (name === 'content-length') {
      // One decimal number: no sign, no list ('5, 5'), nothing a parser could read another way.
      if (!DIGITS.test(h.value))
        return invalid(400, 'bad-framing', 'a Content-Length that is not one number');
      const n = Number(h.value);
      if (length !== undefined && length !== n)
        return invalid(400, 'bad-framing', 'differing Content-Length fields');
      length = n;
    } else if (name === 'transfer-encoding') codings.push(...h.value.split(',').map(ows));
  }
  if (codings.length === 0) return { kind: 'length', bytes: length ?? 0 };
  // RFC 9112 §6.1-6.3: both fields, or a coding the upstream may end differently, is smuggling material.
  if (length !== undefined) return invalid(400, 'bad-framing', 'both Content-Length and Transfer-Encoding');
  if (req.version !== 'HTTP/1.1')
    return invalid(400, 'bad-framing', 'Transfer-Encoding in an HTTP/1.0 request');
  if (codings.length !== 1 || codings[0]!.toLowerCase() !== 'chunked')
    return invalid(400, 'bad-framing', 'a Transfer-Encoding other than chunked alone');
  return { kind: 'chunked' };
}

/**
 * The upstream connection may outlive this request: HTTP/1.1 with a Content-Length body or none
 * (Upgrade is never forwarded: forward-head.ts). Otherwise the request goes up with
 * 'Connection: close' and the connection ends with it.
 */
export function upstreamMayPersist(req: HttpRequestHead): boolean {
  return req.version === 'HTTP/1.1' && requestFraming(req).kind === 'length';
}

/**
 * The client means to send another request on its connection after this one: HTTP/1.1 unless
 * its Connection field says 'close', HTTP/1.0 only when it says 'keep-alive' (RFC 9112 §9.3,
 * §C.2.2). The gateway's HttpExchange and the audit's request follower both ask this; whether
 * the connection then stays open also depends on the response (framed, and readable by the
 * client), which only the gateway sees whole.
 */
export function clientMayPersist(req: HttpRequestHead): boolean {
  const conn = req.headers
    .filter((h) => h.name.toLowerCase() === 'connection')
    .map((h) => h.value)
    .join(', ')
    .toLowerCase();
  return req.version === 'HTTP/1.1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
}

/**
 * The head of a transparent connection (TLS on 443, HTTP on 80, or either on an extra port), read
 * before any name is judged: one reading for the gateway's fronts (gateway/core/transparent-head.ts)
 * and for audit (a capture's connection to an egress address), so both refuse the same heads. The
 * decoders (readClientHelloRecords, readHttpRequestHead, requestFraming) on at most
 * maxHeaderBytes + 1 bytes, refused under the gateway's reasons (FRONT_REASONS): on TLS, bytes that are not a ClientHello
 * ('not-tls', HTTP included); on 80, a head that is not valid HTTP/1 ('bad-request', TLS
 * included), ambiguous framing or another version (request-framing.ts), a CONNECT or `*`
 * ('bad-request'); on either, a head that does not end within maxHeaderBytes ('header-too-large').
 * Each refusal carries the status an HTTP client is answered with. On an allowlist's extra port
 * (the `other` listener) the first byte chooses which of the two reads the head (sniffFront).
 */
import type { HeadProgress } from './head-progress.js';
import { type HttpRequestHead, readHttpRequestHead } from './http-request.js';
import { requestFraming } from './request-framing.js';
import { type ClientHello, readClientHelloRecords } from './tls-client-hello.js';

/** What the fronts refuse a head for, under the names the gateway logs (its GATEWAY_REASONS). */
export const FRONT_REASONS = [
  'not-tls',
  'bad-request',
  'bad-framing',
  'version-not-supported',
  'header-too-large',
] as const;
export type FrontReason = (typeof FRONT_REASONS)[number];

/** The transparent front that reads a head: TLS (443's), HTTP (80's). */
export type FrontPort = 'tls' | 'http';

/** What a port's redirected connections meet: 443's and 80's fronts, or the extra ports' listener (sniffFront). */
export type FrontKind = FrontPort | 'extra';

const NO_PORTS: ReadonlySet<number> = new Set();

/**
 * The front a connection to `port` meets in the box: TLS on 443, HTTP on 80, the `other`
 * listener on `extraPorts` (the allowlist's ports the box's rules redirect there: none when
 * gateway.transparent.other is off); undefined for any other port (the rules drop it).
 */
export const frontOfPort = (
  port: number,
  extraPorts: ReadonlySet<number> = NO_PORTS,
): FrontKind | undefined =>
  port === 443 ? 'tls' : port === 80 ? 'http' : extraPorts.has(port) ? 'extra' : undefined;

/** A TLS record's first byte: content type 22, handshake (RFC 8446 §5.1); never an HTTP method's. */
const TLS_HANDSHAKE = 0x16;

/**
 * Which front reads an extra-port connection's head, by its first byte: a TLS handshake record
 * is read as on 443, anything else as on 80 (where bytes that are neither TLS nor HTTP are
 * refused 'bad-request'). Undefined until a byte is in: nothing shows the protocol yet.
 */
export function sniffFront(buf: Uint8Array): FrontPort | undefined {
  if (buf.length === 0) return undefined;
  return buf[0] === TLS_HANDSHAKE ? 'tls' : 'http';
}

export type FrontHead =
  | { readonly kind: 'need' }
  | { readonly kind: 'tls'; readonly hello: ClientHello }
  | { readonly kind: 'http'; readonly head: HttpRequestHead }
  | {
      readonly kind: 'refused';
      readonly reason: FrontReason;
      readonly detail: string;
      /** What an HTTP client is answered (a TLS client hears nothing). */
      readonly status: 400 | 431 | 505;
    };

export type FrontRefusal = Extract<FrontHead, { readonly kind: 'refused' }>;

const tooLarge = (max: number): FrontRefusal => ({
  kind: 'refused',
  reason: 'header-too-large',
  detail: `the head does not end within the gateway's maxHeaderBytes (${max})`,
  status: 431,
});

/**
 * `buf`: the client's in-order bytes from the stream's first; `max`: the policy's gateway.maxHeaderBytes.
 * `progress`: the connection's, when its head is read again as more bytes come (same answers, linear cost).
 */
export function readFrontHead(
  front: FrontPort,
  buf: Uint8Array,
  max: number,
  progress?: HeadProgress,
): FrontHead {
  const look = buf.subarray(0, max + 1);
  if (front === 'tls') {
    const d = progress ? progress.hello(look) : readClientHelloRecords(look);
    if (d.kind === 'need') return buf.length > max ? tooLarge(max) : { kind: 'need' };
    if (d.kind === 'malformed')
      return { kind: 'refused', reason: 'not-tls', detail: d.error.message, status: 400 };
    return { kind: 'tls', hello: d.value };
  }
  const d = progress ? progress.http(look) : readHttpRequestHead(look);
  if (d.kind === 'need') return buf.length > max ? tooLarge(max) : { kind: 'need' };
  if (d.kind === 'malformed')
    return d.error.code === 'AIRLOCK_ERR_LIMIT'
      ? { kind: 'refused', reason: 'header-too-large', detail: d.error.message, status: 431 }
      : { kind: 'refused', reason: 'bad-request', detail: d.error.message, status: 400 };
  return requestRefusal(d.value, max) ?? { kind: 'http', head: d.value };
}

/**
 * What the HTTP front refuses a complete head for: its framing, its form, and (a keep-alive
 * connection's later request, whose head the audit's RequestStream reads up to its own larger
 * limit) a head longer than the front looks at.
 */
export function requestRefusal(head: HttpRequestHead, max: number): FrontRefusal | undefined {
  // The front reads max + 1 bytes: a head ending past them never completes there.
  if (head.length > max + 1) return tooLarge(max);
  const framing = requestFraming(head);
  if (framing.kind === 'invalid')
    return { kind: 'refused', reason: framing.reason, detail: framing.detail, status: framing.status };
  if (head.form === 'authority' || head.form === 'asterisk')
    return {
      kind: 'refused',
      reason: 'bad-request',
      detail: `${head.method} on a transparent HTTP port`,
      status: 400,
    };
  return undefined;
}

/**
 * Turns an absolute-form proxy request head into the origin-form head the origin server expects
 * (RFC 9112 §3.2.2): path in the request line, Host from the URI, hop-by-hop Proxy-* fields
 * dropped. The gateway, not the client, decides what else an upstream connection carries: a
 * request whose end is known leaves it open for the pool (the next request on it is judged on its
 * own); any other gets 'Connection: close', so its connection carries nothing after it.
 * Upgrade is dropped, as squid does by default: the upstream answers a plain request, and the
 * connection never turns into a tunnel of a protocol the gateway cannot frame (WebSocket).
 * The head is valid (request-framing.ts): identical Content-Length fields go up as one.
 *
 * Shared by the gateway, which sends this head upstream and charges it to the budget, and the
 * audit, which charges a captured request the same bytes (src/audit/http-requests.ts).
 */
import type { HttpAuthority, HttpRequestHead } from './http-request.js';
import { ipLiteralVersion } from './ip-literal.js';
import { requestFraming, upstreamMayPersist } from './request-framing.js';

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'proxy-authorization',
  'keep-alive',
  'host',
  'upgrade',
]);

export function originFormHead(head: HttpRequestHead, hostField: string): Uint8Array {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(head.target);
  let path = head.form === 'origin' ? head.target : (m?.[1] ?? '/');
  if (path === '' || path.startsWith('?')) path = `/${path}`;
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  const lines = [`${head.method} ${path} ${head.version}`, `Host: ${hostField}`];
  let length = false;
  for (const h of head.headers) {
    const name = h.name.toLowerCase();
    if (HOP_BY_HOP.has(name) || (name === 'content-length' && length)) continue;
    length ||= name === 'content-length';
    lines.push(`${h.name}: ${h.value}`);
  }
  if (!upstreamMayPersist(head)) lines.push('Connection: close');
  lines.push('', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/**
 * How many bytes the gateway sends upstream for this head (originFormHead), and charges to the
 * budget; undefined when it forwards no head: CONNECT (its head is for the proxy), a target in
 * asterisk form, no authority to send it to, a framing it refuses. `claim`: see transparent-name.ts.
 */
export function forwardedHeadLength(head: HttpRequestHead, claim?: string): number | undefined {
  // A request without Host on a port an entry claims goes up with the claim as its Host.
  const auth = head.authority ?? (claim !== undefined ? { host: claim } : undefined);
  if (!auth || (head.form !== 'origin' && head.form !== 'absolute')) return undefined;
  if (requestFraming(head).kind === 'invalid') return undefined;
  return originFormHead(head, hostField(auth)).length;
}

/** The Host field for an authority: IPv6 literals in brackets, the port only when one was written. */
export function hostField(auth: HttpAuthority): string {
  const host = ipLiteralVersion(auth.host) === 6 ? `[${auth.host}]` : auth.host;
  return auth.port === undefined ? host : `${host}:${auth.port}`;
}

/** Default port of an absolute URI's scheme; undefined for schemes a proxy does not forward. */
export function defaultPort(target: string): number | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(target)?.[1]?.toLowerCase();
  return scheme === 'http' ? 80 : scheme === 'https' ? 443 : undefined;
}

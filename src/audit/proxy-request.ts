/**
 * A request the gateway's forward proxy forwards (gateway/core/proxy-head.ts): CONNECT to an
 * authority with its port, or an absolute http:// URI (port from the URI, else 80), with a body
 * framing the gateway accepts. Only a proxy is ever sent these forms, so a flow to a LAN address
 * whose first request is one is judged as egress to its target (audit of a tablet set to use the
 * proxy). Anything else the proxy refuses before any decision (an origin-form or https:// request,
 * CONNECT without a port, ambiguous framing): such a flow stays what it is, LAN traffic to the
 * proxy. test/audit/proxy-request.test.ts holds this to the gateway's front, request by request.
 */
import { defaultPort } from '../net/app/forward-head.js';
import type { HttpRequestHead } from '../net/app/http-request.js';
import { ipLiteralVersion } from '../net/app/ip-literal.js';
import { requestFraming } from '../net/app/request-framing.js';

export interface ProxyTarget {
  /** CONNECT (a tunnel) or an absolute URI (a request the proxy forwards in origin form). */
  readonly form: 'connect' | 'absolute';
  /** As written, lower case; an IPv6 literal without brackets. */
  readonly host: string;
  /** The host, unless it is an IP literal (the gate then judges the address, as the gateway does). */
  readonly name: string | undefined;
  readonly port: number;
}

export function proxyTarget(head: HttpRequestHead): ProxyTarget | undefined {
  const auth = head.authority;
  if (!auth || requestFraming(head).kind === 'invalid') return undefined;
  let port: number | undefined;
  if (head.form === 'authority') port = auth.port;
  else if (head.form === 'absolute' && /^http:/i.test(head.target))
    port = auth.port ?? defaultPort(head.target);
  if (port === undefined) return undefined;
  return {
    form: head.form === 'authority' ? 'connect' : 'absolute',
    host: auth.host,
    name: ipLiteralVersion(auth.host) !== 0 ? undefined : auth.host,
    port,
  };
}

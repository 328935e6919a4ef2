/** The forward proxy's front: absolute-URI requests (http:// only) and CONNECT. */
import { defaultPort, hostField, originFormHead } from '../../net/app/forward-head.js';
import type { HeadProgress } from '../../net/app/head-progress.js';
import { readHttpRequestHead } from '../../net/app/http-request.js';
import { ipLiteralVersion } from '../../net/app/ip-literal.js';
import { requestFraming } from '../../net/app/request-framing.js';
import type { Front, HeadOutcome } from './front.js';
import { CONNECT_ESTABLISHED, proxyResponse } from './responses.js';

const EMPTY = new Uint8Array(0);

function readProxyHead(buf: Uint8Array, max: number, progress?: HeadProgress): HeadOutcome {
  const look = buf.subarray(0, max + 1);
  const d = progress ? progress.http(look) : readHttpRequestHead(look);
  if (d.kind === 'need') {
    return buf.length > max ? { kind: 'refuse', status: 431, reason: 'header-too-large' } : { kind: 'need' };
  }
  if (d.kind === 'malformed') {
    return d.error.code === 'AIRLOCK_ERR_LIMIT'
      ? { kind: 'refuse', status: 431, reason: 'header-too-large' }
      : { kind: 'refuse', status: 400, reason: 'bad-request', detail: d.error.message };
  }
  const head = d.value;
  // A head the upstream could frame otherwise than the gateway is refused before any decision.
  const framing = requestFraming(head);
  if (framing.kind === 'invalid')
    return { kind: 'refuse', status: framing.status, reason: framing.reason, detail: framing.detail };
  const auth = head.authority;
  if (head.form === 'authority' && auth?.port === undefined)
    return { kind: 'refuse', status: 400, reason: 'no-port' };
  const port = auth?.port ?? defaultPort(head.target);
  // CONNECT, or an absolute http:// URI; an https:// URI would need the proxy to speak TLS.
  const forwardable = head.form === 'authority' || (head.form === 'absolute' && /^http:/i.test(head.target));
  if (!forwardable || !auth || port === undefined)
    return { kind: 'refuse', status: 400, reason: 'not-proxy-request' };
  const connect = head.form === 'authority';
  return {
    kind: 'target',
    target: {
      kind: connect ? 'connect' : 'forward',
      host: auth.host,
      name: ipLiteralVersion(auth.host) !== 0 ? undefined : auth.host,
      port,
      firstUp: connect ? EMPTY : originFormHead(head, hostField(auth)),
      firstDown: connect ? CONNECT_ESTABLISHED : EMPTY,
      ...(connect ? {} : { request: head }),
    },
    rest: buf.subarray(head.length),
  };
}

export const PROXY_FRONT: Front = {
  name: 'proxy',
  readHead: readProxyHead,
  refusal: proxyResponse,
};

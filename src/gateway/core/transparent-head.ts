/**
 * The transparent fronts: TCP the box's firewall redirected to Airlock (nftables `redirect`), so
 * the client believes it talks to the server. The name comes from the first bytes — the TLS
 * ClientHello's SNI on the TLS port (never decrypted: vendor apps pin certificates), the Host
 * field on the HTTP port — and the upstream is that NAME, resolved by the gateway, on the
 * listener's fixed port (443 / 80). The address the client aimed at is never read, so a client
 * that puts an allowlisted name in SNI while aiming at another IP (SNI spoofing) reaches the
 * allowlisted host and nothing else: the spoof gains nothing.
 *
 * The allowlist's extra ports (an entry's `ports: [2101]`) share one listener: the shell reads
 * the port the client aimed at from conntrack (only the port, never the address) and makes a
 * front for it (extraPortFront), which tells TLS from HTTP by the first byte and names the
 * connection as the TLS or HTTP front would; the upstream is the NAME on that port, and the gate
 * judges that port (an entry that does not list it: 'port-not-allowed'). Audit reads a capture's
 * connections to those ports with the same sniff (net/app/transparent-front.ts sniffFront).
 *
 * No name (no SNI, no Host, bytes that are not TLS / HTTP) is refused in every mode, monitor
 * included: without a name there is nowhere to connect, since the original destination is not
 * read. An IP literal in SNI or Host is judged like the proxy's IP literals (refused in sealed and
 * one-way as 'no-name', passed in monitor). The reading and the naming are audit's too
 * (net/app/transparent-front.ts, transparent-name.ts), so a capture's judgement matches.
 */
import { hostField, originFormHead } from '../../net/app/forward-head.js';
import type { HeadProgress } from '../../net/app/head-progress.js';
import { type FrontRefusal, readFrontHead, sniffFront } from '../../net/app/transparent-front.js';
import { helloName, requestName } from '../../net/app/transparent-name.js';
import type { Front, HeadOutcome } from './front.js';
import { proxyResponse } from './responses.js';

const EMPTY = new Uint8Array(0);
export const TRANSPARENT_PORTS = { tls: 443, http: 80 } as const;

/** A head the shared reading (net/app/transparent-front.ts) refused, as the front's outcome. */
const refused = (f: FrontRefusal): HeadOutcome => ({
  kind: 'refuse',
  status: f.status,
  reason: f.reason,
  detail: f.detail,
});

/** `claim`: the host an unnamed connection on `port` is taken to be for (policy/egress/unnamed-claim.ts). */
function readTlsHead(
  buf: Uint8Array,
  max: number,
  port: number,
  progress?: HeadProgress,
  claim?: string,
): HeadOutcome {
  const f = readFrontHead('tls', buf, max, progress);
  if (f.kind === 'need') return f;
  if (f.kind === 'refused') return refused(f);
  if (f.kind !== 'tls') throw new Error(`readFrontHead('tls') read a ${f.kind} head`);
  const hello = f.hello;
  const n = helloName(hello, claim);
  if (n.kind === 'refused') return { kind: 'refuse', status: 403, reason: n.reason, detail: n.detail };
  return {
    kind: 'target',
    target: {
      kind: 'tls',
      host: n.kind === 'name' ? n.name : n.ip,
      name: n.kind === 'name' ? n.name : undefined,
      port,
      // The ClientHello goes upstream as the client sent it, records and all.
      firstUp: Uint8Array.from(buf.subarray(0, hello.length)),
      firstDown: EMPTY,
      ...(n.kind === 'name' && n.claimed ? { claimed: true as const } : {}),
    },
    rest: buf.subarray(hello.length),
  };
}

function readHostHead(
  buf: Uint8Array,
  max: number,
  port: number,
  progress?: HeadProgress,
  claim?: string,
): HeadOutcome {
  const f = readFrontHead('http', buf, max, progress);
  if (f.kind === 'need') return f;
  if (f.kind === 'refused') return refused(f);
  if (f.kind !== 'http') throw new Error(`readFrontHead('http') read a ${f.kind} head`);
  const head = f.head;
  const n = requestName(head, claim);
  if (n.kind === 'refused') return { kind: 'refuse', status: 403, reason: n.reason, detail: n.detail };
  // requestName refuses a head without an authority unless a claim names it: then the Host sent up is the claim.
  const auth = head.authority ?? { host: claim! };
  return {
    kind: 'target',
    target: {
      kind: 'http',
      host: n.kind === 'name' ? n.name : n.ip,
      name: n.kind === 'name' ? n.name : undefined,
      port,
      firstUp: originFormHead(head, hostField(auth)),
      firstDown: EMPTY,
      request: head,
      ...(n.kind === 'name' && n.claimed ? { claimed: true as const } : {}),
    },
    rest: buf.subarray(head.length),
  };
}

export const TLS_FRONT: Front = {
  name: 'tls',
  readHead: (buf, max, progress) => readTlsHead(buf, max, TRANSPARENT_PORTS.tls, progress),
  // A TLS client cannot read an HTTP answer; the log row says why.
  refusal: () => undefined,
};

export const HTTP_FRONT: Front = {
  name: 'http',
  readHead: (buf, max, progress) => readHostHead(buf, max, TRANSPARENT_PORTS.http, progress),
  refusal: proxyResponse,
};

/**
 * The front of one connection on the extra-port listener, aimed at `port`: its first byte chooses
 * (sniffFront, net/app/transparent-front.ts: audit reads a capture's extra ports by it too) a TLS
 * record named by its SNI as on the TLS front, or an HTTP head named by Host as on the HTTP front
 * (bytes that are neither are refused there). One per connection: what the first byte showed
 * decides its name (a TLS head's bytes are no request line to log) and whether a refusal is
 * answered in HTTP or by closing without a word, as on the TLS front. `claim`: the host whose
 * allowlist entry claims unnamed connections on `port` (a request without Host, a hello without
 * SNI), from the policy in force when the connection came.
 */
export function extraPortFront(port: number, claim?: string): Front {
  let sniffed: 'tls' | 'http' | undefined;
  return {
    get name() {
      return sniffed ?? 'http';
    },
    readHead(buf, max, progress) {
      sniffed ??= sniffFront(buf);
      if (sniffed === undefined) return { kind: 'need' };
      return sniffed === 'tls'
        ? readTlsHead(buf, max, port, progress, claim)
        : readHostHead(buf, max, port, progress, claim);
    },
    // Nothing read yet (a timeout before any byte): the protocol is unknown, so no answer.
    refusal: (status, reason, detail) =>
      sniffed === 'http' ? proxyResponse(status, reason, detail) : undefined,
  };
}

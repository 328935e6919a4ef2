/**
 * The dashboard's HTTP shell around Dashboard (routes.ts): loopback only, GET and HEAD only, and
 * a Host header that must name this server, so a web page the operator visits cannot read the
 * dashboard through a name it re-points at 127.0.0.1 (DNS rebinding). Every response forbids
 * scripts, framing and anything fetched from elsewhere (CSP `default-src 'none'`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AirlockError } from '../core/errors.js';
import { formatHostPort, type HostPort, isLoopbackHost } from '../gateway/io/listen-address.js';
import type { Dashboard, WebResponse } from './routes.js';

/** Longest request target accepted: the filters are short; a longer one is not a person's. */
const MAX_TARGET = 4096;

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

export interface DashboardServer {
  /** The address it listens on (the port the system gave, when 0 was asked). */
  address: HostPort;
  close(): Promise<void>;
}

/** The Host values that name a server on loopback port `port`. */
function hostsFor(port: number): Set<string> {
  return new Set(['localhost', '127.0.0.1', '[::1]'].map((h) => `${h}:${port}`));
}

function send(res: ServerResponse, r: WebResponse, head: boolean): void {
  const body = Buffer.from(r.body, 'utf8');
  res.writeHead(r.status, { ...HEADERS, 'content-type': r.type, 'content-length': body.length });
  res.end(head ? undefined : body);
}

const plain = (status: number, body: string): WebResponse => ({
  status,
  type: 'text/plain; charset=utf-8',
  body: `${body}\n`,
});

/** Starts the dashboard on `at`, which must be a loopback address. */
export async function startDashboardServer(dashboard: Dashboard, at: HostPort): Promise<DashboardServer> {
  if (!isLoopbackHost(at.host)) {
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `refusing to serve the dashboard on ${formatHostPort(at)}: it listens on loopback only (from another machine: ssh -L 8470:127.0.0.1:8470 THIS-BOX)`,
    );
  }
  let hosts = new Set<string>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    const target = req.url ?? '/';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, plain(405, `${req.method}: the dashboard only reads`), false);
    }
    if (!hosts.has((req.headers.host ?? '').toLowerCase()))
      return send(res, plain(421, `Host ${req.headers.host ?? '(none)'} does not name this dashboard`), head);
    if (target.length > MAX_TARGET || !target.startsWith('/'))
      return send(res, plain(414, 'request target too long or not a path'), head);
    dashboard.handle(target).then(
      (r) => send(res, r, head),
      (e) => send(res, plain(500, String(e)), head),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = hostsFor(port);
  return {
    address: { host: at.host, port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

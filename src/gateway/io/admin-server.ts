/** The admin port (loopback): GET /metrics (Prometheus text) and GET /healthz (200 ok / 503 why). */
import { createServer, type Server } from 'node:http';
import type { HostPort } from './listen-address.js';

export interface AdminHandlers {
  metrics: () => Promise<string>;
  /** undefined when healthy, else why not. */
  unhealthy: () => string | undefined;
}

export async function startAdminServer(
  listen: HostPort,
  h: AdminHandlers,
): Promise<{ server: Server; address: HostPort }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      h.metrics().then(
        (text) =>
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (e: Error) =>
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
      );
    } else if (path === '/healthz') {
      const why = h.unhealthy();
      res
        .writeHead(why ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(why ? `unhealthy: ${why}\n` : 'ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(listen.port, listen.host, () => {
      server.off('error', rej);
      res();
    });
  });
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  return { server, address: { host: a.address, port: a.port } };
}

/** Real TLS first flights for the core tests: made by Node's OpenSSL and caught on a local socket, not built here. */
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** The first flight of bytes a real TLS client sends for `servername` ('' : no SNI at all). */
export async function realClientHello(servername: string): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const got = new Promise<Buffer>((res) =>
    server.once('connection', (s) => {
      s.once('data', (d: Buffer) => {
        res(d);
        s.destroy();
      });
    }),
  );
  const c = tlsConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

/**
 * The real CLI gateway as a child process (node bin/airlock.js gateway, built by the global
 * setup) for the load and SIGKILL tests: its addresses read from its start line, an async CLI
 * runner (the test's own servers share this event loop), and clients that count what completed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { BIN } from '../cli/built.js';

export interface SpawnedGateway {
  proc: ChildProcess;
  proxyPort: number;
  dnsPort: number;
  adminPort: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `airlock gateway` with `policyFile`, every listener on a loopback port the kernel picks. */
export const gatewayArgs = (policyFile: string): string[] => [
  'gateway',
  '--policy',
  policyFile,
  '--listen',
  '127.0.0.1:0',
  '--dns-listen',
  '127.0.0.1:0',
  '--admin-listen',
  '127.0.0.1:0',
];

/** Starts the gateway on loopback ports the kernel picks; resolves once it prints where it listens. */
export function spawnGateway(policyFile: string, cwd: string): Promise<SpawnedGateway> {
  const proc = spawn(process.execPath, [BIN, ...gatewayArgs(policyFile)], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`gateway did not start (${why}): ${err}`));
    const timer = setTimeout(() => fail('no start line'), 20_000);
    proc.once('exit', (code) => fail(`exit ${code}`));
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const port = (what: string) => new RegExp(`${what} 127\\.0\\.0\\.1:(\\d+)`).exec(err)?.[1];
      const p = port('proxy');
      const dn = port('dns');
      const a = port('admin');
      if (p && dn && a) {
        clearTimeout(timer);
        resolve({
          proc,
          proxyPort: Number(p),
          dnsPort: Number(dn),
          adminPort: Number(a),
          stderr: () => err,
          exited,
        });
      }
    });
  });
}

export function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 256 * 1024 * 1024 }, (e, stdout) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

/** One HTTP request through the forward proxy; resolves with the status, the client's local port and when the socket closed. */
export function proxiedGet(
  proxyPort: number,
  url: string,
  localAddress = '127.0.0.1',
): Promise<{ status: number; body: string; localPort: number; doneMs: number }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'GET',
      path: url,
      headers: { host: new URL(url).host, connection: 'close' },
      agent: false,
      localAddress,
    });
    let localPort = 0;
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort ?? 0)));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const s = req.socket;
        const done = () => resolve({ status: res.statusCode ?? 0, body, localPort, doneMs: Date.now() });
        if (!s || s.destroyed) done();
        else s.once('close', done);
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/** One DNS query over UDP (written by hand from RFC 1035 §4.1); resolves with the rcode and when it came. */
export function udpQuery(port: number, name: string, id: number): Promise<{ rcode: number; doneMs: number }> {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const q = Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no DNS answer for ${name}`));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve({ rcode: m.readUInt16BE(2) & 0xf, doneMs: Date.now() });
    });
    s.send(q, port, '127.0.0.1');
  });
}

/**
 * The live proof: Debian's chromium speaks HTTP/3 to Debian's caddy on loopback while dumpcap
 * captures; Chromium's post-quantum ClientHello spans several Initial packets, and the assembler
 * must put it together and name 'airlock.test' (as tshark does). Loopback addresses only.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumHeadless } from '../../helpers/chromium.js';
import { namesIn } from './names-from-capture.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'airlock-quic-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `cmd` and resolves once its output matches `ready`. */
function startUntil(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready in 10 s:\n${out}`)), 10_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(c);
      }
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    c.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}):\n${out}`));
    });
  });
}

function stop(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGINT');
  });
}

describe('live HTTP/3: chromium → caddy on loopback', () => {
  it("Chromium's multi-packet QUIC ClientHello yields SNI airlock.test", async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{\n\tadmin off\n\tskip_install_trust\n\tlocal_certs\n\tstorage file_system ${dir}/data\n\tauto_https disable_redirects\n}\n` +
        `https://airlock.test:${port} {\n\tbind 127.0.0.1\n\ttls internal\n\trespond "airlock ok"\n}\n`,
    );
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    const caddy = await startUntil(
      'caddy',
      ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
      /serving initial configuration|server running/,
      env,
    );
    const capture = join(dir, 'quic.pcapng');
    // dumpcap (what tshark -w runs) says "File: …" once the interface is open; "Capturing on" comes
    // before it is, and packets sent in between would be lost.
    const dumpcap = await startUntil(
      'dumpcap',
      ['-i', 'lo', '-f', `udp port ${port}`, '-w', capture],
      /^File: /m,
    );
    // The page load itself fails (Chromium 156 ends the QUIC handshake with caddy 2.6.2's internal
    // certificate with ERR_QUIC_PROTOCOL_ERROR); the ClientHello this test is about is sent first.
    await run(
      'chromium',
      [
        ...chromiumHeadless(join(dir, 'profile')),
        '--enable-quic',
        `--origin-to-force-quic-on=airlock.test:${port}`,
        '--host-resolver-rules=MAP airlock.test 127.0.0.1',
        '--ignore-certificate-errors',
        '--dump-dom',
        `https://airlock.test:${port}/`,
      ],
      { timeout: 15_000, env },
    );
    await new Promise((r) => setTimeout(r, 300));
    await stop(dumpcap);
    await stop(caddy);

    const { stdout: oracle } = await run('tshark', [
      '-n',
      '-r',
      capture,
      '-T',
      'fields',
      '-e',
      'tls.handshake.extensions_server_name',
    ]);
    const tsharkSni = oracle.split('\n').filter((l) => l !== '');
    const mine = await namesIn(capture);
    expect(tsharkSni).toContain('airlock.test');
    expect(mine.sni).toContain('airlock.test');
    expect([...new Set(mine.sni)]).toEqual([...new Set(tsharkSni)]);
    // The proof is about reassembly: the hello must really have spanned two or more Initial packets.
    const q = mine.quic.find((a) => a.cryptoPackets > 0)!;
    expect(q.cryptoPackets).toBeGreaterThanOrEqual(2);
  }, 30_000);
});

/**
 * NTRIP 1.0 through the gateway: a network-RTK rover (README: an allowlist entry for the caster on
 * 2101) asks `GET /MOUNT HTTP/1.0` and the caster answers `ICY 200 OK` with the correction stream
 * right after it (no header fields, no empty line), while the rover keeps sending its position
 * (NMEA GGA) up the same connection, unframed; or answers `SOURCETABLE 200 OK` and its table. The
 * gateway refused both as malformed HTTP ('bad-response'): the rover got nothing.
 *
 * The oracle is RTKLIB (Debian's rtklib, installed by scripts/setup-test-deps.sh): its str2str as
 * the rover, through the gateway's forward proxy (`-x`), against str2str as the caster (`ntripc`)
 * and against a listener that records what reaches it; the core's own steps are checked too.
 *
 * Like most NTRIP 1.0 rovers, RTKLIB's sends no Host field, so through the transparent extra-port
 * listener (which never reads the address aimed at) it had no name: refused 'no-name', unless the
 * caster's allowlist entry claims unnamed connections on its port (claimsUnnamed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import { extraPortFront } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand } from '../../src/gateway/core/types.js';
import { ProxyServer } from '../../src/gateway/io/proxy-server.js';
import { ntripStatus } from '../../src/net/app/ntrip-status.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { EgressGate, unnamedClaim } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import type { ConnectionLogRow } from '../../src/store/types.js';
import { realClientHello } from './client-hello.js';
import { kinds, Playbook, policyWith, T0, textOf } from './playbook.js';
import { startTestProxy } from './proxy-fixture.js';

const GET = 'GET http://rtk.example:2101/MNT HTTP/1.0\r\nUser-Agent: NTRIP test\r\n\r\n';
const GGA = '$GPGGA,120000.00,4724.0000000,N,00830.0000000,E,1,00,1.0,351.691,M,48.309,M,0.0,0000*5C\r\n';

describe('NTRIP 1.0 status lines', () => {
  it('are told from HTTP by their first line, waiting only while the bytes could still be one', () => {
    const at = (s: string) => ntripStatus(Buffer.from(s, 'latin1'), 0);
    expect(at('ICY 200 OK\r\n\xd3\x00\x13')).toBe('stream');
    expect(at('ICY 200 OK\n')).toBe('stream');
    expect(at('SOURCETABLE 200 OK\r\nServer: x\r\n')).toBe('table');
    expect(at('ICY 401 Unauthorized\r\n')).toBe('table');
    for (const partial of ['I', 'IC', 'ICY', 'ICY ', 'ICY 2', 'ICY 200', 'ICY 200 OK', 'SOURCETABLE 2'])
      expect(at(partial), partial).toBe('need');
    for (const other of ['HTTP/1.1 200 OK\r\n', 'ICX 200', 'ICY 2x0 OK\r\n', 'ICY 2000\r\n', 'SOURCE 200'])
      expect(at(other), other).toBeUndefined();
    // A line that never ends is no status line.
    expect(at(`ICY 200 ${'x'.repeat(300)}`)).toBeUndefined();
  });
});

describe('proxy core: an NTRIP 1.0 exchange', () => {
  const allow = [{ host: 'rtk.example', ports: [2101], budget: { upstreamBytesPerConnection: 400 } }];

  /** The request up to its answer; the request head as it went up. */
  function open(pb: Playbook): string {
    expect(kinds(pb.client(`${GET}${GGA}`))).toEqual(['resolve']);
    expect(kinds(pb.feed({ type: 'resolved', addresses: ['198.18.0.21'] }))).toEqual(['open-upstream']);
    // The request goes up; the position sent before any answer waits as a next request's would.
    const head = textOf(pb.feed({ type: 'upstream-connected' }), 'send-to-upstream');
    expect(head).toMatch(/^GET \/MNT HTTP\/1\.0\r\n(?:[^\r\n]+\r\n)*\r\n$/);
    expect(head).toContain('\r\nHost: rtk.example:2101\r\n');
    return head;
  }

  it('ICY 200: the stream comes down as it is, the held and later positions go up, the budget cuts at its byte', () => {
    const pb = new Playbook(policyWith({ mode: 'one-way', allow }));
    const head = open(pb);
    const rtcm = Buffer.from([0xd3, 0x00, 0x13, 0x3e, 0xd0, 0x0a, 0x0d, 0x0a, 0x0d, 0x0a]);
    const down = pb.feed({
      type: 'upstream-data',
      data: Buffer.concat([Buffer.from('ICY 200 OK\r\n'), rtcm]),
    });
    expect(down.filter((c) => c.type === 'send-to-client').map((c) => c.data)).toEqual([
      Buffer.concat([Buffer.from('ICY 200 OK\r\n'), rtcm]),
    ]);
    expect(textOf(down, 'send-to-upstream')).toBe(GGA);
    expect(textOf(pb.feed({ type: 'upstream-data', data: rtcm }), 'send-to-client')).toBe(
      rtcm.toString('latin1'),
    );
    // 400 bytes a connection: positions pass whole until the one that reaches the budget passes
    // up to its byte and the connection is cut.
    let up = head.length + GGA.length;
    for (;;) {
      const out = pb.client(GGA);
      const sent = textOf(out, 'send-to-upstream');
      up += sent.length;
      if (up < 400) {
        expect([sent, kinds(out)]).toEqual([GGA, ['send-to-upstream']]);
        continue;
      }
      expect(sent).toBe(GGA.slice(0, sent.length));
      expect(kinds(out)).toEqual(['send-to-upstream', 'log', 'close']);
      break;
    }
    expect(up).toBe(400);
    expect(pb.rows()).toEqual([
      expect.objectContaining({ verdict: 'allow', bytesUp: 400, cut: 'connection-budget', port: 2101 }),
    ]);
  });

  it('SOURCETABLE: the table comes down as it is and ends with the close; nothing more goes up', () => {
    const pb = new Playbook(policyWith({ mode: 'one-way', allow }));
    const head = open(pb);
    const table = 'SOURCETABLE 200 OK\r\nContent-Type: text/plain\r\n\r\nSTR;MNT;x\r\nENDSOURCETABLE\r\n';
    const down = pb.feed({ type: 'upstream-data', data: Buffer.from(table) });
    expect(textOf(down, 'send-to-client')).toBe(table);
    expect(textOf(down, 'send-to-upstream')).toBe('');
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
    expect(pb.rows().at(-1)).toMatchObject({
      verdict: 'allow',
      bytesUp: head.length,
      bytesDown: table.length,
    });
    expect(pb.rows().at(-1)?.cut).toBeUndefined();
  });

  it("a caster's refusal that its close ends (a bare status line, RTKLIB's ERROR line) reaches the rover as it came", () => {
    for (const refusal of ['HTTP/1.0 401 Unauthorized\r\n', 'ERROR - Bad Pasword\r\n', 'HTTP/1.0 40']) {
      const pb = new Playbook(policyWith({ mode: 'one-way', allow }));
      const head = open(pb);
      // Nothing yet: more of a head may follow.
      expect(kinds(pb.feed({ type: 'upstream-data', data: Buffer.from(refusal) }))).toEqual([]);
      const end = pb.feed({ type: 'upstream-closed' });
      expect(kinds(end), refusal).toEqual(['send-to-client', 'log', 'close']);
      expect(textOf(end, 'send-to-client')).toBe(refusal);
      expect(pb.rows().at(-1)).toMatchObject({
        verdict: 'allow',
        bytesUp: head.length,
        bytesDown: refusal.length,
      });
      expect(pb.rows().at(-1)?.cut).toBeUndefined();
    }
  });

  it('an answer that is neither HTTP nor NTRIP is still refused', () => {
    const pb = new Playbook(policyWith({ mode: 'one-way', allow }));
    open(pb);
    const out = pb.feed({ type: 'upstream-data', data: Buffer.from('ICE 200 OK\r\n\r\n') });
    expect(textOf(out, 'send-to-client')).toMatch(/^HTTP\/1\.1 502 /);
    expect(pb.rows().at(-1)).toMatchObject({ cut: 'bad-response' });
  });
});

// ---- RTKLIB's str2str, rover and caster, through the gateway's forward proxy ---------------------

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-ntrip-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const listen = (s: Server): Promise<number> =>
  new Promise((res) => s.listen(0, '127.0.0.1', () => res((s.address() as { port: number }).port)));

function casterPolicy(port: number, budget?: number): Policy {
  const p = defaultPolicy();
  p.network.mode = 'one-way';
  p.network.allowedPrivateCidrs = ['127.0.0.0/8'];
  p.network.allow = [
    {
      host: 'rtk.example',
      ports: [port],
      ...(budget ? { budget: { upstreamBytesPerConnection: budget, upstreamBytesPerHour: 1 << 30 } } : {}),
    },
  ];
  return p;
}

/**
 * str2str as the rover: the caster's stream into `out`, its position sent up every `ggaMs`. `via`:
 * the caster `host:port` it asks for through the proxy at `proxyPort`; without a proxy, the
 * address it connects to (as a redirected rover does), its request then naming no host.
 */
function rover(
  via: { caster: string; proxyPort?: number; password?: string; traceDir?: string },
  out: string,
  seconds: number,
  ggaMs = 200,
) {
  const proxy = via.proxyPort === undefined ? [] : ['-x', `127.0.0.1:${via.proxyPort}`];
  // str2str writes its trace (level 3 has the caster's answer) to str2str.trace in its folder.
  const trace = via.traceDir === undefined ? [] : ['-t', '3'];
  return new Promise<void>((res) => {
    const p = spawn(
      'str2str',
      [
        '-in',
        `ntrip://user:${via.password ?? 'pw'}@${via.caster}/MNT`,
        ...proxy,
        ...trace,
        '-out',
        `file://${out}`,
        '-n',
        String(ggaMs),
        '-p',
        '47.4',
        '8.5',
        '400',
      ],
      { stdio: 'ignore', ...(via.traceDir === undefined ? {} : { cwd: via.traceDir }) },
    );
    const t = setTimeout(() => p.kill('SIGINT'), seconds * 1000);
    p.once('exit', () => {
      clearTimeout(t);
      res();
    });
  });
}

/** A caster that answers a request head with ICY 200 and `stream` bytes, and keeps every byte that reaches it. */
async function recordingCaster(stream: Buffer) {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((c) => {
    sockets.push(c);
    c.on('error', () => {});
    let answered = false;
    c.on('data', (d) => {
      received.push(d);
      if (!answered && Buffer.concat(received).includes('\r\n\r\n')) {
        answered = true;
        c.write('ICY 200 OK\r\n');
        c.write(stream);
      }
    });
  });
  const port = await listen(server);
  return {
    port,
    received,
    /** Ends the connections it holds (a cut rover's included). */
    drop: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => server.close(),
  };
}

/** str2str as a caster of mount point MNT (user `user`, password `pw`), its stream read from `sourcePort`. */
async function rtklibCaster(sourcePort: number) {
  // A port for the caster: one the kernel gave and took back.
  const free = createServer();
  const cport = await listen(free);
  await new Promise((r) => free.close(r));
  const caster = spawn(
    'str2str',
    ['-in', `tcpcli://127.0.0.1:${sourcePort}`, '-out', `ntripc://user:pw@:${cport}/MNT`],
    { stdio: 'ignore' },
  );
  return { caster, cport };
}

/** Resolves once something accepts connections on `port` (a rover tried too early waits to retry). */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** The caster's answers as RTKLIB's rover read them (its level-3 trace in `traceDir`). */
function answersRead(traceDir: string): string[] {
  return readFileSync(join(traceDir, 'str2str.trace'), 'latin1')
    .split('\n')
    .filter((l) => l.includes('rspntrip_s:'))
    .map((l) => l.slice(l.indexOf('rspntrip_s:')));
}

describe('RTKLIB str2str through the forward proxy', () => {
  it('rover and caster both RTKLIB: every byte of the correction stream arrives, and is logged', async () => {
    // The caster's input: a TCP source sending 40 blocks of 1,000 bytes, one every 50 ms.
    const blocks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000, i * 7 + 1));
    const source = createServer((c) => {
      c.on('error', () => {});
      let i = 0;
      const t = setInterval(() => {
        if (i < blocks.length) c.write(blocks[i++]!);
      }, 50);
      c.on('close', () => clearInterval(t));
    });
    const sourcePort = await listen(source);
    const { caster, cport } = await rtklibCaster(sourcePort);
    const rows: ConnectionLogRow[] = [];
    const { port, proxy } = await startTestProxy({
      policy: casterPolicy(cport),
      resolveTo: '127.0.0.1',
      onLog: (r) => rows.push(r),
    });
    try {
      // The caster takes its source's stream only while a rover is connected: start the rover first.
      const out = join(dir, 'rover.bin');
      await rover({ caster: `rtk.example:${cport}`, proxyPort: port }, out, 4);
      const got = readFileSync(out);
      expect(got.length).toBeGreaterThan(0);
      // What arrived is a run of whole source blocks, byte for byte, in order.
      const first = blocks.findIndex((b) => b[0] === got[0]);
      expect(first).toBeGreaterThanOrEqual(0);
      const want = Buffer.concat(blocks.slice(first)).subarray(0, got.length);
      expect(createHash('sha256').update(got).digest('hex')).toBe(
        createHash('sha256').update(want).digest('hex'),
      );
      await new Promise((r) => setTimeout(r, 200));
      const row = rows.find((r) => r.port === cport);
      expect(row).toMatchObject({ verdict: 'allow', name: 'rtk.example' });
      expect([row?.cut, row?.claimed]).toEqual([undefined, undefined]);
      expect(row!.bytesDown).toBeGreaterThanOrEqual(got.length + 'ICY 200 OK\r\n'.length);
    } finally {
      caster.kill();
      source.close();
      await proxy.close();
    }
  }, 20_000);

  it("a wrong password: the rover reads the caster's refusal through the gateway as it does without it", async () => {
    // The caster answers a bad password with a bare `HTTP/1.0 401 Unauthorized` line and closes;
    // the gateway, waiting for the rest of a head, used to close with nothing said.
    const source = createServer((c) => c.on('error', () => {}));
    const { caster, cport } = await rtklibCaster(await listen(source));
    const rows: ConnectionLogRow[] = [];
    const { port, proxy } = await startTestProxy({
      policy: casterPolicy(cport),
      resolveTo: '127.0.0.1',
      onLog: (r) => rows.push(r),
    });
    try {
      const direct = mkdtempSync(join(dir, 'direct-'));
      const through = mkdtempSync(join(dir, 'through-'));
      await listening(cport);
      await rover(
        { caster: `127.0.0.1:${cport}`, password: 'xx', traceDir: direct },
        join(direct, 'out'),
        1.5,
      );
      await rover(
        { caster: `rtk.example:${cport}`, proxyPort: port, password: 'xx', traceDir: through },
        join(through, 'out'),
        1.5,
      );
      const want = answersRead(direct);
      expect(want.length).toBeGreaterThan(0);
      expect(want[0]).toContain('HTTP/1.0 401 Unauthorized');
      expect(answersRead(through)).toEqual(want);
      expect(rows.find((r) => r.port === cport)).toMatchObject({ verdict: 'allow', bytesDown: 27 });
    } finally {
      caster.kill();
      source.close();
      await proxy.close();
    }
  }, 20_000);

  it("the rover's positions go up unframed, counted, and the budget cuts them at its byte", async () => {
    const caster = await recordingCaster(Buffer.alloc(500, 0xd3));
    const { received } = caster;
    const cport = caster.port;
    for (const budget of [undefined, 300]) {
      received.length = 0;
      const rows: ConnectionLogRow[] = [];
      const { port, proxy } = await startTestProxy({
        policy: casterPolicy(cport, budget),
        resolveTo: '127.0.0.1',
        onLog: (r) => rows.push(r),
      });
      try {
        const out = join(dir, `rover-${budget}.bin`);
        await rover({ caster: `rtk.example:${cport}`, proxyPort: port }, out, 3, 100);
        await new Promise((r) => setTimeout(r, 200));
        const up = Buffer.concat(received).toString('latin1');
        const head = up.slice(0, up.indexOf('\r\n\r\n') + 4);
        expect(head).toMatch(/^GET \/MNT HTTP\/1\.0\r\n/);
        // RTKLIB's own sentences, each with a valid NMEA checksum.
        const sentences = up.slice(head.length).split('\r\n');
        // (Cut at the budget, the last one is cut short.)
        const whole = sentences.slice(0, -1);
        expect(whole.length).toBeGreaterThanOrEqual(budget === undefined ? 2 : 1);
        for (const s of whole) {
          expect(s).toMatch(/^\$G[NP]GGA,/);
          const [body, sum] = s.slice(1).split('*');
          let x = 0;
          for (const ch of body!) x ^= ch.charCodeAt(0);
          expect(Number.parseInt(sum!, 16)).toBe(x);
        }
        // The rover got the stream after the status line, byte for byte.
        expect(readFileSync(out).subarray(0, 500)).toEqual(Buffer.alloc(500, 0xd3));
        const mine = rows.filter((r) => r.port === cport);
        if (budget === undefined) {
          // The row counts what reached the caster (the str2str run ends first: the last row is its).
          expect(mine.at(-1)).toMatchObject({ verdict: 'allow', bytesUp: up.length });
        } else {
          expect(up.length).toBe(budget);
          expect(mine[0]).toMatchObject({ verdict: 'allow', bytesUp: budget, cut: 'connection-budget' });
        }
      } finally {
        await proxy.close();
        caster.drop();
      }
    }
    caster.close();
  }, 20_000);
});

// ---- a rover that names no host, on an extra port an entry claims -----------------------------------

describe('an unnamed connection on an extra port an entry claims', () => {
  const policy = (claims: boolean) =>
    policyWith({
      mode: 'one-way',
      allow: [{ host: 'rtk.example', ports: [2101], ...(claims ? { claimsUnnamed: true } : {}) }],
    });
  const core = (claims: boolean) => {
    const p = policy(claims);
    return new ProxyConnection('c', '10.0.0.2:50000', T0, {
      gate: new EgressGate(p, { windows: [] }),
      mode: () => 'one-way',
      maxHeaderBytes: 4096,
      front: extraPortFront(2101, unnamedClaim(p.network.allow, 2101)),
    });
  };
  const ROVER =
    'GET /MNT HTTP/1.0\r\nUser-Agent: NTRIP RTKLIB/2.4.3\r\nAuthorization: Basic dXNlcjpwdw==\r\n\r\n';
  const send = (c: ProxyConnection, data: string | Uint8Array): ProxyCommand[] =>
    c.handle(
      { type: 'client-data', data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data },
      T0,
    );

  it('a request without Host is the claiming host: resolved and sent up with it as its Host', () => {
    const c = core(true);
    expect(send(c, ROVER)).toEqual([{ type: 'resolve', host: 'rtk.example' }]);
    c.handle({ type: 'resolved', addresses: ['198.18.0.21'] }, T0);
    const up = c.handle({ type: 'upstream-connected' }, T0);
    expect(textOf(up, 'send-to-upstream')).toBe(
      'GET /MNT HTTP/1.0\r\nHost: rtk.example\r\nUser-Agent: NTRIP RTKLIB/2.4.3\r\nAuthorization: Basic dXNlcjpwdw==\r\nConnection: close\r\n\r\n',
    );
    // Without the claim, as before: no name, refused.
    const refused = send(core(false), ROVER);
    expect(textOf(refused, 'send-to-client')).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: no-name/);
  });

  it('only an absent name is claimed: a Host, an SNI or an address the client gave is its own', async () => {
    const c1 = core(true);
    const named = send(c1, 'GET /MNT HTTP/1.0\r\nHost: elsewhere.example\r\n\r\n');
    expect(textOf(named, 'send-to-client')).toMatch(/X-Airlock-Reason: not-allowlisted/);
    const literal = send(core(true), 'GET /MNT HTTP/1.0\r\nHost: 198.18.0.99\r\n\r\n');
    expect(textOf(literal, 'send-to-client')).toMatch(/X-Airlock-Reason: no-name/);
    // A real ClientHello without SNI (Node's OpenSSL) is claimed; one with its own SNI is not.
    expect(send(core(true), await realClientHello(''))).toEqual([{ type: 'resolve', host: 'rtk.example' }]);
    expect(kinds(send(core(false), await realClientHello('')))).toEqual(['log', 'close']);
    expect(kinds(send(core(true), await realClientHello('elsewhere.example')))).toEqual(['log', 'close']);
  });

  it("RTKLIB's rover, naming no host, reaches the claiming caster through the listener: ICY stream down, GGA up", async () => {
    const caster = await recordingCaster(Buffer.alloc(300, 0xd3));
    const { received } = caster;
    const cport = caster.port;
    const p = casterPolicy(cport);
    p.network.allow[0]!.claimsUnnamed = true;
    const gate = new EgressGate(p, { windows: [] });
    const rows: ConnectionLogRow[] = [];
    // The extra-port listener as the gateway wires it; the rover connects to it as if redirected there.
    const listener = new ProxyServer({
      listen: { host: '127.0.0.1', port: 0 },
      extraPorts: {
        front: (port) => extraPortFront(port, unnamedClaim(p.network.allow, port)),
        originalPort: () => ({ port: cport }),
      },
      context: () => ({ gate, mode: () => 'one-way', maxHeaderBytes: 8192 }),
      limits: () => ({
        maxConnections: 10,
        maxConnectionsPerClient: 10,
        idleTimeoutMs: 5000,
        handshakeTimeoutMs: 5000,
      }),
      resolve: () => ['127.0.0.1'],
      refuseAll: () => undefined,
      onLog: (r) => rows.push(r),
    });
    const at = await listener.start();
    try {
      const out = join(dir, 'rover-unnamed.bin');
      await rover({ caster: `127.0.0.1:${at.port}` }, out, 2.5, 100);
      await new Promise((r) => setTimeout(r, 200));
      const up = Buffer.concat(received).toString('latin1');
      // RTKLIB sent no Host; the caster got the claim as its Host, then the rover's positions.
      expect(up).toMatch(
        /^GET \/MNT HTTP\/1\.0\r\nHost: rtk\.example\r\nUser-Agent: NTRIP RTKLIB\/[\d.]+\r\n/,
      );
      expect(up.slice(up.indexOf('\r\n\r\n') + 4)).toMatch(/^\$G[NP]GGA,/);
      expect(readFileSync(out).subarray(0, 300)).toEqual(Buffer.alloc(300, 0xd3));
      expect(rows.at(-1)).toMatchObject({
        name: 'rtk.example',
        claimed: true,
        port: cport,
        verdict: 'allow',
        bytesUp: up.length,
      });
    } finally {
      await listener.close();
      caster.drop();
      caster.close();
    }
  }, 20_000);
});

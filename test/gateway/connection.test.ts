import { describe, expect, it } from 'vitest';
import { bytesOf, kinds, Playbook, policyWith, T0, textOf } from './playbook.js';

const ALLOW = [
  // 8443 and 8080 as well: tests below reach files.example on those ports.
  { host: 'files.example', ports: [443, 80, 8443, 8080] },
  { host: 'up.example', budget: { upstreamBytesPerConnection: 100 } },
];
const oneWay = (extra = {}) => policyWith({ mode: 'one-way', allow: ALLOW, ...extra });
const CONNECT = (authority: string) => `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;

/** Drives a CONNECT through resolution and connection to a public test address. */
function tunnel(pb: Playbook, authority: string, ip = '198.18.0.10'): void {
  expect(pb.client(CONNECT(authority))).toEqual([{ type: 'resolve', host: authority.split(':')[0] }]);
  expect(pb.feed({ type: 'resolved', addresses: [ip] })).toEqual([
    { type: 'open-upstream', ip, port: Number(authority.split(':')[1]) },
  ]);
  const up = pb.feed({ type: 'upstream-connected' });
  expect(textOf(up, 'send-to-client')).toBe('HTTP/1.1 200 Connection established\r\n\r\n');
}

describe('proxy core: modes', () => {
  it('sealed refuses CONNECT with 403 and never resolves the name', () => {
    const pb = new Playbook(policyWith({ mode: 'sealed', allow: ALLOW }));
    const cmds = pb.client(CONNECT('files.example:443'));
    expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
    expect(textOf(cmds, 'send-to-client')).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Airlock-Reason: sealed\r\n/,
    );
    expect(pb.rows()).toEqual([
      {
        kind: 'connection',
        tsMs: T0,
        client: '10.0.0.2:50000',
        destination: 'files.example',
        name: 'files.example',
        ip: '',
        port: 443,
        proto: 'tcp',
        mode: 'sealed',
        verdict: 'block',
        reason: 'sealed',
        bytesUp: 0,
        bytesDown: 0,
        endMs: T0,
      },
    ]);
  });

  it('one-way tunnels an allowlisted name and logs bytes both ways once', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'files.example:443');
    expect(pb.client('hello')).toEqual([{ type: 'send-to-upstream', data: Buffer.from('hello') }]);
    expect(
      textOf(pb.feed({ type: 'upstream-data', data: Buffer.from('0123456789') }), 'send-to-client'),
    ).toBe('0123456789');
    expect(kinds(pb.feed({ type: 'upstream-closed' }, 250))).toEqual(['log', 'close']);
    expect(pb.feed({ type: 'client-closed' })).toEqual([]);
    const [row] = pb.rows();
    expect(pb.rows()).toHaveLength(1);
    expect(row).toMatchObject({
      verdict: 'allow',
      reason: 'allowlisted',
      ip: '198.18.0.10',
      port: 443,
      bytesUp: 5,
      bytesDown: 10,
      endMs: T0 + 250,
    });
    expect(row?.cut).toBeUndefined();
  });

  it('one-way refuses CONNECT to a name off the allowlist with 403, without resolving it', () => {
    const pb = new Playbook(oneWay());
    const cmds = pb.client(CONNECT('flightrecords.example:443'));
    expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
    expect(textOf(cmds, 'send-to-client')).toContain('X-Airlock-Reason: not-allowlisted');
    expect(pb.rows()[0]).toMatchObject({ verdict: 'block', reason: 'not-allowlisted', mode: 'one-way' });
  });

  it('one-way refuses an allowlisted name on a port its entry does not list (403, logged, never resolved)', () => {
    // up.example lists no ports: 443 and 80 only.
    for (const [req, port] of [
      [CONNECT('up.example:8883'), 8883],
      ['GET http://up.example:25/ HTTP/1.1\r\nHost: up.example:25\r\n\r\n', 25],
    ] as const) {
      const one = new Playbook(oneWay());
      const cmds = one.client(req);
      expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
      expect(textOf(cmds, 'send-to-client')).toMatch(
        /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*X-Airlock-Reason: port-not-allowed\r\n/,
      );
      expect(one.rows()[0]).toMatchObject({
        destination: 'up.example',
        name: 'up.example',
        ip: '',
        port,
        verdict: 'block',
        reason: 'port-not-allowed',
        mode: 'one-way',
      });
    }
    // The same host on 443 tunnels.
    tunnel(new Playbook(oneWay()), 'up.example:443');
  });

  it('one-way refuses an IP literal (no name to judge by)', () => {
    const pb = new Playbook(oneWay());
    const cmds = pb.client(CONNECT('198.18.0.10:443'));
    expect(textOf(cmds, 'send-to-client')).toContain('X-Airlock-Reason: no-name');
    expect(pb.rows()[0]).toMatchObject({ verdict: 'block', reason: 'no-name', ip: '198.18.0.10' });
  });

  it('monitor passes any public name but still refuses one that resolves to loopback', () => {
    const pb = new Playbook(policyWith({ mode: 'monitor' }));
    tunnel(pb, 'anything.example:443');
    const pb2 = new Playbook(policyWith({ mode: 'monitor' }));
    pb2.client(CONNECT('sneaky.example:22'));
    const cmds = pb2.feed({ type: 'resolved', addresses: ['127.0.0.1'] });
    expect(textOf(cmds, 'send-to-client')).toContain('X-Airlock-Reason: private-destination');
    expect(pb2.rows()[0]).toMatchObject({ verdict: 'block', reason: 'private-destination', ip: '127.0.0.1' });
  });

  it('allowedPrivateCidrs lets an allowlisted name resolve into that range', () => {
    const pb = new Playbook(oneWay({ allowedPrivateCidrs: ['127.0.0.0/8'] }));
    tunnel(pb, 'files.example:8443', '127.0.0.1');
  });

  it('forwards an absolute-URI GET in origin form, counting the head as upload', () => {
    const pb = new Playbook(oneWay());
    const req =
      'GET http://files.example/maps/tile.bin?z=3 HTTP/1.1\r\nHost: files.example\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n';
    expect(pb.client(req)).toEqual([{ type: 'resolve', host: 'files.example' }]);
    // A name without a port: the http scheme's 80.
    expect(pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] })).toEqual([
      {
        type: 'open-upstream',
        ip: '198.18.0.10',
        port: 80,
        pool: { key: 'files.example|198.18.0.10|80', reuse: true },
      },
    ]);
    const up = pb.feed({ type: 'upstream-connected' });
    // HTTP/1.1, no body: no 'Connection: close', the upstream connection may serve the next request.
    const head = 'GET /maps/tile.bin?z=3 HTTP/1.1\r\nHost: files.example\r\nAccept: */*\r\n\r\n';
    expect(textOf(up, 'send-to-upstream')).toBe(head);
    expect(textOf(up, 'send-to-client')).toBe('');
    pb.feed({ type: 'upstream-closed' });
    expect(pb.rows()[0]).toMatchObject({ bytesUp: head.length, verdict: 'allow', port: 80 });
  });
});

describe('proxy core: the upstream budget edge', () => {
  it('the byte at the budget passes, the next is cut', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'up.example:443');
    expect(bytesOf(pb.client(new Uint8Array(99)), 'send-to-upstream')).toBe(99);
    expect(bytesOf(pb.client(new Uint8Array(1)), 'send-to-upstream')).toBe(1);
    const cut = pb.client(new Uint8Array(1));
    expect(kinds(cut)).toEqual(['log', 'close']);
    expect(pb.rows()[0]).toMatchObject({ bytesUp: 100, cut: 'connection-budget', verdict: 'allow' });
  });

  it('a chunk crossing the budget is cut inside: exactly the budget goes up', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'up.example:443');
    const cmds = pb.client(new Uint8Array(150).fill(7));
    expect(kinds(cmds)).toEqual(['send-to-upstream', 'log', 'close']);
    expect(bytesOf(cmds, 'send-to-upstream')).toBe(100);
    expect(pb.rows()[0]?.cut).toBe('connection-budget');
  });

  it('a rewritten head is charged as forwarded: what reaches the upstream never passes the budget', () => {
    // The forwarded head loses the URI's 'http://up.example' (17 bytes) and any Keep-Alive field,
    // and gains 'Connection: close' (19 bytes, HTTP/1.0). The client sends exactly the budget.
    const head = (body: number, extra = '') =>
      `POST http://up.example/r HTTP/1.0\r\nHost: up.example\r\nContent-Length: ${body}\r\n${extra}\r\n`;
    const run = (extra: string) => {
      const body = 100 - head(10, extra).length;
      const pb = new Playbook(oneWay());
      pb.client(head(body, extra) + 'b'.repeat(body));
      pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
      const sent = textOf(pb.feed({ type: 'upstream-connected' }), 'send-to-upstream');
      expect(sent).toMatch(/^POST \/r HTTP\/1\.0\r\n[\s\S]*Connection: close\r\n\r\nb+$/);
      expect(sent).not.toContain('Keep-Alive');
      pb.feed({ type: 'upstream-closed' });
      return { sent: sent.length, row: pb.rows()[0] };
    };
    // 100 - 17 + 19 = 102 to forward: the first 100 go, the rest is cut.
    const plain = run('');
    expect(plain.sent).toBe(100);
    expect(plain.row).toMatchObject({ bytesUp: 100, cut: 'connection-budget' });
    // 100 - 17 - 15 + 19 = 87: all of it goes, uncut.
    const stripped = run('Keep-Alive: 1\r\n');
    expect(stripped.sent).toBe(87);
    expect(stripped.row).toMatchObject({ bytesUp: 87, verdict: 'allow' });
    expect(stripped.row?.cut).toBeUndefined();
  });

  it('bytes sent before the upstream is up are held, then counted against the budget', () => {
    const pb = new Playbook(oneWay());
    pb.client(CONNECT('up.example:443') + 'x'.repeat(60));
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.client('y'.repeat(60));
    const cmds = pb.feed({ type: 'upstream-connected' });
    expect(kinds(cmds)).toEqual(['send-to-client', 'send-to-upstream', 'send-to-upstream', 'log', 'close']);
    expect(textOf(cmds, 'send-to-upstream')).toBe('x'.repeat(60) + 'y'.repeat(40));
  });
});

describe('proxy core: unlock windows', () => {
  const window = {
    host: 'flysafe.example',
    fromMs: T0,
    untilMs: T0 + 600_000,
    reason: 'geofence unlock, job 42',
  };

  it('an open window lets a non-allowlisted host through without budget; at expiry the next bytes are cut', () => {
    const pb = new Playbook(oneWay(), [window]);
    tunnel(pb, 'flysafe.example:443');
    expect(bytesOf(pb.client(new Uint8Array(70_000)), 'send-to-upstream')).toBe(70_000);
    const cmds = pb.client(new Uint8Array(10), 600_000);
    expect(kinds(cmds)).toEqual(['log', 'close']);
    expect(pb.rows()[0]).toMatchObject({ reason: 'unlock-window', cut: 'unlock-expired', bytesUp: 70_000 });
  });

  it('after the window a new connection to the host is refused', () => {
    const pb = new Playbook(oneWay(), [window]);
    pb.now = T0 + 600_000;
    expect(textOf(pb.client(CONNECT('flysafe.example:443')), 'send-to-client')).toContain(
      'X-Airlock-Reason: not-allowlisted',
    );
  });
});

describe('proxy core: bad requests', () => {
  it('a malformed request line gets 400 and a row', () => {
    const pb = new Playbook(oneWay());
    const cmds = pb.client('GET\r\n\r\n');
    expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(pb.rows()[0]).toMatchObject({ verdict: 'block', reason: 'bad-request', destination: '' });
  });

  it('TLS bytes sent to the proxy port (not HTTP) get 400', () => {
    const pb = new Playbook(oneWay());
    expect(textOf(pb.client(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x10)), 'send-to-client')).toMatch(
      /^HTTP\/1\.1 400 /,
    );
  });

  it('a head larger than maxHeaderBytes gets 431 without waiting for its end', () => {
    const pb = new Playbook(oneWay());
    expect(pb.client(`CONNECT files.example:443 HTTP/1.1\r\nX-Pad: ${'a'.repeat(2000)}\r\n`)).toEqual([]);
    const cmds = pb.client(`X-More: ${'b'.repeat(2100)}\r\n`);
    expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1\.1 431 /);
    expect(pb.rows()[0]?.reason).toBe('header-too-large');
  });

  it('CONNECT to a name without a port gets 400 no-port', () => {
    const pb = new Playbook(oneWay());
    expect(textOf(pb.client(CONNECT('files.example')), 'send-to-client')).toContain(
      'X-Airlock-Reason: no-port',
    );
  });

  it('an origin-form request (not a proxy request) gets 400', () => {
    const pb = new Playbook(oneWay());
    const cmds = pb.client('GET / HTTP/1.1\r\nHost: files.example\r\n\r\n');
    expect(textOf(cmds, 'send-to-client')).toContain('X-Airlock-Reason: not-proxy-request');
  });

  it('a head split byte by byte is read the same as one chunk', () => {
    const pb = new Playbook(oneWay());
    const bytes = Buffer.from(CONNECT('files.example:443'));
    const cmds = [...bytes].flatMap((b) => pb.client(Uint8Array.of(b)));
    expect(cmds).toEqual([{ type: 'resolve', host: 'files.example' }]);
  });

  it('a slow client hits the handshake timeout: 408 and a row', () => {
    const pb = new Playbook(oneWay());
    pb.client('CONNECT files.ex');
    const cmds = pb.feed({ type: 'timeout', kind: 'handshake' }, 10_000);
    expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1\.1 408 /);
    expect(pb.rows()[0]).toMatchObject({ reason: 'handshake-timeout', endMs: T0 + 10_000 });
  });

  it('an idle tunnel is ended with cut idle-timeout; a failed upstream gets 502', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'files.example:443');
    expect(pb.feed({ type: 'timeout', kind: 'handshake' })).toEqual([]);
    expect(kinds(pb.feed({ type: 'timeout', kind: 'idle' }))).toEqual(['log', 'close']);
    expect(pb.rows()[0]?.cut).toBe('idle-timeout');

    const pb2 = new Playbook(oneWay());
    pb2.client(CONNECT('files.example:443'));
    pb2.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    const cmds = pb2.feed({ type: 'upstream-failed', detail: 'ECONNREFUSED' });
    expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1\.1 502 [\s\S]*ECONNREFUSED/);
    expect(pb2.rows()[0]).toMatchObject({ verdict: 'allow', cut: 'upstream-failed' });
  });

  it('a name that does not resolve gets 502 resolve-failed', () => {
    const pb = new Playbook(oneWay());
    pb.client(CONNECT('files.example:443'));
    const cmds = pb.feed({ type: 'resolve-failed', detail: 'ENOTFOUND' });
    expect(textOf(cmds, 'send-to-client')).toContain('X-Airlock-Reason: resolve-failed');
  });
});

describe('proxy core: keep-alive and half-close', () => {
  const GET = (host: string, path = '/a') => `GET http://${host}${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  /** Drives an absolute-URI request to its upstream connection; returns what went up. */
  function forward(pb: Playbook, first: ProxyEventFeed): string {
    expect(kinds(first)).toEqual(['resolve']);
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    return textOf(pb.feed({ type: 'upstream-connected' }), 'send-to-upstream');
  }
  type ProxyEventFeed = ReturnType<Playbook['client']>;

  it('a second request on the connection is judged, counted and logged on its own', () => {
    const pb = new Playbook(oneWay());
    expect(forward(pb, pb.client(GET('files.example')))).toMatch(/^GET \/a HTTP\/1\.1\r\n/);
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';
    const resp = pb.feed({ type: 'upstream-data', data: Buffer.from(answer) });
    // The client may reuse the connection: the upstream's 'Connection: close' is not passed on.
    expect(textOf(resp, 'send-to-client')).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(kinds(pb.feed({ type: 'upstream-closed' }, 10))).toEqual(['log']);
    expect(pb.conn.phase).toBe('head');
    const refused = pb.client(GET('flightrecords.example'), 10);
    expect(textOf(refused, 'send-to-client')).toContain('X-Airlock-Reason: not-allowlisted');
    expect(pb.rows()).toEqual([
      expect.objectContaining({
        destination: 'files.example',
        verdict: 'allow',
        bytesDown: answer.length,
        endMs: T0 + 10,
      }),
      expect.objectContaining({ destination: 'flightrecords.example', verdict: 'block', tsMs: T0 + 20 }),
    ]);
  });

  it('a keep-alive connection closed or idle between requests ends without an extra row', () => {
    for (const end of [{ type: 'client-closed' }, { type: 'timeout', kind: 'idle' }] as const) {
      const pb = new Playbook(oneWay());
      forward(pb, pb.client(GET('files.example')));
      pb.feed({ type: 'upstream-data', data: Buffer.from('HTTP/1.1 204 No Content\r\n\r\n') });
      pb.feed({ type: 'upstream-closed' });
      expect(pb.feed(end)).toEqual([{ type: 'close' }]);
      expect(pb.rows()).toHaveLength(1);
    }
  });

  it('pipelined bytes of the next request are held, never sent to the current upstream', () => {
    const pb = new Playbook(oneWay());
    const up = forward(pb, pb.client(GET('files.example') + GET('up.example', '/b')));
    expect(up).not.toContain('/b');
    expect(pb.client('more')).toEqual([]);
    // The response ends at its head: the upstream goes to the pool, the exchange is logged.
    const next = pb.feed({ type: 'upstream-data', data: Buffer.from('HTTP/1.1 204 No Content\r\n\r\n') });
    // The held request is read at once: its name is resolved for its own decision.
    // Its head began: the shell times it as it did the first ('arm-handshake').
    expect(kinds(next)).toEqual(['send-to-client', 'release-upstream', 'log', 'arm-handshake', 'resolve']);
    expect(next[4]).toEqual({ type: 'resolve', host: 'up.example' });
  });

  it('a request body is passed up to its Content-Length, the bytes after it wait', () => {
    const pb = new Playbook(oneWay());
    const post = 'POST http://files.example/u HTTP/1.1\r\nHost: files.example\r\nContent-Length: 5\r\n\r\n';
    const up = forward(pb, pb.client(post + 'abc'));
    expect(up.endsWith('\r\n\r\nabc')).toBe(true);
    expect(textOf(pb.client('deGET /x'), 'send-to-upstream')).toBe('de');
  });

  it('a response the client cannot delimit ends the connection with it', () => {
    const pb = new Playbook(oneWay());
    forward(pb, pb.client(GET('files.example')));
    const resp = pb.feed({ type: 'upstream-data', data: Buffer.from('HTTP/1.1 200 OK\r\n\r\nstream') });
    expect(textOf(resp, 'send-to-client')).toBe('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nstream');
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
  });

  it('half-close: the client ending its side after the request is passed upstream; the response still arrives', () => {
    const pb = new Playbook(oneWay());
    expect(pb.client(GET('files.example'))).toHaveLength(1);
    expect(pb.feed({ type: 'client-ended' })).toEqual([]);
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    const up = pb.feed({ type: 'upstream-connected' });
    expect(kinds(up)).toEqual(['send-to-upstream', 'end-upstream']);
    const down = pb.feed({
      type: 'upstream-data',
      data: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    });
    expect(textOf(down, 'send-to-client')).toContain('ok');
    // Reusable response, but the client is gone: the connection ends with the upstream.
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
  });

  it('half-close inside a CONNECT tunnel is passed on at once', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'files.example:443');
    expect(pb.feed({ type: 'client-ended' })).toEqual([{ type: 'end-upstream' }]);
    expect(textOf(pb.feed({ type: 'upstream-data', data: Buffer.from('late') }), 'send-to-client')).toBe(
      'late',
    );
  });
});

describe('proxy core: upstream connections kept for the pool', () => {
  const GET = (host: string, path = '/a') => `GET http://${host}${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  /** Drives a request to its upstream connection; returns the open-upstream command. */
  function open(pb: Playbook, req: string, ip = '198.18.0.10'): ProxyCommandOf<'open-upstream'> {
    expect(kinds(pb.client(req))).toEqual(['resolve']);
    const [cmd] = pb.feed({ type: 'resolved', addresses: [ip] });
    pb.feed({ type: 'upstream-connected' });
    return cmd as ProxyCommandOf<'open-upstream'>;
  }
  type ProxyCommandOf<K> = Extract<ReturnType<Playbook['feed']>[number], { type: K }>;
  const up = (pb: Playbook, text: string) => pb.feed({ type: 'upstream-data', data: Buffer.from(text) });

  it('the pool key is the destination as judged: name, address and port', () => {
    const a = open(new Playbook(oneWay()), GET('files.example'));
    const b = open(new Playbook(oneWay()), GET('files.example'), '198.18.0.11');
    const c = open(new Playbook(oneWay()), GET('files.example:8080'));
    const d = open(new Playbook(oneWay()), GET('up.example'));
    const keys = [a, b, c, d].map((x) => x.pool?.key);
    expect(new Set(keys).size).toBe(4);
    expect(a.pool).toEqual({ key: 'files.example|198.18.0.10|80', reuse: true });
  });

  it('a request refused by the gate asks for no upstream connection at all', () => {
    const pb = new Playbook(oneWay());
    const cmds = pb.client(GET('flightrecords.example'));
    expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
  });

  it('only a safe, bodiless request may use an idle connection; a body of unknown length gets none', () => {
    const post = 'POST http://files.example/u HTTP/1.1\r\nHost: files.example\r\nContent-Length: 2\r\n\r\nab';
    expect(open(new Playbook(oneWay()), post).pool).toEqual({
      key: 'files.example|198.18.0.10|80',
      reuse: false,
    });
    const chunked =
      'POST http://files.example/u HTTP/1.1\r\nHost: files.example\r\nTransfer-Encoding: chunked\r\n\r\n';
    const pb = new Playbook(oneWay());
    pb.client(chunked);
    expect(pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] })).toEqual([
      { type: 'open-upstream', ip: '198.18.0.10', port: 80 },
    ]);
    expect(textOf(pb.feed({ type: 'upstream-connected' }), 'send-to-upstream')).toContain(
      'Connection: close\r\n',
    );
    const old = new Playbook(oneWay());
    old.client('GET http://files.example/ HTTP/1.0\r\nHost: files.example\r\n\r\n');
    expect(old.feed({ type: 'resolved', addresses: ['198.18.0.10'] })[0]).not.toHaveProperty('pool');
  });

  it('a Content-Length response is released at its last byte; the row counts what came down', () => {
    const pb = new Playbook(oneWay());
    open(pb, GET('files.example'));
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    expect(kinds(up(pb, answer.slice(0, 40)))).toEqual(['send-to-client']);
    const end = up(pb, answer.slice(40));
    expect(kinds(end)).toEqual(['send-to-client', 'release-upstream', 'log']);
    expect(pb.rows()[0]).toMatchObject({ bytesDown: answer.length, verdict: 'allow' });
    expect(pb.conn.phase).toBe('head');
  });

  it('a chunked response is released after its last chunk, passed on byte for byte', () => {
    const pb = new Playbook(oneWay());
    open(pb, GET('files.example'));
    const answer = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    const cmds = up(pb, answer);
    expect(textOf(cmds, 'send-to-client')).toBe(answer);
    expect(kinds(cmds)).toEqual(['send-to-client', 'release-upstream', 'log']);
  });

  it('an upstream that says close, speaks HTTP/1.0, or sends bytes after the response is not kept', () => {
    for (const answer of [
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n',
    ]) {
      const pb = new Playbook(oneWay());
      open(pb, GET('files.example'));
      const cmds = up(pb, answer);
      expect(kinds(cmds)).toEqual(['send-to-client']);
      // Nothing after the response reaches the client.
      expect(textOf(cmds, 'send-to-client').endsWith('\r\n\r\nok')).toBe(true);
      expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log']);
    }
  });

  it('a response cut short by the upstream ends the client connection too', () => {
    const pb = new Playbook(oneWay());
    open(pb, GET('files.example'));
    up(pb, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel');
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
  });

  it('a client that asked to close gets its response, then the connection ends (upstream still kept)', () => {
    const pb = new Playbook(oneWay());
    open(pb, 'GET http://files.example/ HTTP/1.1\r\nHost: files.example\r\nConnection: close\r\n\r\n');
    const cmds = up(pb, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(kinds(cmds)).toEqual(['send-to-client', 'release-upstream', 'log', 'close']);
    expect(textOf(cmds, 'send-to-client')).toContain('Connection: close\r\n');
  });

  it('malformed chunked framing ends the exchange as bad-response', () => {
    const pb = new Playbook(oneWay());
    open(pb, GET('files.example'));
    const cmds = up(pb, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    expect(kinds(cmds)).toContain('close');
    expect(pb.rows()[0]).toMatchObject({ cut: 'bad-response' });
  });
});

describe('proxy core: pass-down (the shell may splice a tunnel download)', () => {
  it('a CONNECT tunnel says pass-down once, after the 200; the kernel-moved bytes count in bytesDown', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'files.example:443');
    expect(pb.out.filter((c) => c.type === 'pass-down')).toHaveLength(1);
    const kindsSoFar = kinds(pb.out);
    expect(kindsSoFar.indexOf('pass-down')).toBeGreaterThan(kindsSoFar.indexOf('send-to-client'));
    pb.feed({ type: 'upstream-data', data: Buffer.from('0123456789') });
    expect(pb.feed({ type: 'down-relayed', bytes: 300_000 })).toEqual([]);
    expect(pb.feed({ type: 'down-relayed', bytes: 7 })).toEqual([]);
    pb.client('hi');
    expect(kinds(pb.feed({ type: 'upstream-closed' }, 50))).toEqual(['log', 'close']);
    expect(pb.out.filter((c) => c.type === 'pass-down')).toHaveLength(1);
    expect(pb.rows()).toEqual([expect.objectContaining({ bytesDown: 10 + 300_000 + 7, bytesUp: 2 })]);
  });

  it('the upload stays judged after pass-down: the budget cut row carries the spliced download', () => {
    const pb = new Playbook(oneWay());
    tunnel(pb, 'up.example:443');
    pb.feed({ type: 'down-relayed', bytes: 1 << 20 });
    const cut = pb.client('x'.repeat(101));
    expect(kinds(cut)).toEqual(['send-to-upstream', 'log', 'close']);
    expect(pb.rows()[0]).toMatchObject({ bytesUp: 100, bytesDown: 1 << 20, cut: 'connection-budget' });
  });

  it('a forward HTTP exchange never says pass-down (its responses are framed by the core)', () => {
    const pb = new Playbook(oneWay());
    pb.client('GET http://files.example/a HTTP/1.1\r\nHost: files.example\r\n\r\n');
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.feed({ type: 'upstream-connected' });
    pb.feed({ type: 'upstream-data', data: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') });
    pb.feed({ type: 'upstream-closed' });
    expect(kinds(pb.out)).not.toContain('pass-down');
  });

  it('down-relayed before the tunnel relays, or after it closed, changes nothing', () => {
    const pb = new Playbook(oneWay());
    pb.client(CONNECT('files.example:443'));
    expect(pb.feed({ type: 'down-relayed', bytes: 5 })).toEqual([]);
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.feed({ type: 'upstream-connected' });
    pb.feed({ type: 'client-closed' });
    expect(pb.feed({ type: 'down-relayed', bytes: 5 })).toEqual([]);
    expect(pb.rows()).toEqual([expect.objectContaining({ bytesDown: 0 })]);
  });
});

describe('proxy core: a long connection is logged while still open', () => {
  it('a tunnel relaying for 10 s is logged once as open (bytes so far, no end); its final row follows', () => {
    const pb = new Playbook(oneWay());
    expect(pb.feed({ type: 'still-open' })).toEqual([]); // before any decision: nothing to say
    tunnel(pb, 'files.example:443');
    pb.client('hello');
    pb.feed({ type: 'upstream-data', data: Buffer.from('0123456789') });
    expect(pb.feed({ type: 'still-open' }, 9_999)).toEqual([]);
    const open = pb.feed({ type: 'still-open' }, 1);
    expect(kinds(open)).toEqual(['log']);
    const first = pb.rows()[0];
    expect(first).toMatchObject({ tsMs: T0, verdict: 'allow', bytesUp: 5, bytesDown: 10, open: true });
    expect(first).not.toHaveProperty('endMs');
    // Once per connection, however long it lasts.
    expect(pb.feed({ type: 'still-open' }, 60_000)).toEqual([]);
    pb.feed({ type: 'down-relayed', bytes: 1000 });
    expect(kinds(pb.feed({ type: 'upstream-closed' }, 5))).toEqual(['log', 'close']);
    const last = pb.rows()[1];
    expect(last).toMatchObject({ tsMs: T0, bytesDown: 1010, endMs: T0 + 70_005 });
    expect(last).not.toHaveProperty('open');
    expect(pb.feed({ type: 'still-open' }, 20_000)).toEqual([]);
  });

  it('each request on a keep-alive connection counts from its own start', () => {
    const pb = new Playbook(oneWay());
    const get = 'GET http://files.example/big HTTP/1.1\r\nHost: files.example\r\n\r\n';
    pb.client(get);
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.feed({ type: 'upstream-connected' });
    pb.feed(
      { type: 'upstream-data', data: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') },
      8_000,
    );
    // The first request ended after 8 s: one row, no open one. The next request, a second later,
    // is timed from its own first bytes (its clock and its row's tsMs).
    expect(pb.rows()).toHaveLength(1);
    pb.client(get, 1_000);
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.feed({ type: 'upstream-connected' });
    expect(pb.feed({ type: 'still-open' }, 9_999)).toEqual([]);
    expect(kinds(pb.feed({ type: 'still-open' }, 1))).toEqual(['log']);
    expect(pb.rows()[1]).toMatchObject({ tsMs: T0 + 9_000, open: true, destination: 'files.example' });
  });
});

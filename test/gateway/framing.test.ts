/**
 * Message framing through the sans-IO core: the gateway and the upstream (and the client) must
 * read the same bytes the same way, or a body becomes a request nobody judged (RFC 9112 §6.3).
 * Hostile heads are refused before any decision; a response the client could frame otherwise
 * gets 502 and its upstream connection is never pooled; Upgrade is stripped and a 101 refused;
 * every request head is time-bounded; HTTP/1.0 keep-alive is said or the connection closes.
 */
import { describe, expect, it } from 'vitest';
import { HttpExchange } from '../../src/gateway/core/http-exchange.js';
import { ChunkedEnd } from '../../src/net/app/chunked-end.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';
import { requestFraming } from '../../src/net/app/request-framing.js';
import { kinds, Playbook, policyWith, textOf } from './playbook.js';

const oneWay = () => policyWith({ mode: 'one-way', allow: [{ host: 'files.example' }] });
const HOST = 'Host: files.example\r\n';
const req = (fields: string, line = 'GET http://files.example/a HTTP/1.1') =>
  `${line}\r\n${HOST}${fields}\r\n`;

/** Feeds `text` as a forward-proxy request; returns the commands. */
function ask(text: string): { pb: Playbook; cmds: ReturnType<Playbook['client']> } {
  const pb = new Playbook(oneWay());
  return { pb, cmds: pb.client(text) };
}

/** Drives a request to its connected upstream; returns what went up. */
function forward(pb: Playbook, text: string): string {
  expect(kinds(pb.client(text))).toEqual(['resolve']);
  pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
  return textOf(pb.feed({ type: 'upstream-connected' }), 'send-to-upstream');
}

const answer = (pb: Playbook, text: string) =>
  pb.feed({ type: 'upstream-data', data: Buffer.from(text, 'latin1') });

function head(text: string) {
  const r = readHttpRequestHead(Buffer.from(text, 'latin1'));
  if (r.kind !== 'value') throw new Error(`bad fixture: ${r.kind}`);
  return r.value;
}

describe('request heads the upstream could frame otherwise are refused before any decision', () => {
  const refused: [string, string, number, string][] = [
    ['two differing Content-Lengths', req('Content-Length: 35\r\nContent-Length: 0\r\n'), 400, 'bad-framing'],
    [
      'Content-Length and Transfer-Encoding',
      req('Content-Length: 3\r\nTransfer-Encoding: chunked\r\n'),
      400,
      'bad-framing',
    ],
    ['a Content-Length list', req('Content-Length: 5, 5\r\n'), 400, 'bad-framing'],
    ['a signed Content-Length', req('Content-Length: +5\r\n'), 400, 'bad-framing'],
    ['a coding other than chunked', req('Transfer-Encoding: gzip\r\n'), 400, 'bad-framing'],
    ['chunked not alone', req('Transfer-Encoding: gzip, chunked\r\n'), 400, 'bad-framing'],
    [
      'chunked twice',
      req('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'),
      400,
      'bad-framing',
    ],
    ['a coding that only ends in chunked', req('Transfer-Encoding: xchunked\r\n'), 400, 'bad-framing'],
    [
      'Transfer-Encoding in HTTP/1.0',
      req('Transfer-Encoding: chunked\r\n', 'POST http://files.example/a HTTP/1.0'),
      400,
      'bad-framing',
    ],
    ['a bare CR in a field value', req('X-A: a\rTransfer-Encoding: chunked\r\n'), 400, 'bad-request'],
    ['a NUL in a field value', req('X-A: a\0b\r\n'), 400, 'bad-request'],
    ['a control byte in the target', req('', 'GET http://files.example/a\x01 HTTP/1.1'), 400, 'bad-request'],
    ['HTTP/2.0', req('', 'GET http://files.example/a HTTP/2.0'), 505, 'version-not-supported'],
    ['HTTP/1.2', req('', 'GET http://files.example/a HTTP/1.2'), 505, 'version-not-supported'],
    [
      'HTTP/0.9 spelled as a version',
      req('', 'GET http://files.example/a HTTP/0.9'),
      505,
      'version-not-supported',
    ],
  ];
  for (const [what, text, status, reason] of refused)
    it(`${what}: ${status} ${reason}, logged, closed, never resolved`, () => {
      const { pb, cmds } = ask(text);
      expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
      expect(textOf(cmds, 'send-to-client')).toMatch(
        new RegExp(`^HTTP/1.1 ${status} .*X-Airlock-Reason: ${reason}\r\n`, 's'),
      );
      expect(pb.rows()).toEqual([expect.objectContaining({ verdict: 'block', reason })]);
    });

  it('the transparent HTTP front refuses them the same way', async () => {
    const { HTTP_FRONT } = await import('../../src/gateway/core/transparent-head.js');
    const r = HTTP_FRONT.readHead(
      Buffer.from(
        'POST /a HTTP/1.1\r\nHost: files.example\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      ),
      4096,
    );
    expect(r).toMatchObject({ kind: 'refuse', status: 400, reason: 'bad-framing' });
  });

  it('identical duplicate Content-Lengths are one: forwarded once, framing by it', () => {
    const pb = new Playbook(oneWay());
    const up = forward(
      pb,
      `${req('Content-Length: 3\r\ncontent-length: 3\r\n', 'POST http://files.example/a HTTP/1.1')}abcGET`,
    );
    expect(up.match(/content-length/gi)).toHaveLength(1);
    expect(up.endsWith('\r\n\r\nabc')).toBe(true);
    expect(requestFraming(head(req('Content-Length: 3\r\nContent-Length: 3\r\n')))).toEqual({
      kind: 'length',
      bytes: 3,
    });
  });
});

describe('a chunked request body ends at its last chunk; what follows waits for its own decision', () => {
  const POST = req('Transfer-Encoding: chunked\r\n', 'POST http://files.example/u HTTP/1.1');

  it('bytes after the last chunk never reach this upstream', () => {
    const pb = new Playbook(oneWay());
    const smuggled = 'GET http://files.example/x HTTP/1.1\r\nHost: evil.example\r\n\r\n';
    const up = forward(pb, `${POST}3\r\nabc\r\n0\r\n\r\n${smuggled}`);
    expect(up.endsWith('3\r\nabc\r\n0\r\n\r\n')).toBe(true);
    expect(up).toContain('Connection: close\r\n');
    expect(textOf(pb.client('more'), 'send-to-upstream')).toBe('');
  });

  it('a chunk line ended by LF alone, or with a bare CR, ends the exchange as bad-framing', () => {
    for (const body of ['3\nabc\r\n0\r\n\r\n', '3\r\nabc\r\n0\r1\r\n\r\n']) {
      const pb = new Playbook(oneWay());
      forward(pb, POST);
      expect(kinds(pb.client(body))).toEqual(['log', 'close']);
      expect(pb.rows()[0]).toMatchObject({ verdict: 'allow', cut: 'bad-framing' });
    }
  });

  it('the chunk scanner never skips a bare CR or accepts junk after the size', () => {
    const scan = (s: string, bareLf = true) =>
      new ChunkedEnd(1024, { bareLf }).feed(Buffer.from(s, 'latin1')).kind;
    expect(scan('1\r0\r\n')).toBe('malformed');
    expect(scan('5 junk\r\nhello\r\n0\r\n\r\n')).toBe('malformed');
    expect(scan('5 ;ext="a b"\r\nhello\r\n0\r\n\r\n')).toBe('end');
    expect(scan('3\nabc\n0\n\n')).toBe('end');
    expect(scan('3\nabc\n0\n\n', false)).toBe('malformed');
  });
});

describe('a response the client could frame otherwise: 502, both connections end, nothing pooled', () => {
  const GET = req('');
  for (const [what, resp] of [
    [
      'differing Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 12\r\n\r\nokHTTP/1.1 2',
    ],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok'],
    [
      'Content-Length and Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a bare CR in a field', 'HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 0\r\nContent-Length: 2\r\n\r\nok'],
    ['a NUL in a field', 'HTTP/1.1 200 OK\r\nX-A: a\0\r\nContent-Length: 2\r\n\r\nok'],
    ['a folded line', 'HTTP/1.1 200 OK\r\nX-A: a\r\n Content-Length: 9\r\nContent-Length: 2\r\n\r\nok'],
    ['whitespace before the colon of a framing field', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok'],
    ['chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n'],
  ] as const)
    it(what, () => {
      const pb = new Playbook(oneWay());
      forward(pb, GET);
      const cmds = answer(pb, resp);
      expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
      expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1.1 502 .*X-Airlock-Reason: bad-response\r\n/s);
      expect(pb.rows()[0]).toMatchObject({ verdict: 'allow', cut: 'bad-response' });
    });

  it('a Transfer-Encoding merely ending in "chunked", or chunked not last, is delimited by the close', () => {
    for (const te of ['xchunked', 'chunked, gzip']) {
      const pb = new Playbook(oneWay());
      forward(pb, GET);
      const cmds = answer(pb, `HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n0\r\n\r\n`);
      expect(kinds(cmds)).toEqual(['send-to-client']);
      expect(textOf(cmds, 'send-to-client')).toContain('Connection: close\r\n');
      expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
    }
  });
});

describe('Upgrade is stripped; a 101 is refused, not relayed as a tunnel', () => {
  const WS = req('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n');

  it('the upstream gets a plain request it may keep alive', () => {
    const pb = new Playbook(oneWay());
    const up = forward(pb, WS);
    expect(up).not.toMatch(/upgrade/i);
    expect(up).not.toMatch(/connection:/i);
    expect(pb.out.find((c) => c.type === 'open-upstream')).toMatchObject({ pool: { reuse: true } });
    const cmds = answer(pb, 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n');
    expect(kinds(cmds)).toEqual(['send-to-client', 'release-upstream', 'log']);
  });

  it('an upstream that still answers 101: the client gets 502 protocol-switch and the row says why', () => {
    const pb = new Playbook(oneWay());
    forward(pb, WS);
    const cmds = answer(
      pb,
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframes',
    );
    expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
    const told = textOf(cmds, 'send-to-client');
    expect(told).toMatch(/^HTTP\/1.1 502 .*X-Airlock-Reason: protocol-switch\r\n/s);
    expect(told).not.toMatch(/Switching Protocols|frames/);
    expect(pb.rows()[0]).toMatchObject({ verdict: 'allow', cut: 'protocol-switch' });
  });
});

describe('every request head on a keep-alive connection is time-bounded', () => {
  it('the first byte of the next head arms the handshake timer; its timeout is a 408 with a row', () => {
    const pb = new Playbook(oneWay());
    forward(pb, req(''));
    answer(pb, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(pb.conn.phase).toBe('head');
    expect(pb.client('G', 2000)).toEqual([{ type: 'arm-handshake' }]);
    // Later bytes of the same head do not re-arm it: trickling buys no time.
    expect(pb.client('E', 2000)).toEqual([]);
    const cmds = pb.feed({ type: 'timeout', kind: 'handshake' }, 2000);
    expect(kinds(cmds)).toEqual(['send-to-client', 'log', 'close']);
    expect(textOf(cmds, 'send-to-client')).toMatch(/^HTTP\/1.1 408 /);
    expect(pb.rows()[1]).toMatchObject({ verdict: 'block', reason: 'handshake-timeout' });
  });

  it('the first request arms nothing (the shell armed it at accept)', () => {
    expect(ask('G').cmds).toEqual([]);
  });
});

describe('HTTP/1.0 keep-alive: said when kept, closed otherwise', () => {
  const OLD = 'GET http://files.example/a HTTP/1.0';

  it('keep-alive and a known length: the client is told Connection: keep-alive and may send again', () => {
    const pb = new Playbook(oneWay());
    forward(pb, req('Connection: keep-alive\r\n', OLD));
    const cmds = answer(pb, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    expect(textOf(cmds, 'send-to-client')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok',
    );
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log']);
    expect(pb.conn.phase).toBe('head');
  });

  it('keep-alive but a chunked response (unreadable to 1.0): close, and the connection ends', () => {
    const pb = new Playbook(oneWay());
    forward(pb, req('Connection: keep-alive\r\n', OLD));
    const cmds = answer(pb, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect(textOf(cmds, 'send-to-client')).toContain('Connection: close\r\n');
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
  });

  it('plain HTTP/1.0 always closes after the response', () => {
    const pb = new Playbook(oneWay());
    forward(pb, req('', OLD));
    const cmds = answer(pb, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(textOf(cmds, 'send-to-client')).toContain('Connection: close\r\n');
    expect(kinds(pb.feed({ type: 'upstream-closed' }))).toEqual(['log', 'close']);
  });

  it('an HTTP/1.0 client never sees an interim 1xx (it would take it for the response)', () => {
    const x = new HttpExchange(head(req('', OLD)), 4096);
    const r = x.takeResponse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
    expect(Buffer.from(r.out).toString('latin1')).toBe(
      'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n',
    );
    const y = new HttpExchange(head(req('')), 4096);
    const s = y.takeResponse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
    expect(Buffer.from(s.out).toString('latin1')).toBe(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    );
  });
});

/**
 * The request follower (src/audit/request-follower.ts) without packets: segments and server bytes
 * in, the sink's calls out, as the gateway's keep-alive connection and NTRIP exchange would read
 * the same stream (gateway/core/connection.ts, http-exchange.ts). What flow-state.ts makes of the
 * calls (connections, shares, the gate) is tested through whole captures elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { RequestFollower } from '../../src/audit/request-follower.js';
import type { HttpRequestHead } from '../../src/net/app/http-request.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');

function head(text: string): HttpRequestHead {
  const d = readHttpRequestHead(bytes(text));
  if (d.kind !== 'value') throw new Error(`no head: ${text}`);
  return d.value;
}

const GET10 = 'GET /MNT HTTP/1.0\r\nHost: rtk.test\r\n\r\n';
const GET11 = (path: string) => `GET ${path} HTTP/1.1\r\nHost: files.test\r\n\r\n`;
const GGA = '$GPGGA,120000.00,4724.0,N,00830.0,E,1,00,1.0,351.6,M,48.3,M,0.0,0000*5C\r\n';

/**
 * A follower begun past `first` (sequence 1000 is its first byte after the head), its sink's calls
 * as lines; `refuse`: the request heads after the first that the gateway refuses.
 */
function follow(first: string, refuse: string[] = []) {
  const calls: string[] = [];
  const f = new RequestFollower(
    head(first),
    { nextSeq: 1000, held: [] },
    {
      current: (n, relayed, fresh) => {
        const retransmitted = fresh !== undefined && fresh !== n ? ` (${fresh} new)` : '';
        if (n > 0) calls.push(`current ${n}${relayed ? ' relayed' : ''}${retransmitted}`);
      },
      next: (n) => {
        if (n > 0) calls.push(`next ${n}`);
      },
      request: (h) => {
        calls.push(`request ${h.target}`);
        return !refuse.includes(h.target);
      },
      stopped: (closed, relayed) =>
        calls.push(`stopped${closed ? ' closed' : ''}${relayed ? ' relayed' : ''}`),
      released: (n) => calls.push(`released ${n}`),
      closed: () => calls.push('closed'),
    },
  );
  let seq = 1000;
  const client = (s: string) => {
    f.push(seq, bytes(s), s.length);
    seq += s.length;
  };
  /** The last `s` sent again, at its own sequence number: nothing new to the stream. */
  const again = (s: string) => f.push(seq - s.length, bytes(s), 0);
  const server = (s: string) => f.serverBytes(bytes(s));
  const take = () => calls.splice(0);
  return { f, client, again, server, take };
}

describe('request follower', () => {
  it('keep-alive: each next head handed over once complete, its bytes the next request’s until then', () => {
    const { client, take } = follow(GET11('/a'));
    const second = GET11('/b');
    client(second.slice(0, 10));
    client(second.slice(10));
    expect(take()).toEqual(['next 10', `next ${second.length - 10}`, 'request /b']);
  });

  it('a refused request ends the reading: what follows is its own, closed', () => {
    const { client, take } = follow(GET11('/a'), ['/no']);
    client(GET11('/no') + GET11('/c'));
    expect(take()).toEqual([
      `next ${GET11('/no').length}`,
      'request /no',
      'stopped closed',
      `current ${GET11('/c').length}`,
    ]);
  });

  it('past a last request, bytes are held until an ICY answer releases them; later ones go up', () => {
    const { client, server, take } = follow(GET10);
    client(GGA);
    expect(take()).toEqual(['stopped', `current ${GGA.length}`]);
    server('ICY 200 OK\r\n');
    expect(take()).toEqual([`released ${GGA.length}`]);
    client(GGA);
    expect(take()).toEqual([`current ${GGA.length} relayed`]);
  });

  it('a retransmitted segment goes with the current request but adds nothing to what goes up or is released', () => {
    const { client, again, server, take } = follow(GET10);
    client(GGA);
    again(GGA);
    expect(take()).toEqual(['stopped', `current ${GGA.length}`, `current ${GGA.length} (0 new)`]);
    server('ICY 200 OK\r\n');
    expect(take()).toEqual([`released ${GGA.length}`]);
    client(GGA);
    again(GGA);
    expect(take()).toEqual([`current ${GGA.length} relayed`, `current ${GGA.length} relayed (0 new)`]);
    // While requests are read, a retransmitted head byte is the current request's, never relayed.
    const k = follow(GET11('/a'));
    k.client(GET11('/b'));
    k.again(GET11('/b'));
    expect(k.take()).toEqual([
      `next ${GET11('/b').length}`,
      'request /b',
      `current ${GET11('/b').length} (0 new)`,
    ]);
  });

  it('past a last request, any other answer closes where bytes were held: none go up', () => {
    const { client, server, take } = follow(GET10);
    client(GGA);
    server('HTTP/1.0 200 OK\r\n\r\n');
    client(GGA);
    expect(take()).toEqual(['stopped', `current ${GGA.length}`, 'closed', `current ${GGA.length}`]);
  });

  it('an ICY answer while requests are read ends the reading: a next request begun goes up as this one’s', () => {
    const { client, server, take } = follow(GET11('/a'));
    client('GET /b');
    server('ICY 200 OK\r\n');
    client(GGA);
    expect(take()).toEqual(['next 6', 'stopped relayed', `current ${GGA.length} relayed`]);
  });

  it('the answer is read once: a later ICY line in the server bytes changes nothing', () => {
    const { client, server, take } = follow(GET10);
    server('HTTP/1.0 200 OK\r\n\r\n');
    server('ICY 200 OK\r\n');
    client(GGA);
    expect(take()).toEqual(['stopped closed', `current ${GGA.length}`]);
  });
});

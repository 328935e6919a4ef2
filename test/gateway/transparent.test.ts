/**
 * The transparent fronts in the sans-IO core: connections named by a real ClientHello (made by
 * Node's OpenSSL and caught on a local socket, not built here) or by an HTTP Host field, routed to
 * the NAME on the listener's fixed port, refused without a name. The playbook style of
 * connection.test.ts, with a TLS or HTTP front.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import type { Front } from '../../src/gateway/core/front.js';
import { HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import { realClientHello } from './client-hello.js';
import { kinds, policyWith, T0, textOf } from './playbook.js';

class Transparent {
  readonly gate: EgressGate;
  readonly conn: ProxyConnection;
  readonly out: ProxyCommand[] = [];
  constructor(policy: Policy, front: Front) {
    this.gate = new EgressGate(policy);
    this.conn = new ProxyConnection('t1', '192.168.77.2:40000', T0, {
      gate: this.gate,
      mode: () => policy.network.mode,
      maxHeaderBytes: policy.gateway.maxHeaderBytes,
      front,
    });
  }
  feed(e: ProxyEvent): ProxyCommand[] {
    const c = this.conn.handle(e, T0);
    this.out.push(...c);
    return c;
  }
  client(b: Uint8Array | string): ProxyCommand[] {
    return this.feed({ type: 'client-data', data: typeof b === 'string' ? Buffer.from(b, 'latin1') : b });
  }
  rows() {
    return this.out.flatMap((c) => (c.type === 'log' ? [c.row] : []));
  }
}

const ALLOW = [
  { host: 'files.example' },
  { host: 'up.example', budget: { upstreamBytesPerConnection: 600 } },
];
const oneWay = () => policyWith({ mode: 'one-way', allow: ALLOW });

let helloFiles: Buffer;
let helloElsewhere: Buffer;
let helloNoSni: Buffer;
let helloUp: Buffer;
beforeAll(async () => {
  [helloFiles, helloElsewhere, helloNoSni, helloUp] = await Promise.all([
    realClientHello('files.example'),
    realClientHello('flightrecords.example'),
    realClientHello(''),
    realClientHello('up.example'),
  ]);
});

describe('transparent TLS front (SNI)', () => {
  it('routes by SNI to the resolved NAME on 443 and sends the ClientHello up unchanged', () => {
    const t = new Transparent(oneWay(), TLS_FRONT);
    expect(t.client(helloFiles)).toEqual([{ type: 'resolve', host: 'files.example' }]);
    // Whatever address the client aimed at, the upstream is the gateway's answer for the name.
    expect(t.feed({ type: 'resolved', addresses: ['198.18.0.20'] })).toEqual([
      { type: 'open-upstream', ip: '198.18.0.20', port: 443 },
    ]);
    const up = t.feed({ type: 'upstream-connected' });
    expect(kinds(up)).toEqual(['send-to-upstream', 'pass-down']);
    expect(Buffer.from((up[0] as { data: Uint8Array }).data).equals(helloFiles)).toBe(true);
    t.feed({ type: 'upstream-closed' });
    expect(t.rows()[0]).toMatchObject({
      name: 'files.example',
      verdict: 'allow',
      port: 443,
      bytesUp: helloFiles.length,
    });
  });

  it('a ClientHello split byte by byte is read the same', () => {
    const t = new Transparent(oneWay(), TLS_FRONT);
    for (let i = 0; i < helloFiles.length - 1; i++)
      expect(t.client(helloFiles.subarray(i, i + 1))).toEqual([]);
    expect(t.client(helloFiles.subarray(-1))).toEqual([{ type: 'resolve', host: 'files.example' }]);
  });

  it('a name off the allowlist is closed without a word (a TLS client cannot read HTTP) and logged', () => {
    const t = new Transparent(oneWay(), TLS_FRONT);
    expect(kinds(t.client(helloElsewhere))).toEqual(['log', 'close']);
    expect(t.rows()[0]).toMatchObject({
      verdict: 'block',
      reason: 'not-allowlisted',
      name: 'flightrecords.example',
    });
  });

  it('a ClientHello without SNI is refused as no-name in every mode, monitor included', () => {
    for (const mode of ['one-way', 'sealed', 'monitor'] as const) {
      const t = new Transparent(policyWith({ mode, allow: ALLOW }), TLS_FRONT);
      expect(kinds(t.client(helloNoSni))).toEqual(['log', 'close']);
      expect(t.rows()[0]).toMatchObject({ verdict: 'block', reason: 'no-name', mode });
    }
  });

  it('garbage on the TLS port is refused as not-tls; an oversized hello as header-too-large', () => {
    const t = new Transparent(oneWay(), TLS_FRONT);
    expect(kinds(t.client('GET / HTTP/1.1\r\n\r\n'))).toEqual(['log', 'close']);
    expect(t.rows()[0]).toMatchObject({ reason: 'not-tls' });
    const big = new Transparent(policyWith({ mode: 'one-way', allow: ALLOW }, 1024), TLS_FRONT);
    // A record header announcing 16 KiB: still 'need' at 1 KiB, refused past the limit.
    const head = Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0, 0x3f, 0xfc]);
    expect(big.client(Buffer.concat([head, Buffer.alloc(1100)]))).toEqual([
      expect.objectContaining({ type: 'log' }),
      { type: 'close' },
    ]);
    expect(big.rows()[0]).toMatchObject({ reason: 'header-too-large' });
  });

  it('budgets apply as on the proxy: the byte at the budget passes, the next is cut', () => {
    const t = new Transparent(oneWay(), TLS_FRONT);
    t.client(helloUp);
    t.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    t.feed({ type: 'upstream-connected' });
    const left = 600 - helloUp.length;
    expect(left).toBeGreaterThan(0);
    const cmds = t.client(Buffer.alloc(left + 1));
    expect(
      cmds
        .filter((c) => c.type === 'send-to-upstream')
        .reduce((n, c) => n + (c as { data: Uint8Array }).data.length, 0),
    ).toBe(left);
    expect(t.rows()[0]).toMatchObject({ cut: 'connection-budget', bytesUp: 600 });
  });
});

describe('transparent HTTP front (Host)', () => {
  it('routes by Host to the NAME on port 80, whatever port the Host names', () => {
    const t = new Transparent(oneWay(), HTTP_FRONT);
    expect(t.client('GET /tile?z=1 HTTP/1.1\r\nHost: files.example:8080\r\n\r\n')).toEqual([
      { type: 'resolve', host: 'files.example' },
    ]);
    expect(t.feed({ type: 'resolved', addresses: ['198.18.0.10'] })).toEqual([
      {
        type: 'open-upstream',
        ip: '198.18.0.10',
        port: 80,
        pool: { key: 'files.example|198.18.0.10|80', reuse: true },
      },
    ]);
    // HTTP/1.1 with no body: the upstream connection may stay open for the pool.
    expect(textOf(t.feed({ type: 'upstream-connected' }), 'send-to-upstream')).toBe(
      'GET /tile?z=1 HTTP/1.1\r\nHost: files.example:8080\r\n\r\n',
    );
  });

  it('no Host is refused with 403 no-name; an IP literal Host is judged as nameless', () => {
    const t = new Transparent(oneWay(), HTTP_FRONT);
    expect(textOf(t.client('GET / HTTP/1.0\r\n\r\n'), 'send-to-client')).toContain(
      'X-Airlock-Reason: no-name',
    );
    const lit = new Transparent(oneWay(), HTTP_FRONT);
    expect(textOf(lit.client('GET / HTTP/1.1\r\nHost: 198.18.0.10\r\n\r\n'), 'send-to-client')).toContain(
      'X-Airlock-Reason: no-name',
    );
    expect(lit.rows()[0]).toMatchObject({ verdict: 'block', reason: 'no-name', ip: '198.18.0.10' });
  });

  it('CONNECT on the transparent HTTP port is a bad request', () => {
    const t = new Transparent(oneWay(), HTTP_FRONT);
    expect(textOf(t.client('CONNECT files.example:443 HTTP/1.1\r\n\r\n'), 'send-to-client')).toMatch(
      /^HTTP\/1\.1 400 /,
    );
  });
});

/**
 * The transparent fronts in the sans-IO core: connections named by a real ClientHello (made by
 * Node's OpenSSL and caught on a local socket, not built here) or by an HTTP Host field, routed to
 * the NAME on the listener's fixed port, refused without a name. The playbook style of
 * connection.test.ts, with a TLS or HTTP front.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import type { Front } from '../../src/gateway/core/front.js';
import { extraPortFront, HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
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
  { host: 'rtk.example', ports: [2101, 5443], budget: { upstreamBytesPerConnection: 700 } },
];
const oneWay = () => policyWith({ mode: 'one-way', allow: ALLOW });

let helloFiles: Buffer;
let helloElsewhere: Buffer;
let helloNoSni: Buffer;
let helloUp: Buffer;
let helloRtk: Buffer;
beforeAll(async () => {
  [helloFiles, helloElsewhere, helloNoSni, helloUp, helloRtk] = await Promise.all([
    realClientHello('files.example'),
    realClientHello('flightrecords.example'),
    realClientHello(''),
    realClientHello('up.example'),
    realClientHello('rtk.example'),
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

describe('transparent front for the extra ports (first byte: TLS or HTTP)', () => {
  it('a TLS record is named by SNI and routed to the NAME on the port the client aimed at', () => {
    const t = new Transparent(oneWay(), extraPortFront(5443));
    expect(t.client(helloRtk)).toEqual([{ type: 'resolve', host: 'rtk.example' }]);
    expect(t.feed({ type: 'resolved', addresses: ['198.18.0.20'] })).toEqual([
      { type: 'open-upstream', ip: '198.18.0.20', port: 5443 },
    ]);
    const up = t.feed({ type: 'upstream-connected' });
    expect(kinds(up)).toEqual(['send-to-upstream', 'pass-down']);
    expect(Buffer.from((up[0] as { data: Uint8Array }).data).equals(helloRtk)).toBe(true);
    t.feed({ type: 'upstream-closed' });
    expect(t.rows()[0]).toMatchObject({ name: 'rtk.example', verdict: 'allow', port: 5443 });
  });

  it('HTTP is named by Host and routed to the NAME on the port the client aimed at, whatever the Host says', () => {
    const t = new Transparent(oneWay(), extraPortFront(2101));
    const head = 'GET /MOUNT1 HTTP/1.1\r\nHost: rtk.example:9999\r\nNtrip-Version: Ntrip/2.0\r\n\r\n';
    expect(t.client(head)).toEqual([{ type: 'resolve', host: 'rtk.example' }]);
    expect(t.feed({ type: 'resolved', addresses: ['198.18.0.20'] })).toEqual([
      {
        type: 'open-upstream',
        ip: '198.18.0.20',
        port: 2101,
        pool: { key: 'rtk.example|198.18.0.20|2101', reuse: true },
      },
    ]);
    expect(textOf(t.feed({ type: 'upstream-connected' }), 'send-to-upstream')).toBe(head);
  });

  it('a first byte split from the rest is read the same (the sniff waits for bytes)', () => {
    const t = new Transparent(oneWay(), extraPortFront(5443));
    expect(t.client(new Uint8Array(0))).toEqual([]);
    for (let i = 0; i < helloRtk.length - 1; i++) expect(t.client(helloRtk.subarray(i, i + 1))).toEqual([]);
    expect(t.client(helloRtk.subarray(-1))).toEqual([{ type: 'resolve', host: 'rtk.example' }]);
  });

  it('an allowlisted name on a port its entry does not list is refused port-not-allowed, never resolved', () => {
    const h = new Transparent(oneWay(), extraPortFront(2101));
    const out = h.client('GET / HTTP/1.1\r\nHost: files.example\r\n\r\n');
    expect(kinds(out)).toEqual(['send-to-client', 'log', 'close']);
    expect(textOf(out, 'send-to-client')).toMatch(
      /^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: port-not-allowed/,
    );
    expect(h.rows()[0]).toMatchObject({
      verdict: 'block',
      reason: 'port-not-allowed',
      name: 'files.example',
      port: 2101,
    });
    // On TLS: closed without a word (a TLS client cannot read HTTP), the same reason logged.
    const t = new Transparent(oneWay(), extraPortFront(2101));
    expect(kinds(t.client(helloFiles))).toEqual(['log', 'close']);
    expect(t.rows()[0]).toMatchObject({ reason: 'port-not-allowed', name: 'files.example', port: 2101 });
  });

  it('no name is refused in every mode; bytes that are neither TLS nor HTTP are refused', () => {
    for (const mode of ['one-way', 'sealed', 'monitor'] as const) {
      const t = new Transparent(policyWith({ mode, allow: ALLOW }), extraPortFront(5443));
      expect(kinds(t.client(helloNoSni))).toEqual(['log', 'close']);
      expect(t.rows()[0]).toMatchObject({ verdict: 'block', reason: 'no-name', port: 0, mode });
      const h = new Transparent(policyWith({ mode, allow: ALLOW }), extraPortFront(2101));
      expect(textOf(h.client('GET / HTTP/1.0\r\n\r\n'), 'send-to-client')).toContain(
        'X-Airlock-Reason: no-name',
      );
    }
    // MQTT's CONNECT packet: not TLS, so read as HTTP and refused as a bad request, its bytes logged escaped.
    const mqtt = new Transparent(oneWay(), extraPortFront(2101));
    const out = mqtt.client(
      Buffer.from([0x10, 0x12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 6, 0x0d, 0x0a]),
    );
    expect(textOf(out, 'send-to-client')).toMatch(/^HTTP\/1\.1 400 /);
    expect(mqtt.rows()[0]).toMatchObject({
      reason: 'bad-request',
      request: expect.stringContaining('\\x10'),
    });
    // A TLS record that is no ClientHello: not-tls, closed without a word, no "request line" of binary.
    const alert = new Transparent(oneWay(), extraPortFront(5443));
    const bad = Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0]);
    expect(kinds(alert.client(bad))).toEqual(['log', 'close']);
    expect(alert.rows()[0]).toMatchObject({ reason: 'not-tls' });
    expect(alert.rows()[0]?.request).toBeUndefined();
  });

  it('the upload budget holds on an extra port as on 443', () => {
    const t = new Transparent(oneWay(), extraPortFront(5443));
    t.client(helloRtk);
    t.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    t.feed({ type: 'upstream-connected' });
    const left = 700 - helloRtk.length;
    expect(left).toBeGreaterThan(0);
    const cmds = t.client(Buffer.alloc(left + 1));
    expect(
      cmds
        .filter((c) => c.type === 'send-to-upstream')
        .reduce((n, c) => n + (c as { data: Uint8Array }).data.length, 0),
    ).toBe(left);
    expect(t.rows()[0]).toMatchObject({ cut: 'connection-budget', bytesUp: 700, port: 5443 });
  });
});

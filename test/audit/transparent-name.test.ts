/**
 * How the audit names a plain-HTTP request or a TLS connection to an egress address
 * (src/net/app/transparent-name.ts): exactly as the gateway's transparent fronts do. The fronts
 * (gateway/core/transparent-head.ts) are the oracle, head by head: a name, an IP literal judged by
 * its address with no name, or no name at all (no Host; no SNI, or one that is no host name),
 * refused before the gate with the front's reason and detail. Heads a front refuses for their
 * framing, form or size are not compared here: the audit reads them before naming them
 * (src/net/app/transparent-front.ts), held to the fronts by transparent-front.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeadOutcome } from '../../src/gateway/core/front.js';
import { HTTP_FRONT, TLS_FRONT } from '../../src/gateway/core/transparent-head.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';
import { readClientHelloRecords } from '../../src/net/app/tls-client-hello.js';
import { helloName, requestName } from '../../src/net/app/transparent-name.js';
import { realClientHello } from '../gateway/client-hello.js';

const HEADS = [
  'GET / HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: FILES.test:8080\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: 198.18.0.7\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: 198.18.0.7:80\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: [2001:DB8::1]\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: 198.18.0\r\n\r\n',
  'GET / HTTP/1.1\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: \r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a b\r\n\r\n',
  'GET http://198.18.0.7/x HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'GET http://files.test/x HTTP/1.1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: up.test\r\nContent-Length: 3\r\n\r\n',
  // Refused by the front for their framing or form: not compared.
  'CONNECT files.test:443 HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
];

type Answer = ReturnType<typeof requestName> | 'other refusal' | 'not a head';

/** What the gateway's transparent HTTP front makes of `text`, in the audit's terms. */
function gateway(text: string): Answer {
  return inAuditTerms(HTTP_FRONT.readHead(Buffer.from(text, 'latin1'), 32 * 1024));
}

/** A front's outcome as the audit's answer. */
function inAuditTerms(o: HeadOutcome): Answer {
  if (o.kind === 'need') return 'not a head';
  if (o.kind === 'refuse')
    return o.reason === 'no-name'
      ? { kind: 'refused', reason: 'no-name', detail: o.detail ?? '' }
      : 'other refusal';
  return o.target.name === undefined
    ? { kind: 'address', ip: o.target.host }
    : { kind: 'name', name: o.target.name };
}

function audit(text: string): Answer {
  const d = readHttpRequestHead(Buffer.from(text, 'latin1'));
  return d.kind === 'value' ? requestName(d.value) : 'not a head';
}

const compared = (text: string): boolean => gateway(text) !== 'other refusal';

describe('requestName', () => {
  it('names, addresses and refuses what the gateway front does, head by head', () => {
    for (const text of HEADS.filter(compared)) expect([text, audit(text)]).toEqual([text, gateway(text)]);
    // The list reaches every answer (so agreement is not agreement on little).
    const kinds = HEADS.filter(compared).map((t) => {
      const a = audit(t);
      return typeof a === 'string' ? a : a.kind;
    });
    expect(new Set(kinds)).toEqual(new Set(['name', 'address', 'refused']));
    expect(HEADS.map(audit)).toContainEqual({ kind: 'address', ip: '2001:db8::1' });
    expect(HEADS.filter((t) => !compared(t))).toHaveLength(2);
  });

  it('agrees with the gateway on generated Host fields (property)', () => {
    const host = fc.oneof(
      fc.constantFrom(
        'files.test',
        '198.18.0.7',
        '[2001:db8::1]',
        '[::ffff:1.2.3.4]',
        '1.2.3',
        'x_y.test',
        '',
      ),
      fc.stringMatching(/^[a-z0-9.:[\]-]{0,20}$/),
    );
    fc.assert(
      fc.property(
        fc.option(host, { nil: undefined }),
        fc.constantFrom('', ':80', ':8080', ':'),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
        (h, port, version) => {
          const field = h === undefined ? '' : `Host: ${h}${h ? port : ''}\r\n`;
          const text = `GET / ${version}\r\n${field}\r\n`;
          if (compared(text)) expect([text, audit(text)]).toEqual([text, gateway(text)]);
        },
      ),
      { numRuns: 400 },
    );
  });
});

/**
 * A TLS record holding a ClientHello whose server_name is `sni`'s bytes (none: no extension),
 * built by hand as scapy_frames.py does, so that any bytes can be put in it.
 */
function hello(sni: Uint8Array | undefined): Uint8Array {
  const u16 = (n: number) => [n >> 8, n & 0xff];
  const exts =
    sni === undefined
      ? []
      : [0, 0, ...u16(sni.length + 5), ...u16(sni.length + 3), 0, ...u16(sni.length), ...sni];
  const body = [3, 3, ...new Array(32).fill(0), 0, ...u16(2), 0x13, 0x01, 1, 0, ...u16(exts.length), ...exts];
  const hs = [1, 0, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 3, 1, ...u16(hs.length), ...hs]);
}

const tlsGateway = (bytes: Uint8Array): Answer => inAuditTerms(TLS_FRONT.readHead(bytes, 32 * 1024));

function tlsAudit(bytes: Uint8Array): Answer {
  const d = readClientHelloRecords(bytes);
  return d.kind === 'value' ? helloName(d.value) : 'not a head';
}

const SNIS: (string | undefined)[] = [
  'files.test',
  'FILES.Test',
  'files.test.',
  'x_y.test',
  '198.18.0.7',
  '10.0.0.1',
  '2001:db8::1',
  '2001:DB8::1',
  '::ffff:1.2.3.4',
  '[2001:db8::1]',
  '198.18.0',
  '1.2.3.4.5',
  undefined,
  '',
  'a b',
  'a..b',
  '.a',
  '-a.test',
  'files.test:443',
  'caf\u00e9.test',
  `${'a'.repeat(63)}.test`,
  `${'a'.repeat(64)}.test`,
  `${'a.'.repeat(126)}a`,
  `${'a.'.repeat(127)}a`,
];

describe('helloName', () => {
  it('names, addresses and refuses what the gateway TLS front does, SNI by SNI', () => {
    const answers = SNIS.map((s) => {
      const bytes = hello(s === undefined ? undefined : Buffer.from(s, 'utf8'));
      const a = tlsAudit(bytes);
      expect([s, a]).toEqual([s, tlsGateway(bytes)]);
      return a;
    });
    // The list reaches every answer, and both refusals (so agreement is not agreement on little).
    expect(new Set(answers.map((a) => (typeof a === 'string' ? a : a.kind)))).toEqual(
      new Set(['name', 'address', 'refused']),
    );
    const details = answers.flatMap((a) => (typeof a !== 'string' && a.kind === 'refused' ? [a.detail] : []));
    expect(new Set(details)).toEqual(new Set(['ClientHello without SNI', 'SNI is not a host name']));
    expect(answers).toContainEqual({ kind: 'address', ip: '2001:db8::1' });
    expect(answers).toContainEqual({ kind: 'name', name: 'files.test' });
  });

  it('reads real ClientHellos as the front does: no SNI, and an IP literal one (Node sends it)', async () => {
    for (const [servername, want] of [
      ['', { kind: 'refused', reason: 'no-name', detail: 'ClientHello without SNI' }],
      ['198.18.0.7', { kind: 'address', ip: '198.18.0.7' }],
      ['files.test', { kind: 'name', name: 'files.test' }],
    ] as const) {
      const bytes = await realClientHello(servername);
      expect([servername, tlsAudit(bytes), tlsGateway(bytes)]).toEqual([servername, want, want]);
    }
  });

  it('agrees with the gateway on generated SNI bytes (property)', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9_.:\-[\] ]{0,70}$/);
    const sni = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => Buffer.from(ls.join('.'), 'latin1')),
      fc.ipV4().map((ip) => Buffer.from(ip)),
      fc.ipV6().map((ip) => Buffer.from(ip)),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(fc.option(sni, { nil: undefined }), (s) => {
        const bytes = hello(s);
        expect(tlsAudit(bytes)).toEqual(tlsGateway(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

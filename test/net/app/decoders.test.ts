/**
 * Hand-built inputs for the edges the corpus does not reach: hostile DNS names, hellos split
 * across records and segments, proxy request forms, TCP reordering, QUIC CRYPTO reassembly.
 * Expected values come from the RFC texts (the A.2 ClientHello) and from the bytes written here.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DNS_TYPE, readDnsMessage, readDnsTcpMessage, resolutions } from '../../../src/net/app/dns.js';
import { readName } from '../../../src/net/app/dns-name.js';
import { readHttpRequestHead } from '../../../src/net/app/http-request.js';
import { QuicInitialAssembler } from '../../../src/net/app/quic/assembler.js';
import { applyHeaderProtection, headerProtectionMask } from '../../../src/net/app/quic/header-protection.js';
import { packetNonce } from '../../../src/net/app/quic/initial.js';
import { initialKeys, QUIC_V1 } from '../../../src/net/app/quic/initial-keys.js';
import { writeVarint } from '../../../src/net/app/quic/varint.js';
import { readStreamHead, StreamHeadCollector } from '../../../src/net/app/tcp-stream-head.js';
import { readClientHelloMessage, readClientHelloRecords } from '../../../src/net/app/tls-client-hello.js';
import { CLIENT_CRYPTO_FRAME, DCID } from './rfc-vectors.js';

const b = (...xs: (number | string | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(
    xs.flatMap((x) =>
      typeof x === 'number' ? [x] : typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [...x],
    ),
  );
const label = (s: string) => b(s.length, s);
const u16 = (v: number) => b(v >> 8, v & 0xff);

/** The RFC 9001 A.2 ClientHello handshake message (the CRYPTO frame's data: after 06 00 40f1). */
const HELLO = Buffer.from(CLIENT_CRYPTO_FRAME, 'hex').subarray(4);

function dnsHeader(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): Uint8Array {
  return b(u16(id), u16(flags), u16(qd), u16(an), u16(ns), u16(ar));
}

describe('DNS', () => {
  const question = b(label('www'), label('example'), label('com'), 0, u16(1), u16(1));
  // answer: www.example.com CNAME edge.example.net; edge.example.net A 192.0.2.7 and AAAA 2001:db8::7
  const msg = b(
    dnsHeader(0x1234, 0x8180, 1, 3),
    question,
    0xc0,
    12,
    u16(DNS_TYPE.CNAME),
    u16(1),
    0,
    0,
    0,
    60,
    u16(18),
    label('edge'),
    label('example'),
    label('net'),
    0,
    0xc0,
    45,
    u16(DNS_TYPE.A),
    u16(1),
    0,
    0,
    0,
    60,
    u16(4),
    192,
    0,
    2,
    7,
    0xc0,
    45,
    u16(DNS_TYPE.AAAA),
    u16(1),
    0,
    0,
    0,
    60,
    u16(16),
    0x20,
    0x01,
    0x0d,
    0xb8,
    ...new Array(11).fill(0),
    7,
  );

  it('follows a CNAME chain to the addresses, through compression pointers', () => {
    const d = readDnsMessage(msg);
    expect(d.kind).toBe('value');
    if (d.kind !== 'value') return;
    expect(d.value.questions).toEqual([{ name: 'www.example.com', type: 1, class: 1 }]);
    expect(d.value.rcode).toBe(0);
    expect(resolutions(d.value)).toEqual([
      { name: 'www.example.com', via: ['edge.example.net'], addresses: ['192.0.2.7', '2001:db8::7'] },
    ]);
  });

  it('reads DNS over TCP: need until the length prefix and message are there, then the length with prefix', () => {
    const framed = b(u16(msg.length), msg, u16(msg.length), msg);
    expect(readDnsTcpMessage(framed.subarray(0, 1)).kind).toBe('need');
    expect(readDnsTcpMessage(framed.subarray(0, msg.length)).kind).toBe('need');
    const first = readDnsTcpMessage(framed);
    expect(first.kind === 'value' && first.value.length).toBe(msg.length + 2);
    const second = readDnsTcpMessage(framed, msg.length + 2);
    expect(second.kind === 'value' && second.value.questions[0]!.name).toBe('www.example.com');
  });

  it('does not hang on a compression pointer to itself', () => {
    const loop = b(dnsHeader(1, 0, 1, 0), 0xc0, 12, u16(1), u16(1));
    const d = readDnsMessage(loop);
    expect(d.kind).toBe('malformed');
    expect(d.kind !== 'value' && d.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });

  it('does not hang on two pointers pointing at each other', () => {
    const loop = b(dnsHeader(1, 0, 1, 0), 0xc0, 14, 0xc0, 12, u16(1), u16(1));
    expect(readDnsMessage(loop).kind).toBe('malformed');
  });

  it('rejects a name longer than 255 octets built from pointers', () => {
    // 63-byte label followed by a pointer back to itself grows the name on each jump.
    const big = b(dnsHeader(1, 0, 1, 0), 63, 'a'.repeat(63), 0xc0, 12, u16(1), u16(1));
    const d = readDnsMessage(big);
    expect(d.kind !== 'value' && d.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });

  it('escapes a dot and a NUL inside a label so they cannot forge a name', () => {
    const n = readName(b(5, 'a.b', 0, 'c', 0), 0);
    expect(n.name).toBe('a\\046b\\000c');
  });

  it('reads the mDNS cache-flush and QU bits apart from the class', () => {
    const m = b(
      dnsHeader(0, 0x8400, 1, 1),
      label('host'),
      label('local'),
      0,
      u16(1),
      u16(0x8001),
      0xc0,
      12,
      u16(1),
      u16(0x8001),
      0,
      0,
      0,
      120,
      u16(4),
      10,
      0,
      0,
      9,
    );
    const d = readDnsMessage(m, { mdns: true });
    expect(d.kind === 'value' && d.value.questions[0]).toEqual({
      name: 'host.local',
      type: 1,
      class: 1,
      unicastResponse: true,
    });
    expect(d.kind === 'value' && d.value.records[0]!.cacheFlush).toBe(true);
    expect(d.kind === 'value' && d.value.records[0]!.class).toBe(1);
  });

  it('reads the target, ALPN and address hints of an HTTPS record', () => {
    const rdata = b(
      u16(1),
      0,
      u16(1),
      u16(6),
      label('h3'),
      label('h2'),
      u16(4),
      u16(4),
      192,
      0,
      2,
      1,
      u16(5),
      u16(2),
      0,
      0,
    );
    const m = b(
      dnsHeader(2, 0x8180, 1, 1),
      label('example'),
      label('com'),
      0,
      u16(65),
      u16(1),
      0xc0,
      12,
      u16(65),
      u16(1),
      0,
      0,
      0,
      60,
      u16(rdata.length),
      rdata,
    );
    const d = readDnsMessage(m);
    expect(d.kind === 'value' && d.value.records[0]!.data).toEqual({
      kind: 'svcb',
      priority: 1,
      target: '',
      alpn: ['h3', 'h2'],
      ipv4hint: ['192.0.2.1'],
      ipv6hint: [],
      ech: true,
    });
  });

  it('takes an A record with a wrong length for malformed, naming its offset', () => {
    const m = b(dnsHeader(3, 0x8180, 0, 1), 0, u16(1), u16(1), 0, 0, 0, 1, u16(3), 1, 2, 3);
    const d = readDnsMessage(m, { base: 1000 });
    expect(d.kind).toBe('malformed');
    expect(d.kind !== 'value' && d.error.offset).toBe(1000 + 12 + 11);
  });
});

describe('TLS ClientHello', () => {
  const record = (payload: Uint8Array) => b(22, 3, 1, u16(payload.length), payload);

  it('reads the RFC 9001 A.2 hello: SNI, ALPN, versions, QUIC parameters', () => {
    const d = readClientHelloMessage(HELLO);
    expect(d.kind).toBe('value');
    if (d.kind !== 'value') return;
    expect(d.value).toMatchObject({
      sni: 'example.com',
      alpn: ['alpn'],
      versions: [0x0304],
      ech: false,
      quic: true,
    });
    expect(
      Buffer.from(HELLO.subarray(d.value.sniRange!.offset, d.value.sniRange!.offset + 11)).toString(),
    ).toBe('example.com');
  });

  it('needs more bytes at every cut of the message, never calls it malformed', () => {
    for (let cut = 0; cut < HELLO.length; cut++)
      expect(readClientHelloMessage(HELLO.subarray(0, cut)).kind).toBe('need');
  });

  it('reads a hello spread over three records, and needs more at every cut of them', () => {
    const parts = [HELLO.subarray(0, 3), HELLO.subarray(3, 100), HELLO.subarray(100)];
    const stream = b(...parts.map(record));
    const d = readClientHelloRecords(stream);
    expect(d.kind === 'value' && d.value.sni).toBe('example.com');
    expect(d.kind === 'value' && d.value.length).toBe(stream.length);
    for (let cut = 0; cut < stream.length; cut++)
      expect(readClientHelloRecords(stream.subarray(0, cut)).kind).toBe('need');
  });

  it('reports encrypted_client_hello and keeps the outer name', () => {
    // Append an ECH extension (0xfe0d, outer type 0) to the hello's extension block.
    const ext = b(0xfe, 0x0d, u16(1), 0);
    const body = Buffer.from(HELLO);
    const extLenAt = HELLO.length - 0xc0 - 2;
    const hello = b(body.subarray(0, extLenAt), u16(0xc0 + ext.length), body.subarray(extLenAt + 2), ext);
    hello[1] = 0;
    hello[2] = (hello.length - 4) >> 8;
    hello[3] = (hello.length - 4) & 0xff;
    const d = readClientHelloMessage(hello);
    expect(d.kind === 'value' && d.value.ech).toBe(true);
    expect(d.kind === 'value' && d.value.sni).toBe('example.com');
  });

  it('calls a non-handshake record malformed at once', () => {
    expect(readClientHelloRecords(b(23, 3, 3, 0, 5, 1, 2, 3, 4, 5)).kind).toBe('malformed');
  });

  it('refuses a handshake length beyond the limit without waiting for 16 MiB', () => {
    const d = readClientHelloMessage(b(1, 0xff, 0xff, 0xff));
    expect(d.kind !== 'value' && d.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });
});

describe('HTTP/1 request head', () => {
  it('reads an absolute-URI proxy request: the URI names the destination', () => {
    const d = readHttpRequestHead(b('GET http://Bro.org:8080/x HTTP/1.1\r\nHost: bro.org\r\n\r\n'));
    expect(d.kind === 'value' && d.value).toMatchObject({
      form: 'absolute',
      hostHeader: 'bro.org',
      authority: { host: 'bro.org', port: 8080 },
    });
  });

  it('reads a CONNECT authority with an IPv6 literal', () => {
    const d = readHttpRequestHead(b('CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n'));
    expect(d.kind === 'value' && d.value.authority).toEqual({ host: '2001:db8::1', port: 443 });
  });

  it('needs more until the empty line, and calls binary bytes malformed at once', () => {
    expect(readHttpRequestHead(b('GET / HTTP/1.1\r\nHost: a')).kind).toBe('need');
    expect(readHttpRequestHead(b(0x16, 3, 1)).kind).toBe('malformed');
  });

  it('refuses two Host fields (a request smuggling vector)', () => {
    expect(readHttpRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).kind).toBe('malformed');
  });

  it('reads fields line by line as split(/\\r?\\n/) would, CR LF or bare LF (property)', () => {
    const name = fc.string({ unit: fc.constantFrom(...'abcXYZ-_!~09'), minLength: 1, maxLength: 12 });
    const value = fc.string({ unit: fc.constantFrom(...'ab :;,\t\r'), maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 10 }),
        fc.boolean(),
        (fields, lf) => {
          const eol = (bare: boolean) => (bare ? '\n' : '\r\n');
          const text = `GET / HTTP/1.1${eol(lf)}${fields.map(([n, v, bare]) => `${n}:${v}${eol(bare)}`).join('')}${eol(lf)}`;
          const d = readHttpRequestHead(b(text));
          const lines = text.split(/\r?\n/);
          const want = lines.slice(1, lines.indexOf('', 1)).map((l) => ({
            name: l.slice(0, l.indexOf(':')),
            value: l.slice(l.indexOf(':') + 1).trim(),
          }));
          // A value ending in CR before its LF loses that CR to the line end, as in split.
          if (want.filter((h) => h.name.toLowerCase() === 'host').length > 1)
            expect(d.kind).toBe('malformed');
          else expect(d.kind === 'value' && d.value.headers).toEqual(want);
          if (d.kind === 'value') expect(d.value.length).toBe(text.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names the offset of a malformed field line', () => {
    const text = 'GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n bad: 3\r\n\r\n';
    const d = readHttpRequestHead(b(text), 100);
    expect(d.kind === 'malformed' && d.error.offset).toBe(100 + text.indexOf(' bad'));
  });

  it('gives up on a head that never ends at the size limit', () => {
    const d = readHttpRequestHead(b('GET / HTTP/1.1\r\nX: ', 'a'.repeat(70_000)));
    expect(d.kind !== 'value' && d.error.code).toBe('AIRLOCK_ERR_LIMIT');
  });
});

describe('TCP stream head', () => {
  const stream = b('CONNECT example.com:443 HTTP/1.1\r\n\r\n', 22, 3, 1, u16(HELLO.length), HELLO);

  it('reads the SNI inside a CONNECT tunnel', () => {
    const d = readStreamHead(stream);
    expect(
      d.kind === 'value' &&
        d.value.kind === 'http' &&
        d.value.tunnel?.kind === 'value' &&
        d.value.tunnel.value,
    ).toMatchObject({
      kind: 'tls',
      hello: { sni: 'example.com' },
    });
  });

  it('puts reordered, retransmitted segments in order, without the SYN in the capture', () => {
    const c = new StreamHeadCollector();
    const isn = 0xfffffff0; // the sequence numbers wrap inside the stream
    const cuts = [0, 10, 40, 200, stream.length];
    const segs = cuts.slice(1).map((end, i) => ({
      seq: (isn + cuts[i]!) >>> 0,
      flags: 0x18,
      payload: stream.subarray(cuts[i]!, end),
    }));
    c.push(segs[0]!);
    c.push(segs[2]!);
    c.push(segs[3]!);
    c.push(segs[2]!);
    const d = c.push(segs[1]!);
    expect(c.bytes.length).toBe(stream.length);
    expect(d.kind === 'value' && d.value.kind).toBe('http');
  });

  it('calls SSH "unknown" rather than malformed HTTP', () => {
    const d = readStreamHead(b('SSH-2.0-OpenSSH_9.2\r\n'));
    expect(d.kind === 'value' && d.value.kind).toBe('unknown');
  });
});

/** Builds a protected v1 client Initial holding `frames` (the write side, per RFC 9001 §5). */
function protect(
  frames: Uint8Array,
  pn: number,
  dcid = Buffer.from(DCID, 'hex'),
  keysDcid = dcid,
): Uint8Array {
  const k = initialKeys(QUIC_V1, keysDcid, 'client')!;
  const payload = b(frames, new Uint8Array(Math.max(0, 1162 - frames.length)));
  const header = b(
    0xc3,
    0,
    0,
    0,
    1,
    dcid.length,
    dcid,
    0,
    0,
    writeVarint(4 + payload.length + 16, 2),
    0,
    0,
    0,
    pn,
  );
  const c = createCipheriv('aes-128-gcm', k.key, packetNonce(k.iv, pn));
  c.setAAD(header);
  const ct = b(c.update(payload), c.final(), c.getAuthTag());
  const pnOffset = header.length - 4;
  applyHeaderProtection(header, pnOffset, headerProtectionMask(k.hp, ct.subarray(0, 16)));
  return b(header, ct);
}

describe('QUIC Initial assembler', () => {
  const crypto = (offset: number, data: Uint8Array) =>
    b(6, writeVarint(offset, 4), writeVarint(data.length, 2), data);

  it('reassembles a hello from CRYPTO frames out of order across two datagrams, skipping PING and ACK', () => {
    const a = new QuicInitialAssembler();
    const second = protect(b(1, crypto(150, HELLO.subarray(150)), 2, 0, 0, 0, 0), 1);
    const first = protect(b(crypto(40, HELLO.subarray(40, 150)), 1, crypto(0, HELLO.subarray(0, 60))), 0);
    expect(a.push(second).kind).toBe('need');
    const d = a.push(first);
    expect(d.kind === 'value' && d.value.sni).toBe('example.com');
    expect(a.cryptoPackets).toBe(2);
  });

  it('reads two Initials coalesced in one datagram', () => {
    const a = new QuicInitialAssembler();
    const d = a.push(
      b(protect(crypto(0, HELLO.subarray(0, 99)), 0), protect(crypto(99, HELLO.subarray(99)), 1)),
    );
    expect(d.kind === 'value' && d.value.alpn).toEqual(['alpn']);
    expect(a.initialPackets).toBe(2);
  });

  it('keeps the first DCID keys after the client moves to another DCID', () => {
    const a = new QuicInitialAssembler();
    a.push(protect(crypto(0, HELLO.subarray(0, 99)), 0));
    // A later Initial sent to the server's connection ID is still protected with the first keys.
    const moved = protect(
      crypto(99, HELLO.subarray(99)),
      1,
      Buffer.from('b8c1e2f2', 'hex'),
      Buffer.from(DCID, 'hex'),
    );
    expect(a.push(moved).kind).toBe('value');
  });

  it('says malformed for a datagram that is not QUIC', () => {
    expect(new QuicInitialAssembler().push(b('hello')).kind).toBe('malformed');
  });
});

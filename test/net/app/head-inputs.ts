/**
 * Client first bytes for the incremental-reading tests: real heads built here, the RFC 9001 A.2
 * ClientHello (rfc-vectors.ts) in several record framings, and hostile ones.
 */
import { CLIENT_CRYPTO_FRAME } from './rfc-vectors.js';

export const bytes = (...xs: (number | string | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(
    xs.flatMap((x) =>
      typeof x === 'number' ? [x] : typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [...x],
    ),
  );
const u16 = (v: number): Uint8Array => bytes(v >> 8, v & 0xff);

/** The RFC 9001 A.2 ClientHello handshake message (SNI example.com). */
export const HELLO: Uint8Array = Buffer.from(CLIENT_CRYPTO_FRAME, 'hex').subarray(4);
/** Where A.2's extensions length lies (its extension block is 0xc0 bytes, at the end). */
const EXT_LEN_AT = HELLO.length - 0xc0 - 2;

/** A.2's hello with a padding extension (RFC 7685, type 21) of `n` bytes appended: a large, valid hello. */
export function paddedHello(n: number): Uint8Array {
  const ext = bytes(0, 21, u16(n), new Uint8Array(n));
  const h = bytes(HELLO.subarray(0, EXT_LEN_AT), u16(0xc0 + ext.length), HELLO.subarray(EXT_LEN_AT + 2), ext);
  const body = h.length - 4;
  h[1] = body >> 16;
  h[2] = (body >> 8) & 0xff;
  h[3] = body & 0xff;
  return h;
}

/** A handshake message in TLS records of `size` payload bytes each (1: legal, hostile framing). */
export function inRecords(msg: Uint8Array, size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const p = msg.subarray(i, i + size);
    parts.push(bytes(22, 3, 1, u16(p.length), p));
  }
  return bytes(...parts);
}

const GET = 'GET /upload?id=7 HTTP/1.1\r\nHost: files.example\r\nUser-Agent: dji\r\nAccept: */*\r\n\r\n';

/** Named inputs, each a whole stream; the tests cut them into pieces. */
export const STREAMS: Record<string, Uint8Array> = {
  'a GET with Host': bytes(GET),
  'a GET then its body and the next request': bytes(
    GET.replace('Accept', 'Content-Length: 3\r\nAccept'),
    'abcGET / HTTP/1.1\r\n\r\n',
  ),
  'an absolute-URI proxy request': bytes(
    'POST http://files.example:8080/x HTTP/1.1\r\nHost: files.example:8080\r\nContent-Length: 0\r\n\r\n',
  ),
  'a bare-LF head': bytes('GET / HTTP/1.1\nHost: files.example\n\nrest'),
  'a head ending LF CR LF': bytes('GET / HTTP/1.1\r\nHost: a.example\n\r\n'),
  'CONNECT then an HTTP head': bytes(
    'CONNECT files.example:443 HTTP/1.1\r\nHost: files.example:443\r\n\r\n',
    GET,
  ),
  'CONNECT then a hello in 1-byte records': bytes(
    'CONNECT files.example:443 HTTP/1.1\r\n\r\n',
    inRecords(HELLO, 1),
  ),
  'CONNECT in CONNECT in CONNECT': bytes('CONNECT a.example:1 HTTP/1.1\r\n\r\n'.repeat(3), GET),
  'a CONNECT without a port': bytes('CONNECT files.example HTTP/1.1\r\n\r\n'),
  'two Host fields': bytes('GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n'),
  'a folded header line': bytes('GET / HTTP/1.1\r\nHost: a.example\r\n  folded\r\n\r\n'),
  'a bad method byte': bytes('GE\x01T / HTTP/1.1\r\n\r\n'),
  'a space first': bytes(' GET / HTTP/1.1\r\n\r\n'),
  'a method too long': bytes(`${'A'.repeat(30)} / HTTP/1.1\r\n\r\n`),
  'a head without its end': bytes(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(3000)}`),
  'PRI (HTTP/2 prior knowledge)': bytes('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  'binary bytes': bytes(0x00, 0x01, 0x02, 0xff, 'SSH'),
  SSH: bytes('SSH-2.0-OpenSSH_9.6\r\n'),
  'a hello in one record': inRecords(HELLO, HELLO.length),
  'a hello in three records': bytes(
    inRecords(HELLO.subarray(0, 3), 3),
    inRecords(HELLO.subarray(3, 100), 97),
    inRecords(HELLO.subarray(100), 1000),
  ),
  'a hello in 1-byte records': inRecords(HELLO, 1),
  'a hello in 7-byte records, then data': bytes(inRecords(HELLO, 7), 23, 3, 3, 0, 1, 0),
  'a padded hello of 3 kB in 1-byte records': inRecords(paddedHello(3000), 1),
  'a record of another type after the first': bytes(
    inRecords(HELLO.subarray(0, 10), 10),
    23,
    3,
    3,
    u16(5),
    1,
    2,
    3,
    4,
    5,
  ),
  'a record of version 4 after the first': bytes(
    inRecords(HELLO.subarray(0, 10), 10),
    22,
    4,
    1,
    u16(5),
    1,
    2,
    3,
    4,
    5,
  ),
  'an empty record': bytes(
    inRecords(HELLO.subarray(0, 2), 2),
    22,
    3,
    1,
    0,
    0,
    inRecords(HELLO.subarray(2), 50),
  ),
  'a record over the length limit': bytes(22, 3, 1, u16(0xffff), HELLO),
  'a handshake of another type': inRecords(bytes(2, HELLO.subarray(1)), 1),
  'a ClientHello length over the limit': inRecords(bytes(1, 0x7f, 0xff, 0xff, HELLO.subarray(4)), 2),
  'a hello whose body is malformed': inRecords(bytes(HELLO.subarray(0, 4), 2, 0, HELLO.subarray(6)), 5),
  'a TLS byte then not a record': bytes(22, 5, 0, 0),
};

/** Heads past the readers' size limits: cut in fewer pieces (the oracle rereads every step). */
export const LARGE_STREAMS: Record<string, Uint8Array> = {
  'a 70,000-byte head without its end': bytes(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(70_000)}`),
  'a 40,000-byte head ending': bytes(
    `GET / HTTP/1.1\r\nHost: a.example\r\nX-A: ${'a'.repeat(40_000)}\r\n\r\n`,
  ),
  'a padded hello of 40 kB in 100-byte records': inRecords(paddedHello(40_000), 100),
};

/** Random cuts of `n` bytes: pieces of 1 to `most` bytes, from a seeded generator. */
export function randomCuts(n: number, most: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
  const ends: number[] = [];
  for (let at = 0; at < n; ) {
    at = Math.min(n, at + 1 + Math.floor(next() * most));
    ends.push(at);
  }
  return ends;
}

/** Every way the tests cut a stream: one byte at a time, small and large random pieces, whole. */
export function cuttings(n: number, seed = 7): number[][] {
  return [
    Array.from({ length: n }, (_, i) => i + 1),
    randomCuts(n, 3, seed),
    randomCuts(n, 40, seed + 1),
    randomCuts(n, 700, seed + 2),
    [n],
  ];
}

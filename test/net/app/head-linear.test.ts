/**
 * Audit's name readers read a head sent one byte per TCP segment in time linear in its length:
 * each segment's bytes are read about once, not the whole head again per segment (which took
 * 4 s for a 64 kB head). The bounds leave the linear readers a wide margin and the quadratic
 * ones none.
 */
import { describe, expect, it } from 'vitest';
import { FrontHeadReader, TcpNameReader } from '../../../src/audit/name-reader.js';
import { RequestStream } from '../../../src/net/app/request-stream.js';
import { bytes, inRecords, paddedHello } from './head-inputs.js';

/** A head without its end: read until the 64 kB head limit refuses it. */
const ENDLESS = bytes(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(70_000)}`);
/** A 4 kB-padded ClientHello in 1-byte TLS records: about 25,000 bytes, 4,200 records. */
const TRICKLED_HELLO = inRecords(paddedHello(4000), 1);
/** New code: 30-160 ms each (two files in parallel); the old: 2.9-4.6 s. Room for a loaded CI machine. */
const BOUND_MS = 1500;

/** Pushes `stream` one byte per segment until the reader settles; the time taken and where. */
function trickle(
  r: { push: (s: { seq: number; flags: number; payload: Uint8Array }) => boolean },
  stream: Uint8Array,
) {
  const t0 = performance.now();
  r.push({ seq: 999, flags: 0x002, payload: new Uint8Array(0) });
  let at = 0;
  while (
    at < stream.length &&
    !r.push({ seq: 1000 + at, flags: 0x010, payload: stream.subarray(at, at + 1) })
  )
    at++;
  return { ms: performance.now() - t0, at };
}

describe('name readers fed one byte per segment do not go quadratic', () => {
  it('FrontHeadReader: a 64 kB HTTP head without its end', () => {
    const r = new FrontHeadReader('http', 65536);
    const { ms, at } = trickle(r, ENDLESS);
    expect(r.refusal()?.reason).toBe('header-too-large');
    expect(at).toBe(65535);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('TcpNameReader: a 64 kB HTTP head without its end', () => {
    const r = new TcpNameReader();
    const { ms, at } = trickle(r, ENDLESS);
    expect(at).toBe(65535);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('FrontHeadReader: a ClientHello in 1-byte TLS records', () => {
    const r = new FrontHeadReader('tls', 65536);
    const { ms, at } = trickle(r, TRICKLED_HELLO);
    expect(r.hello()?.sni).toBe('example.com');
    expect(at).toBe(TRICKLED_HELLO.length - 1);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('TcpNameReader: a ClientHello in 1-byte TLS records, and behind a CONNECT', () => {
    for (const stream of [
      TRICKLED_HELLO,
      bytes('CONNECT example.com:443 HTTP/1.1\r\n\r\n', TRICKLED_HELLO),
    ]) {
      const r = new TcpNameReader();
      const { ms, at } = trickle(r, stream);
      expect(r.evidence()).toMatchObject({ name: 'example.com', alpn: ['alpn'] });
      expect(at).toBe(stream.length - 1);
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });
});

describe('RequestStream fed a later head one byte per chunk does not go quadratic', () => {
  it('a 60 kB head of 15,000 short lines (the parser is asked at every LF)', () => {
    const later = bytes(`GET /b HTTP/1.1\r\nHost: files.example\r\n${'a:\r\n'.repeat(15_000)}\r\n`);
    const first = bytes('GET /a HTTP/1.1\r\nHost: files.example\r\n\r\n');
    const s = new RequestStream();
    const t0 = performance.now();
    const parts = [...s.feed(first)];
    for (let at = 0; at < later.length; at++) parts.push(...s.feed(later.subarray(at, at + 1)));
    const ms = performance.now() - t0;
    expect(parts.flatMap((p) => (p.kind === 'head' ? [p.head.target] : []))).toEqual(['/a']);
    // More header lines than a head may have: nothing from its end on is framed.
    expect(parts.at(-1)).toMatchObject({ kind: 'unframed', detail: expect.stringContaining('HTTP headers') });
    // New code ~100 ms, the old 1.46 s (its LF gate already spared it most rereading).
    expect(ms).toBeLessThan(1000);
  });
});

/**
 * The response side of one keep-alive exchange (core/http-exchange.ts) against RFC 9110 §7.6.1
 * read plainly: the client gets the upstream's status line and fields in order, minus the
 * hop-by-hop ones, with 'Connection: close' added exactly when its connection ends, then the body
 * untouched; however the upstream's bytes are cut into reads. The oracle splits the head into
 * text lines (as the gateway did before it read heads as bytes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/core/bytes.js';
import { HttpExchange } from '../../src/gateway/core/http-exchange.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection']);

function request(close: boolean) {
  const text = `GET /x HTTP/1.1\r\nHost: files.test\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
  const r = readHttpRequestHead(Buffer.from(text, 'latin1'));
  if (r.kind !== 'value') throw new Error('bad request fixture');
  return r.value;
}

/** What the client must receive, from the head as text lines. */
function oracle(
  head: string,
  body: Uint8Array,
  clientCloses: boolean,
): { bytes: Uint8Array; reusable: boolean } {
  const lines = head.split(/\r?\n/);
  const fields = lines.slice(1).filter((l) => l !== '');
  const name = (l: string) =>
    l
      .slice(0, Math.max(0, l.indexOf(':')))
      .trim()
      .toLowerCase();
  const kept = fields.filter((l) => !HOP.has(name(l)));
  const reusable = !clientCloses;
  if (!reusable) kept.push('Connection: close');
  return {
    bytes: concatBytes([Buffer.from(`${[lines[0], ...kept].join('\r\n')}\r\n\r\n`, 'latin1'), body]),
    reusable,
  };
}

const fieldName = fc.oneof(
  fc.constantFrom(
    'Connection',
    'connection',
    'Keep-Alive',
    'KEEP-ALIVE',
    'Proxy-Connection',
    'Date',
    'X-A',
    'Server',
  ),
  fc.constantFrom('Keep-Alive\t', '\u00a0Proxy-Connection', '\u000bkeep-alive', 'Connectio', 'Connections'),
  fc.string({ unit: fc.constantFrom(...'abcdefgXYZ-'), minLength: 1, maxLength: 18 }),
);
const fieldValue = fc.string({ unit: fc.constantFrom(...'abc xyz=;,09\t'), maxLength: 20 });
const response = fc.record({
  fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 300 }),
  lf: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  clientCloses: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

describe('HttpExchange response heads', () => {
  it('pass status and end-to-end fields in order, drop hop-by-hop ones, add close only when closing (property)', () => {
    fc.assert(
      fc.property(response, ({ fields, body, lf, clientCloses, cuts }) => {
        const eol = (i: number) => (lf[i % lf.length] ? '\n' : '\r\n');
        const lines = [
          'HTTP/1.1 200 OK',
          ...fields.map(([n, v]) => `${n}: ${v}`),
          `Content-Length: ${body.length}`,
        ];
        const head = `${lines.map((l, i) => l + eol(i)).join('')}${eol(lines.length)}`;
        // No field may say 'close' to the upstream side here: that is the upstream-reuse question, not this one.
        const bytes = concatBytes([Buffer.from(head, 'latin1'), body]);
        const x = new HttpExchange(request(clientCloses), 16384);
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const outs: Uint8Array[] = [];
        let prev = 0;
        for (const c of [...at, bytes.length]) {
          const r = x.takeResponse(bytes.subarray(prev, c));
          expect(r.error).toBeUndefined();
          outs.push(r.out);
          prev = c;
        }
        const want = oracle(head, body, clientCloses);
        expect(Buffer.from(concatBytes(outs)).toString('latin1')).toBe(
          Buffer.from(want.bytes).toString('latin1'),
        );
        expect(x.responseDone).toBe(true);
        expect(x.reusable).toBe(want.reusable);
      }),
      { numRuns: 3000 },
    );
  });

  it('a head with nothing to change reaches the client as the same bytes, not a copy', () => {
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc', 'latin1');
    const x = new HttpExchange(request(false), 16384);
    const r = x.takeResponse(bytes);
    expect(Buffer.from(r.out).toString('latin1')).toBe(bytes.toString('latin1'));
    expect(r.out.buffer).toBe(bytes.buffer);
    expect(r.done).toBe(true);
  });

  it('framing: the first Connection field decides upstream reuse; identical Content-Lengths are one', () => {
    const up = (head: string) => {
      const x = new HttpExchange(request(false), 16384);
      const r = x.takeResponse(Buffer.from(head, 'latin1'));
      return { x, r };
    };
    expect(
      up('HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').x
        .upstreamReusable,
    ).toBe(false);
    expect(
      up('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').x.upstreamReusable,
    ).toBe(true);
    const same = up('HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\na');
    expect(same.r).toMatchObject({ done: true });
    expect(same.x.upstreamReusable).toBe(true);
    expect(
      up('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n').r.done,
    ).toBe(true);
    expect(up('HTX/1.1 200 OK\r\n\r\n').r.error).toMatchObject({
      reason: 'bad-response',
      detail: 'not an HTTP/1 response',
    });
  });
});

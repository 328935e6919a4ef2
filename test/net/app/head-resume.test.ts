/**
 * Reading a client's first bytes as they arrive (HeadProgress, StreamHeadCollector, FrontHeadReader)
 * answers, at every piece, exactly what the whole-buffer readings (readHttpRequestHead,
 * readClientHelloRecords, readStreamHead, readFrontHead: the oracle) answer on all the bytes so far:
 * need / value / malformed / refused, the value, and the error's code, text and offset.
 */
import { describe, expect, it } from 'vitest';
import { FrontHeadReader } from '../../../src/audit/name-reader.js';
import { HeadProgress } from '../../../src/net/app/head-progress.js';
import { readHttpRequestHead } from '../../../src/net/app/http-request.js';
import { type RequestPart, RequestStream } from '../../../src/net/app/request-stream.js';
import {
  readStreamHead,
  type StreamHead,
  StreamHeadCollector,
  settled,
} from '../../../src/net/app/tcp-stream-head.js';
import { readClientHelloRecords } from '../../../src/net/app/tls-client-hello.js';
import { type FrontPort, readFrontHead, sniffFront } from '../../../src/net/app/transparent-front.js';
import type { Decoded } from '../../../src/net/decode/outcome.js';
import { bytes, cuttings, LARGE_STREAMS, randomCuts, STREAMS } from './head-inputs.js';

/** An outcome as compared: errors by code, text and offset (two Error objects are never equal). */
function norm(d: Decoded<unknown>): unknown {
  if (d.kind !== 'value')
    return { kind: d.kind, code: d.error.code, message: d.error.message, offset: d.error.offset };
  const v = d.value as StreamHead;
  if (v && typeof v === 'object' && 'kind' in v && v.kind === 'http' && v.tunnel)
    return { kind: 'value', value: { ...v, tunnel: norm(v.tunnel) } };
  return d;
}

/** Each input with the cuttings it is read in: one byte at a time only where the oracle stays cheap. */
const CASES: [string, Uint8Array, number[][]][] = [
  ...Object.entries(STREAMS).map(([name, s]): [string, Uint8Array, number[][]] => [
    name,
    s,
    s.length <= 4000 ? cuttings(s.length) : cuttings(s.length).slice(1),
  ]),
  ...Object.entries(LARGE_STREAMS).map(([name, s]): [string, Uint8Array, number[][]] => [
    name,
    s,
    [randomCuts(s.length, 900, 3), randomCuts(s.length, 5000, 4), [s.length]],
  ]),
];

const SYN = 0x002;
const ACK = 0x010;
const ISN = 0xfffffff0; // the sequence numbers wrap inside the head

describe('HeadProgress answers as the whole-buffer decoders at every piece', () => {
  for (const [name, stream, cuts] of CASES) {
    it(name, () => {
      for (const base of [0, 1234]) {
        for (const ends of cuts) {
          const p = new HeadProgress();
          for (const end of ends) {
            const b = stream.subarray(0, end);
            expect(norm(p.http(b, base)), `http at ${end}`).toEqual(norm(readHttpRequestHead(b, base)));
            expect(norm(p.hello(b, base)), `tls at ${end}`).toEqual(norm(readClientHelloRecords(b, base)));
          }
        }
      }
    });
  }
});

describe('StreamHeadCollector answers as readStreamHead on the bytes so far', () => {
  for (const [name, stream, cuts] of CASES) {
    it(name, () => {
      for (const ends of cuts) {
        const c = new StreamHeadCollector();
        c.push({ seq: ISN - 1, flags: SYN, payload: new Uint8Array(0) });
        // The old collector: readStreamHead on everything so far until settled, then that answer.
        let oracle: Decoded<StreamHead> | undefined;
        let from = 0;
        for (const end of ends) {
          const d = c.push({ seq: (ISN + from) >>> 0, flags: ACK, payload: stream.subarray(from, end) });
          from = end;
          if (!oracle || !settled(oracle)) oracle = readStreamHead(stream.subarray(0, end));
          expect(norm(d), `at ${end}`).toEqual(norm(oracle));
        }
      }
    });
  }
});

describe('readFrontHead with progress answers as without, and FrontHeadReader as readFrontHead', () => {
  for (const [name, stream, cuts] of CASES) {
    it(name, () => {
      for (const max of [100, 4096, 32768]) {
        for (const front of ['tls', 'http'] as FrontPort[]) {
          for (const ends of cuts) {
            const p = new HeadProgress();
            for (const end of ends) {
              const b = stream.subarray(0, end);
              expect(readFrontHead(front, b, max, p), `${front} ${max} at ${end}`).toEqual(
                readFrontHead(front, b, max),
              );
            }
          }
        }
        for (const kind of ['tls', 'http', 'extra'] as const) {
          const r = new FrontHeadReader(kind, max);
          r.push({ seq: ISN - 1, flags: SYN, payload: new Uint8Array(0) });
          let from = 0;
          for (const end of cuts[1]!) {
            const done = r.push({ seq: (ISN + from) >>> 0, flags: ACK, payload: stream.subarray(from, end) });
            from = end;
            const b = stream.subarray(0, end);
            const f = readFrontHead(kind === 'extra' ? sniffFront(b)! : kind, b, max);
            expect(done, `${kind} ${max} at ${end}`).toBe(f.kind !== 'need');
            expect(r.request()).toEqual(f.kind === 'http' ? f.head : undefined);
            expect(r.hello()).toEqual(f.kind === 'tls' ? f.hello : undefined);
            expect(r.refusal()).toEqual(f.kind === 'refused' ? f : undefined);
            if (done) break;
          }
        }
      }
    });
  }
});

describe('RequestStream finds the same requests however a keep-alive stream is cut', () => {
  const KEEP_ALIVE = bytes(
    'GET /a HTTP/1.1\r\nHost: files.example\r\n\r\n',
    'POST /b HTTP/1.1\r\nHost: files.example\r\nContent-Length: 5\r\n\r\nhello',
    'POST /c HTTP/1.1\r\nHost: files.example\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    `GET /d HTTP/1.1\r\nHost: files.example\r\nX-A: ${'a'.repeat(3000)}\r\n\r\n`,
    'GET /e HTTP/1.1\nHost: files.example\n\n',
    'GE\x01T /f HTTP/1.1\r\n\r\n',
  );
  /** The heads read with their bytes, bodies' bytes, and unframed bytes (a head's bytes before them included). */
  const summary = (parts: RequestPart[]) => {
    const heads: [string, number][] = [];
    let pending = 0;
    let body = 0;
    let unframed = 0;
    for (const p of parts) {
      if (p.kind === 'head-bytes') pending += p.bytes;
      else if (p.kind === 'head') {
        heads.push([p.head.target, pending + p.bytes]);
        pending = 0;
      } else if (p.kind === 'body') body += p.bytes;
      else {
        unframed += pending + p.bytes;
        pending = 0;
      }
    }
    return { heads, body, unframed, pending };
  };
  it('one byte at a time, random pieces, whole', () => {
    const whole = summary(new RequestStream().feed(KEEP_ALIVE));
    expect(whole.heads.map(([target]) => target)).toEqual(['/a', '/b', '/c', '/d', '/e']);
    for (const ends of cuttings(KEEP_ALIVE.length)) {
      const s = new RequestStream();
      let from = 0;
      const parts: RequestPart[] = [];
      for (const end of ends) {
        parts.push(...s.feed(KEEP_ALIVE.slice(from, end)));
        from = end;
      }
      expect(summary(parts)).toEqual(whole);
    }
  });
});

/**
 * Which requests the audit judges as forward-proxy requests (src/audit/proxy-request.ts): exactly
 * the ones the gateway's proxy front forwards, to the same host, name and port. The gateway's
 * front (gateway/core/proxy-head.ts) is the oracle, head by head.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proxyTarget } from '../../src/audit/proxy-request.js';
import { PROXY_FRONT } from '../../src/gateway/core/proxy-head.js';
import { readHttpRequestHead } from '../../src/net/app/http-request.js';

const HEADS = [
  'CONNECT files.test:443 HTTP/1.1\r\nHost: files.test:443\r\n\r\n',
  'CONNECT FILES.test:8883 HTTP/1.1\r\n\r\n',
  'CONNECT files.test HTTP/1.1\r\n\r\n',
  'CONNECT 198.18.7.7:443 HTTP/1.1\r\n\r\n',
  'CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n',
  'GET http://files.test/a HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'GET HTTP://files.test:8080/a HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET http://10.0.0.1/ HTTP/1.0\r\n\r\n',
  'GET https://files.test/ HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'GET ftp://files.test/ HTTP/1.1\r\n\r\n',
  'GET /a HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: files.test\r\n\r\n',
  'POST http://files.test/u HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST http://files.test/u HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n',
  'GET http://files.test/ HTTP/1.1\r\nX: a\x01b\r\n\r\n',
];

/** What the gateway's proxy front makes of `text`: its target, or that it refuses. */
function gateway(text: string) {
  const o = PROXY_FRONT.readHead(Buffer.from(text, 'latin1'), 32 * 1024);
  if (o.kind !== 'target') return o.kind;
  return {
    form: o.target.kind === 'connect' ? 'connect' : 'absolute',
    host: o.target.host,
    name: o.target.name,
    port: o.target.port,
  };
}

function audit(text: string) {
  const d = readHttpRequestHead(Buffer.from(text, 'latin1'));
  if (d.kind !== 'value') return 'refuse';
  const t = proxyTarget(d.value);
  return t ? { ...t } : 'refuse';
}

describe('proxyTarget', () => {
  it('takes what the gateway forwards and refuses what it refuses, head by head', () => {
    for (const text of HEADS) expect([text, audit(text)]).toEqual([text, gateway(text)]);
    // The list reaches both answers, each form, a literal and a default port.
    const answers = HEADS.map(audit);
    expect(answers.filter((a) => a === 'refuse').length).toBeGreaterThan(4);
    expect(answers).toContainEqual({ form: 'absolute', host: 'files.test', name: 'files.test', port: 80 });
    expect(answers).toContainEqual({ form: 'connect', host: '198.18.7.7', name: undefined, port: 443 });
  });

  it('agrees with the gateway on generated request lines (property)', () => {
    const target = fc.oneof(
      fc.constantFrom('files.test', 'a.b', '198.18.7.7', '[::1]', 'x_y.test').chain((h) =>
        fc.oneof(
          fc.constant(h),
          fc.integer({ min: 0, max: 70000 }).map((p) => `${h}:${p}`),
        ),
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'CONNECT', 'POST'),
        fc.constantFrom('', 'http://', 'https://', 'HTTP://', '/'),
        target,
        fc.constantFrom('', '/p', '?q'),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
        (method, scheme, t, path, version) => {
          const text = `${method} ${scheme}${t}${scheme ? path : ''} ${version}\r\n\r\n`;
          expect([text, audit(text)]).toEqual([text, gateway(text)]);
        },
      ),
      { numRuns: 400 },
    );
  });
});

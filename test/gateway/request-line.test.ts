/**
 * A request refused before its target was read keeps what its request line said in its row
 * (method and target, escaped, at most MAX_LINE bytes), shown by `log show` and the export.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LINE, requestLine } from '../../src/gateway/core/request-line.js';
import { flattenRow, renderLogLine } from '../../src/gateway/record/log-export.js';
import { Playbook, policyWith } from './playbook.js';

const refused = (head: string | Uint8Array, maxHeaderBytes = 4096) => {
  const pb = new Playbook(policyWith({ mode: 'one-way', allow: [{ host: 'up.example' }] }, maxHeaderBytes));
  pb.client(head);
  return pb.rows().at(-1)!;
};

describe('request line of refused requests', () => {
  it('records the line of not-proxy-request, bad-request, bad-framing, version-not-supported, header-too-large', () => {
    expect(refused('GET https://up.example/x HTTP/1.1\r\nHost: up.example\r\n\r\n')).toMatchObject({
      reason: 'not-proxy-request',
      request: 'GET https://up.example/x HTTP/1.1',
    });
    expect(refused('GET /origin-form HTTP/1.1\r\nHost: up.example\r\n\r\n').request).toBe(
      'GET /origin-form HTTP/1.1',
    );
    expect(refused('GET http://up.example/ HTTP/2.0\r\nHost: up.example\r\n\r\n')).toMatchObject({
      reason: 'version-not-supported',
      request: 'GET http://up.example/ HTTP/2.0',
    });
    expect(
      refused(
        'POST http://up.example/ HTTP/1.1\r\nHost: up.example\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      ),
    ).toMatchObject({ reason: 'bad-framing', request: 'POST http://up.example/ HTTP/1.1' });
    const big = refused(`GET http://up.example/${'a'.repeat(600)} HTTP/1.1\r\n`, 512);
    expect(big.reason).toBe('header-too-large');
    expect(big.request!.length).toBeLessThanOrEqual(MAX_LINE);
    expect(big.request!.endsWith('...')).toBe(true);
    const bad = refused(Buffer.from('G\x00T \x1b[2J\\ HTTP/1.1\r\n\r\n', 'latin1'));
    expect(bad.request).toBe('G\\x00T \\x1b[2J\\x5c HTTP/1.1');
  });

  it('a chunked body refused for its framing shows its line and destination', () => {
    const pb = new Playbook(policyWith({ mode: 'one-way', allow: [{ host: 'up.example' }] }));
    pb.client(
      'POST http://up.example/u HTTP/1.1\r\nHost: up.example\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    );
    expect(pb.rows().at(-1)).toMatchObject({
      reason: 'bad-framing',
      destination: 'up.example',
      request: 'POST http://up.example/u HTTP/1.1',
    });
  });

  it('a body refused for its framing while the upstream connects: the row keeps where it was going', () => {
    const pb = new Playbook(policyWith({ mode: 'one-way', allow: [{ host: 'up.example' }] }));
    pb.client('POST http://up.example/u HTTP/1.1\r\nHost: up.example\r\nTransfer-Encoding: chunked\r\n\r\n');
    pb.feed({ type: 'resolved', addresses: ['198.18.0.10'] });
    pb.client('zz\r\nhello\r\n');
    expect(pb.rows()).toHaveLength(1);
    expect(pb.rows()[0]).toMatchObject({
      destination: 'up.example',
      name: 'up.example',
      ip: '198.18.0.10',
      port: 80,
      verdict: 'allow',
      cut: 'bad-framing',
    });
  });

  it('is bounded and escaped byte by byte', () => {
    const all = Uint8Array.from({ length: 300 }, (_, i) => (i === 0 ? 0x47 : 0x7f));
    const line = requestLine(all)!;
    expect(line.length).toBeLessThanOrEqual(MAX_LINE);
    expect(line).toMatch(/^G(\\x7f)+\.\.\.$/);
    expect(requestLine(Buffer.from('\r\n'))).toBeUndefined();
  });

  it('is shown by log show and exported', () => {
    const row = refused('GET https://up.example/x HTTP/1.1\r\n\r\n');
    const c = { seq: 1, row, prevMac: '', mac: 'm' };
    expect(renderLogLine(c)).toContain('request: GET https://up.example/x HTTP/1.1');
    expect(flattenRow(c).request).toBe('GET https://up.example/x HTTP/1.1');
  });
});

describe('the host a refused request named, in its row', () => {
  it('is bounded and escaped as the line is, and log show prints no control of it', () => {
    const long = refused(`GET http://${'a%'.repeat(15_000)}/ HTTP/1.1\r\n\r\n`, 64 * 1024);
    expect(long.reason).toBe('no-name');
    expect(long.destination.length).toBeLessThanOrEqual(MAX_LINE);
    expect(long.destination.endsWith('...')).toBe(true);
    // A C1 CSI (U+009B, one byte as the head is read) and 0xFF in the name.
    const csi = refused(Buffer.from('GET http://allowed\x9b31mX\xff.test/ HTTP/1.1\r\n\r\n', 'latin1'));
    expect(csi.reason).toBe('no-name');
    expect(csi.destination).toBe('allowed\\x9b31mx\\xff.test');
    const shown = renderLogLine({ seq: 1, row: csi, prevMac: '', mac: '' });
    expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    // A name as it is, untouched.
    expect(refused('GET http://Other.Example:8080/ HTTP/1.1\r\n\r\n').destination).toBe('other.example');
  });
});

import { describe, expect, it } from 'vitest';
import { ChunkedEnd, type ChunkedStep } from '../../../src/net/app/chunked-end.js';

const B = (s: string) => Buffer.from(s, 'latin1');
const BODY = '5;ext=1\r\nhello\r\n1A\r\n' + 'x'.repeat(26) + '\r\n0\r\nTrailer: t\r\n\r\n';

/** Feeds `text` in pieces cut at `cuts`; the end offset counted from the start of `text`. */
function endOf(text: string, cuts: number[]): ChunkedStep & { at?: number } {
  const scan = new ChunkedEnd(1024);
  let from = 0;
  for (const to of [...cuts, text.length]) {
    const r = scan.feed(B(text.slice(from, to)));
    if (r.kind === 'end') return { ...r, at: from + r.end };
    if (r.kind === 'malformed') return r;
    from = to;
  }
  return { kind: 'more' };
}

describe('chunked body end', () => {
  it('finds the end (after the trailer) wherever the bytes are split', () => {
    for (let i = 0; i <= BODY.length; i++)
      for (const j of [i, Math.min(BODY.length, i + 1), Math.min(BODY.length, i + 7)])
        expect(endOf(BODY, [i, j])).toMatchObject({ kind: 'end', at: BODY.length });
  });

  it('bytes after the end are not the body: the end offset points before them', () => {
    expect(endOf(`${BODY}HTTP/1.1 200 OK\r\n`, [])).toMatchObject({ kind: 'end', at: BODY.length });
    expect(endOf('0\r\n\r\nextra', [])).toMatchObject({ kind: 'end', at: 5 });
  });

  it('every truncation of a valid body asks for more, never ends early or fails', () => {
    for (let n = 0; n < BODY.length; n++) expect(endOf(BODY.slice(0, n), []).kind).toBe('more');
  });

  it('bare LF line ends are accepted', () => {
    expect(endOf('3\nabc\n0\n\n', [])).toMatchObject({ kind: 'end', at: 9 });
  });

  it('refuses a bad size line, a chunk longer than its size, an oversized size and an endless line', () => {
    expect(endOf('zz\r\n', []).kind).toBe('malformed');
    expect(endOf('2\r\nabc\r\n', []).kind).toBe('malformed');
    expect(endOf('fffffffffffffff\r\n', []).kind).toBe('malformed');
    expect(endOf('1'.repeat(2000), []).kind).toBe('malformed');
    expect(endOf(`0\r\n${'T: v\r\n'.repeat(300)}`, []).kind).toBe('malformed');
  });
});

/**
 * decodePacket's UTF-8 path against the WHATWG decoder it replaced (fatal, BOM kept): on valid
 * and broken UTF-8 (overlong forms, surrogates, cut sequences, stray continuation bytes) the text
 * is the same, and whatever that decoder refuses is read as Latin-1, one character a byte.
 */
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/media/xmp/offsets.js';
import { prng, rngOf } from '../helpers/prng.js';

function oracle(bytes: Uint8Array): { text: string; encoding: string } {
  try {
    return {
      text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes),
      encoding: 'utf8',
    };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' };
  }
}

const cases: [string, number[]][] = [
  [
    'a BOM and 2-, 3- and 4-byte characters',
    [0xef, 0xbb, 0xbf, 0x3c, 0xc3, 0xa9, 0xe2, 0x80, 0xba, 0xf0, 0x9d, 0x84, 0x9e],
  ],
  ['an overlong "/"', [0x3c, 0xc0, 0xaf]],
  ['an encoded surrogate', [0x3c, 0xed, 0xa0, 0x80]],
  ['a sequence cut short', [0x3c, 0xe2, 0x80]],
  ['a stray continuation byte', [0x3c, 0x80, 0x41]],
  ['a code point past U+10FFFF', [0x3c, 0xf4, 0x90, 0x80, 0x80]],
];

describe('decodePacket reads UTF-8 as the fatal WHATWG decoder does', () => {
  it.each(cases)('%s', (_what, bytes) => {
    const d = decodePacket(new Uint8Array(bytes));
    expect({ text: d.text, encoding: d.encoding }).toEqual(oracle(new Uint8Array(bytes)));
  });

  it('on 3,000 random byte strings biased to UTF-8 lead and continuation bytes', () => {
    const r = rngOf(prng(7));
    const pool = [0x3c, 0x41, 0x20, 0x80, 0xbf, 0xc2, 0xc3, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let valid = 0;
    for (let i = 0; i < 3000; i++) {
      // Starts with '<' so no UTF-16/32 guess is made.
      const bytes = new Uint8Array([0x3c, ...Array.from({ length: 1 + r.int(12) }, () => r.pick(pool))]);
      const d = decodePacket(bytes);
      const o = oracle(bytes);
      expect({ text: d.text, encoding: d.encoding }).toEqual(o);
      if (o.encoding === 'utf8') valid++;
    }
    expect(valid).toBeGreaterThan(50);
  });
});

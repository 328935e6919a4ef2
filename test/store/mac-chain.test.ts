/**
 * The batched native MAC chain (src/native/mac-chain.c) gives exactly the MACs of RFC 2104
 * HMAC-SHA256 as Node's createHmac computes them (the oracle: OpenSSL's HMAC behind Node's own
 * API, not the addon's key states), over the chain's message `prev '\n' seq '\n' text`, for any
 * key length, any text (multi-byte UTF-8, lone surrogates, 70 KB rows) and any place in the chain.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeMacChain } from '../../src/native/mac-chain.js';
import { chainMacsOfTexts } from '../../src/store/log-chain.js';

/** The chain by its definition, one createHmac per row. */
function oracle(key: Uint8Array, prev: string, firstSeq: number, texts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    prev = createHmac('sha256', key)
      .update(`${prev}\n${firstSeq + i}\n${texts[i]}`)
      .digest('hex');
    out.push(prev);
  }
  return out;
}

// Texts as rows carry them: JSON never holds a raw newline, but any other unit may appear.
const noNewline = (unit: 'grapheme' | 'binary' | 'binary-ascii') =>
  fc.string({ unit, maxLength: 300 }).map((s) => s.replaceAll('\n', ' '));
const text = fc.oneof(
  noNewline('binary-ascii'),
  noNewline('grapheme'),
  noNewline('binary'),
  fc.constantFrom('', '\ud800', 'a\udfffb', '\u{1f681}', 'é'.repeat(40_000)),
);
const key = fc.uint8Array({ minLength: 1, maxLength: 200 });
// Our MACs, or a tampered head read back from the database (any text of up to 128 bytes).
const prev = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[0-9a-f]{64}$/),
  fc.string({ unit: 'grapheme', maxLength: 30 }).filter((t) => Buffer.byteLength(t) <= 128),
);
const seq = fc.integer({ min: 1, max: 2 ** 53 - 1000 });

const before = process.env.AIRLOCK_NO_NATIVE_MAC;
afterEach(() => {
  if (before === undefined) delete process.env.AIRLOCK_NO_NATIVE_MAC;
  else process.env.AIRLOCK_NO_NATIVE_MAC = before;
});

describe('the log MAC chain, batched', () => {
  it('the addon has it on Linux (a build failure fails here, never a silent fallback)', () => {
    expect(process.platform).toBe('linux');
    expect(nativeMacChain()).toBeTypeOf('function');
  });

  it('native: the MACs createHmac gives, row by row', () => {
    const native = nativeMacChain()!;
    fc.assert(
      fc.property(key, prev, seq, fc.array(text, { minLength: 1, maxLength: 40 }), (k, p, s, texts) => {
        const want = oracle(k, p, s, texts);
        expect(native(k, p, s, texts.join('\n'))).toBe(want.join(''));
        expect(chainMacsOfTexts(k, p, s, texts)).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it('keys of 64 and 65 bytes (one block; hashed first) and a 70 KB row', () => {
    const texts = ['x'.repeat(70_000), '{"a":1}'];
    for (const k of [new Uint8Array(64).fill(7), new Uint8Array(65).fill(7)])
      expect(chainMacsOfTexts(k, '', 1, texts)).toEqual(oracle(k, '', 1, texts));
  });

  it('AIRLOCK_NO_NATIVE_MAC=1, or a text with a newline: row by row, the same MACs', () => {
    const k = new Uint8Array(32).fill(1);
    const texts = ['{"a":1}', 'b', '{"c":"\u00e9"}'];
    process.env.AIRLOCK_NO_NATIVE_MAC = '1';
    expect(nativeMacChain()).toBeUndefined();
    expect(chainMacsOfTexts(k, '', 9, texts)).toEqual(oracle(k, '', 9, texts));
    delete process.env.AIRLOCK_NO_NATIVE_MAC;
    const odd = ['a\nb', 'c'];
    expect(chainMacsOfTexts(k, '', 1, odd)).toEqual(oracle(k, '', 1, odd));
  });

  it('refuses bad arguments with an error, not a crash', () => {
    const native = nativeMacChain()!;
    const k = new Uint8Array(32);
    const call =
      (...args: unknown[]) =>
      () =>
        (native as (...a: unknown[]) => string)(...args);
    expect(call(new Uint8Array(0), '', 1, 'a')).toThrow(/key/);
    expect(call('key', '', 1, 'a')).toThrow(/key/);
    expect(call(k, 'x'.repeat(129), 1, 'a')).toThrow(/prevMac/);
    expect(call(k, '', 0, 'a')).toThrow(/firstSeq/);
    expect(call(k, '', 1.5, 'a')).toThrow(/firstSeq/);
    expect(call(k, '', 1, 5)).toThrow(/bodies/);
    expect(call(k, '')).toThrow(/four arguments/);
  });
});

/**
 * XMP packets in every encoding the XMP spec allows (UTF-8, UTF-16BE/LE, UTF-32BE/LE, with and
 * without a BOM), and hostile wide packets (odd length, lone surrogates, code points past
 * U+10FFFF). Expected offsets come from encoding the text before each value with Node's own
 * encoders, never from Airlock's offset map.
 */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { parseXmp } from '../../src/media/xmp/rdf.js';

const BASE = 1000;
// A non-BMP character (a surrogate pair in JS, 4 bytes in UTF-8 and UTF-32) and a 2-byte UTF-8 one.
const TITLE = 'Clef \u{1D11E} café';
const CITY = 'Zürich';
const xml = (title: string): string =>
  `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"' +
  ` xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="${CITY}">` +
  `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${title}</rdf:li></rdf:Alt></dc:title>` +
  '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';

type Enc = 'utf8' | 'utf16be' | 'utf16le' | 'utf32be' | 'utf32le';

function encode(text: string, enc: Enc): Uint8Array {
  if (enc === 'utf8') return new Uint8Array(Buffer.from(text, 'utf8'));
  if (enc.startsWith('utf16')) {
    const b = Buffer.from(text, 'utf16le');
    if (enc === 'utf16be') b.swap16();
    return new Uint8Array(b);
  }
  const cps = [...text].map((c) => c.codePointAt(0) as number);
  const out = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => {
    if (enc === 'utf32le') out.writeUInt32LE(cp, i * 4);
    else out.writeUInt32BE(cp, i * 4);
  });
  return new Uint8Array(out);
}

/** Where `needle` sits in the encoded packet: the byte length of the text before it. */
const byteRange = (text: string, needle: string, enc: Enc, prefixBytes = 0) => ({
  offset: BASE + prefixBytes + encode(text.slice(0, text.indexOf(needle)), enc).length,
  length: encode(needle, enc).length,
});

const bom = (enc: Enc): string => (enc === 'utf8' ? '' : '\uFEFF');

describe.each<Enc>(['utf8', 'utf16be', 'utf16le', 'utf32be', 'utf32le'])('an XMP packet in %s', (enc) => {
  for (const withBom of [false, true]) {
    it(`${withBom ? 'with' : 'without'} a BOM: values decoded, ranges on the value bytes`, () => {
      const text = (withBom ? bom(enc) : '') + xml(TITLE);
      const props = new Map(parseXmp(encode(text, enc), BASE).map((p) => [p.tag, p]));
      expect(props.get('dc:title')?.values).toEqual([TITLE]);
      expect(props.get('dc:title')?.ranges).toEqual([byteRange(text, TITLE, enc)]);
      expect(props.get('photoshop:City')?.values).toEqual([CITY]);
      expect(props.get('photoshop:City')?.ranges).toEqual([byteRange(text, CITY, enc)]);
    });
  }
});

/** The AirlockError a parse throws (fails the test when it throws anything else, or nothing). */
function airlockErrorOf(bytes: Uint8Array): AirlockError {
  try {
    parseXmp(bytes, BASE);
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    return e as AirlockError;
  }
  throw new Error('expected an AirlockError, the packet was accepted');
}

describe('hostile wide XMP packets', () => {
  it('ignores a dangling odd byte after a complete UTF-16 packet (same properties, same ranges)', () => {
    const whole = encode(xml(TITLE), 'utf16le');
    const odd = new Uint8Array([...whole, 0x41]);
    expect(parseXmp(odd, BASE)).toEqual(parseXmp(whole, BASE));
  });

  it('gives an AirlockError, not a crash, for a UTF-16 packet cut mid code unit', () => {
    const whole = encode(xml(TITLE), 'utf16be');
    for (const cut of [3, 101, whole.length - 101, whole.length - 1]) {
      expect(airlockErrorOf(whole.subarray(0, cut)).offset).toBeGreaterThanOrEqual(BASE);
    }
  });

  it.each([
    ['a lone high surrogate', '\uD834x'],
    ['a lone low surrogate', 'x\uDD1E'],
    ['a reversed surrogate pair', '\uDD1E\uD834'],
  ])('refuses %s in UTF-16 as MALFORMED at its byte offset', (_what, bad) => {
    for (const enc of ['utf16be', 'utf16le'] as const) {
      const text = xml(`ok ${bad} ok`);
      const e = airlockErrorOf(encode(text, enc));
      expect(e.code).toBe('AIRLOCK_ERR_MALFORMED');
      const first = text.indexOf(bad) + (bad.startsWith('x') ? 1 : 0);
      expect(e.offset).toBe(BASE + 2 * first);
    }
  });

  it('refuses a UTF-32 code point past U+10FFFF as MALFORMED at its byte offset', () => {
    const text = xml('ok ? ok');
    const bytes = encode(text, 'utf32be');
    const at = 4 * text.indexOf('?');
    new DataView(bytes.buffer).setUint32(at, 0x110000);
    const e = airlockErrorOf(bytes);
    expect(e.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(e.offset).toBe(BASE + at);
  });

  it('refuses a UTF-32 surrogate code point as MALFORMED', () => {
    const text = xml('ok ? ok');
    const bytes = encode(text, 'utf32le');
    new DataView(bytes.buffer).setUint32(4 * text.indexOf('?'), 0xd800, true);
    expect(airlockErrorOf(bytes).code).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('gives an AirlockError for UTF-32 packets cut at any byte', () => {
    const whole = encode(xml(TITLE), 'utf32le');
    for (let cut = 1; cut < whole.length; cut += 97) airlockErrorOf(whole.subarray(0, cut));
  });
});

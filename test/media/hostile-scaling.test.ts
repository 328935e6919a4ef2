/**
 * Hostile inputs that cost time or stack out of proportion to their size: a long run of blanks
 * before a non-blank (a regex retried at every blank), a UCS-2 value of hundreds of thousands of
 * characters (one call spreading them all), thousands of segments or chunks (a look over everything
 * so far at each one). Each must be read as the same findings as ordinary input gets.
 *
 * Wall-clock bounds are generous: the fixed code takes milliseconds to well under a second (figures
 * measured on a 2-core machine, each quoted beside its bound) and the old code missed every bound
 * by 10× or more.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { ChunkedStream } from '../../src/media/jpeg/chunks.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { buildJpeg, exifPayload, extendedXmpPayloads } from '../../src/media/jpeg/write.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { Collector } from '../../src/media/types.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { prng, rngOf } from '../helpers/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scaling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A little-endian TIFF whose IFD0 holds `entries` (tag, type; 1-byte types), every one pointing at
 * the same `value` after the table (inline when it fits in 4 bytes): one value, read once per entry.
 */
function tiffSharing(entries: readonly [tag: number, type: number][], value: Uint8Array): Uint8Array {
  const table = 8 + 2 + entries.length * 12 + 4;
  const b = new Uint8Array(table + value.length);
  const v = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  v.setUint16(8, entries.length, true);
  entries.forEach(([tag, type], i) => {
    const e = 10 + i * 12;
    v.setUint16(e, tag, true);
    v.setUint16(e + 2, type, true);
    v.setUint32(e + 4, value.length, true);
    if (value.length <= 4) b.set(value, e + 8);
    else v.setUint32(e + 8, table, true);
  });
  b.set(value, table);
  return b;
}

function readTiff(b: Uint8Array): Finding[] {
  const out = new Collector();
  readTiffStructure(new BufferSource(b), 0, b.length, [], out);
  return out.findings;
}

function readJpeg(b: Uint8Array): { out: Collector; err?: AirlockError } {
  const out = new Collector();
  try {
    jpegAnalyser.analyse(new BufferSource(b), out);
    return { out };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return { out, err: e };
  }
}

const textOf = (f: Finding | undefined): string | undefined =>
  f?.value.kind === 'text' ? f.value.text : undefined;
const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const ucs2le = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf16le'));
const ucs2be = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf16le').swap16());
/** What the old code gave for a value short enough to read: trailing /\s/ dropped. */
const trimmedAsBefore = (s: string): string => s.replace(/\s+$/, '');

const elapsed = <T>(f: () => T): { value: T; ms: number } => {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
};

/** Every character /\s/ matches, and some it does not (NBSP is one; U+200B and U+180E are not). */
const BLANKS = '\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

describe('trailing blanks are trimmed in one pass', () => {
  it('does not hang on ASCII values of 60,000 blanks then a non-blank', () => {
    // Old code: 4 s per entry (15.9 s for these 4). Fixed: 2 ms.
    const run = ' '.repeat(60_000);
    const tiff = tiffSharing(
      [0xc000, 0xc001, 0xc002, 0xc003].map((tag) => [tag, 2]),
      latin1(`${run}x\0`),
    );
    const { value, ms } = elapsed(() => readTiff(tiff));
    expect(value.map(textOf)).toEqual([`${run}x`, `${run}x`, `${run}x`, `${run}x`]);
    expect(ms).toBeLessThan(1000);

    // Ordinary values trim as before, every blank /\s/ knows included (UTF-8 and Latin-1 text).
    for (const s of ['Canon  ', `a${BLANKS}`, `${BLANKS}b${BLANKS}`, 'c\u200b', 'd\u180e ', BLANKS, '']) {
      const utf8 = Uint8Array.from(Buffer.from(`${s}\0`, 'utf8'));
      expect(textOf(readTiff(tiffSharing([[0x010f, 2]], utf8))[0])).toBe(trimmedAsBefore(s));
    }
    // Not UTF-8, so Latin-1: NBSP is a blank, NEL (U+0085) is none.
    expect(textOf(readTiff(tiffSharing([[0x010f, 2]], latin1('caf\xe9 \x85\xa0 \0')))[0])).toBe(
      'caf\xe9 \x85',
    );
  });

  it('does not hang on UCS-2 and comment values of 60,000 blanks then a non-blank', () => {
    // Old code: 29.3 s for these 6 entries. Fixed: 80 ms.
    const run = ' '.repeat(60_000);
    const xp = [0x9c9b, 0x9c9c, 0x9c9d, 0x9c9e, 0x9c9f].map((tag): [number, number] => [tag, 1]);
    const a = elapsed(() => readTiff(tiffSharing(xp, ucs2le(`${run}x\0`))));
    const b = elapsed(() => readTiff(tiffSharing([[0x9286, 7]], latin1(`ASCII\0\0\0${run}x`))));
    expect(a.value.map(textOf)).toEqual(Array(5).fill(`${run}x`));
    expect(textOf(b.value[0])).toBe(`${run}x`);
    expect(a.ms + b.ms).toBeLessThan(2000);

    for (const s of [`Title${BLANKS}`, `${BLANKS}k`, 'w\u200b', BLANKS]) {
      expect(textOf(readTiff(tiffSharing([[0x9c9b, 1]], ucs2le(s)))[0])).toBe(trimmedAsBefore(s));
      const body = Buffer.from(`${s}\0junk  `, 'utf8');
      const comment = readTiff(
        tiffSharing([[0x9286, 7]], Uint8Array.from([...latin1('ASCII\0\0\0'), ...body])),
      );
      expect(textOf(comment[0])).toBe(trimmedAsBefore(s));
    }
  });
});

describe('UCS-2 values of any length', () => {
  it('reads a 600 KB XPComment and UNICODE UserComment as ExifTool does, not as a stack overflow', () => {
    // Old code: RangeError (Maximum call stack size exceeded) above ~120,000 characters.
    const text = 'A'.repeat(300_000);
    const xp = tiffSharing([[0x9c9c, 1]], ucs2le(text));
    const uc = tiffSharing([[0x9286, 7]], Uint8Array.from([...latin1('UNICODE\0'), ...ucs2le(text)]));
    expect(readTiff(xp).map((f) => [f.tag, textOf(f)])).toEqual([['XPComment', text]]);
    expect(readTiff(uc).map((f) => [f.tag, textOf(f)])).toEqual([['UserComment', text]]);
    writeFileSync(join(dir, 'xp.tif'), xp);
    writeFileSync(join(dir, 'uc.tif'), uc);
    const [x, u] = exiftoolJson([join(dir, 'xp.tif'), join(dir, 'uc.tif')]);
    expect(x?.['IFD0:XPComment']).toBe(text);
    expect(u?.['IFD0:UserComment']).toBe(text);

    // Ordinary values as before: up to the first NUL, lone surrogates and a BOM kept, either order.
    const units = [0xfeff, 0x48, 0xd800, 0x69, 0xdc00, 0x20ac, 0xd83d, 0xde00, 0x3000, 0x20];
    const s = String.fromCharCode(...units);
    expect(textOf(readTiff(tiffSharing([[0x9c9c, 1]], ucs2le(`${s}\0tail`)))[0])).toBe(trimmedAsBefore(s));
    const be = tiffSharing([[0x9286, 7]], Uint8Array.from([...latin1('UNICODE\0'), ...ucs2be(s)]));
    be.set([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x92, 0x86, 0, 7]);
    const v = new DataView(be.buffer);
    v.setUint32(14, 8 + 2 * units.length);
    v.setUint32(18, 8 + 2 + 12 + 4);
    expect(textOf(readTiff(be)[0])).toBe(trimmedAsBefore(s));
    // An odd byte at the end is left out, as it was.
    const odd = ucs2le('odd');
    expect(textOf(readTiff(tiffSharing([[0x9c9c, 1]], Uint8Array.from([...odd, 0x41])))[0])).toBe('odd');
  });
});

describe('JPEG segments in numbers', () => {
  it('reads 60,000 segments after 48,000 Exif findings in linear time, deciding DJI from the Make as each segment comes', () => {
    // Every segment (a comment too) asked whether a Make so far was DJI's. Old code: 74 s. Fixed: 0.6 s.
    const ifd = inlineShorts(4000);
    const exif = { marker: 0xe1, payload: Uint8Array.from([...latin1('Exif\0\0'), ...ifd]) };
    const com = { marker: 0xfe, payload: latin1('hello') };
    const thermal = { marker: 0xe3, payload: latin1('thermal bytes') };
    const many = buildJpeg([
      ...Array(12).fill(exif),
      ...Array(60_000).fill(com),
      thermal,
      { marker: 0xe1, payload: exifPayload('DJI', 'M3T') },
      thermal,
    ]);
    const { value, ms } = elapsed(() => readJpeg(many));
    expect(value.err).toBeUndefined();
    expect(value.out.findings.length).toBe(12 * 4000 + 60_000 + 4);
    // The APP3 before the DJI Make is opaque data, the one after it is DJI thermal data.
    expect(
      value.out.findings.filter((f) => f.path[0]?.startsWith('APP3')).map((f) => [f.tag, f.category]),
    ).toEqual([
      ['APP3', 'opaque'],
      ['ThermalData', 'imagery.thermal'],
    ]);
    expect(ms).toBeLessThan(3000);

    // XMP naming the drone (drone-dji:) counts as the Make does, also for a later segment only.
    const xmp = buildJpeg([
      thermal,
      {
        marker: 0xe1,
        payload: xmpApp1(
          '<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalYawDegree="+1.5"/>',
        ),
      },
      thermal,
      thermal,
    ]);
    expect(
      readJpeg(xmp)
        .out.findings.filter((f) => f.path[0]?.startsWith('APP3'))
        .map((f) => f.tag),
    ).toEqual(['APP3', 'ThermalData']);
  });
});

/** A little-endian TIFF whose IFD0 holds `n` SHORT entries with their values inline. */
function inlineShorts(n: number): Uint8Array {
  const b = new Uint8Array(8 + 2 + n * 12 + 4);
  const v = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  v.setUint16(8, n, true);
  for (let i = 0; i < n; i++) {
    v.setUint16(10 + i * 12, 0xc100 + i, true);
    v.setUint16(10 + i * 12 + 2, 3, true);
    v.setUint32(10 + i * 12 + 4, 1, true);
    v.setUint16(10 + i * 12 + 8, i, true);
  }
  return b;
}

/** An XMP APP1 payload holding `body` in a packet. */
function xmpApp1(body: string): Uint8Array {
  return latin1(
    `http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${body}</rdf:RDF></x:xmpmeta>`,
  );
}

/** The order the old code kept its pieces in: sorted again at every put (a stable sort). */
function sortedAtEveryPut(puts: readonly { at: number; bytes: Uint8Array; fileOffset: number }[]) {
  const pieces: (typeof puts)[number][] = [];
  for (const p of puts) {
    pieces.push(p);
    pieces.sort((a, b) => a.at - b.at);
  }
  return pieces;
}

describe('ExtendedXMP chunks in numbers', () => {
  it('joins 32,000 chunks in n log n, with the overlaps and duplicates a sort at every put gave', () => {
    // 32,000 empty chunks placed out of order (2.5 MB). Old code: 31 s. Fixed: 0.13 to 0.4 s.
    const [head] = extendedXmpPayloads('G'.repeat(32), new Uint8Array(100));
    const chunks = Array.from({ length: 32_000 }, (_, i) => {
      const p = (head as Uint8Array).slice(0, 35 + 40);
      new DataView(p.buffer).setUint32(35 + 36, (32_000 - i) % 100);
      return { marker: 0xe1, payload: p };
    });
    const jpeg = buildJpeg(chunks);
    const { value, ms } = elapsed(() => readJpeg(jpeg));
    expect(value.err).toBeUndefined();
    expect(value.out.warnings.map((w) => w.name)).toEqual(['extended-xmp-incomplete']);
    expect(value.out.findings.filter((f) => f.tag === 'ExtendedXMP').map((f) => [f.ranges, f.value])).toEqual(
      [[[], { kind: 'block', size: 100, note: `GUID ${'G'.repeat(32)}, incomplete` }]],
    );
    expect(ms).toBeLessThan(2000);

    // Random puts (overlapping, duplicated, out of order, empty) read back as the old order does:
    // a stream given the pieces already in that order never reorders them.
    const rng = rngOf(prng(20260601));
    for (let round = 0; round < 300; round++) {
      const length = 1 + rng.int(40);
      // Within the declared length, as the reader only puts (a chunk past it is an error).
      const puts = Array.from({ length: rng.int(12) }, () => {
        const at = rng.int(length + 1);
        const bytes = Uint8Array.from({ length: rng.int(Math.min(10, length - at) + 1) }, () => rng.int(256));
        return { at, bytes, fileOffset: rng.int(400) };
      });
      const now = new ChunkedStream(length);
      for (const p of puts) now.put(p.at, p.bytes, p.fileOffset);
      const was = new ChunkedStream(length);
      for (const p of sortedAtEveryPut(puts)) was.put(p.at, p.bytes, p.fileOffset);
      expect(reads(now)).toEqual(reads(was));
    }
  });
});

/** Everything a stream answers: completeness, joined bytes, every range's file ranges, stream offsets. */
function reads(s: ChunkedStream) {
  const ranges: unknown[] = [];
  for (let o = 0; o <= s.length + 1; o++)
    for (let n = 0; n <= s.length + 1 - o; n++) ranges.push(s.toFile(o, n));
  const back = Array.from({ length: 420 }, (_, i) => s.fromFile(i));
  return { complete: s.complete(), joined: [...s.joined()], ranges, back };
}

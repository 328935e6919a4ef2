/**
 * The coefficient codec (src/media/jpeg/scan/): a JPEG decoded to its quantised DCT coefficients
 * and encoded again with new Huffman tables must decode, by libjpeg-turbo's djpeg, to exactly the
 * pixels the original does. Checked on every corpus JPEG it reads and on variants libjpeg-turbo's
 * cjpeg writes (chroma sampling, grey, restart intervals, optimised tables, quality 100). A
 * progressive picture, made by jpegtran from a baseline one (a lossless conversion: the same
 * coefficients), decodes to exactly the baseline's coefficients and is written back as baseline
 * with the progressive file's pixels. What it does not read (arithmetic coding) is refused with
 * the reason; damaged scans are errors, never a crash or a picture made up. mozjpeg's own
 * progressions (through sharp) are written back with their pixels too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { decodePicture, encodePicture } from '../../src/media/jpeg/scan/coefficients.js';
import { picture, toJpeg } from '../faces/opencv.js';
import { corpusDir } from '../helpers/corpus.js';
import { prng, rngOf } from '../helpers/prng.js';

let dir: string;
let base: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-coefficients-'));
  base = toJpeg(picture('coffee.png'), join(dir, 'coffee.jpg'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** djpeg's pixels (PPM/PGM, no fancy upsampling, so a block's pixels depend on that block alone). */
const pixels = (bytes: Uint8Array): Buffer => {
  const p = join(dir, `px-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(p, bytes);
  return execFileSync('djpeg', ['-nosmooth', p], { maxBuffer: 256 * 1024 * 1024 });
};
const rstCount = (b: Uint8Array): number => {
  let n = 0;
  for (let i = 0; i + 1 < b.length; i++)
    if (b[i] === 0xff && (b[i + 1] as number) >= 0xd0 && (b[i + 1] as number) <= 0xd7) n++;
  return n;
};

/**
 * 300 copies of `bytes` with 1 to 8 bytes of their scans changed at random: each is decoded and
 * encoded, or refused with an AirlockError (never another throw); how many were refused.
 */
function flippedErrors(bytes: Uint8Array, seed: number): number {
  const sos = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0xda]));
  const r = rngOf(prng(seed));
  let errors = 0;
  for (let n = 0; n < 300; n++) {
    const b = Buffer.from(bytes);
    for (let k = 1 + r.int(8); k > 0; k--) b[sos + 12 + r.int(b.length - sos - 14)] = r.int(256);
    try {
      encodePicture(decodePicture(b));
    } catch (err) {
      expect(err, `case ${n}`).toBeInstanceOf(AirlockError);
      errors++;
    }
  }
  return errors;
}

describe('decode → encode gives the same pixels', () => {
  const corpus = corpusDir('media').filter((f) => /\.jpe?g$/i.test(f));
  it.each(corpus)('%s', (file) => {
    const bytes = readFileSync(file);
    let pic: ReturnType<typeof decodePicture>;
    try {
      pic = decodePicture(bytes);
    } catch (err) {
      // Refused only for what the codec says it does not read.
      expect((err as AirlockError).code).toBe('AIRLOCK_ERR_UNSUPPORTED');
      expect((err as Error).message).toMatch(/arithmetic/);
      return;
    }
    const out = encodePicture(pic);
    expect(pixels(out).equals(pixels(bytes))).toBe(true);
  });

  const variants: [string, string[]][] = [
    ['4:4:4', ['-sample', '1x1']],
    ['4:2:2', ['-sample', '2x1']],
    ['4:2:0, quality 100', ['-quality', '100']],
    ['grey', ['-grayscale']],
    ['restart every MCU row', ['-restart', '1']],
    ['restart every 5 MCUs', ['-restart', '5B']],
    ['grey, restart every 3 blocks', ['-grayscale', '-restart', '3B']],
    ['optimised tables', ['-optimize']],
  ];
  it.each(variants)('cjpeg %s', (_name, args) => {
    const ppm = join(dir, 'coffee.ppm');
    writeFileSync(ppm, execFileSync('djpeg', [base]));
    const bytes = execFileSync('cjpeg', [...args, ppm]);
    const pic = decodePicture(bytes);
    const out = encodePicture(pic);
    expect(pixels(out).equals(pixels(bytes))).toBe(true);
    expect(rstCount(out)).toBe(rstCount(bytes));
  });

  it.each([
    ['arithmetic', ['-arithmetic'], /arithmetic/],
    ['arithmetic, progressive', ['-arithmetic', '-progressive'], /arithmetic/],
  ] as const)('cjpeg %s: refused, with the reason', (_n, args, why) => {
    const ppm = join(dir, 'coffee2.ppm');
    writeFileSync(ppm, execFileSync('djpeg', [base]));
    const bytes = execFileSync('cjpeg', [...args, ppm]);
    expect(() => decodePicture(bytes)).toThrow(why);
  });
});

describe('progressive pictures', () => {
  /** `args` given to cjpeg on the coffee picture: a baseline JPEG. */
  const baseline = (args: readonly string[]): Buffer => {
    const ppm = join(dir, 'coffee-p.ppm');
    writeFileSync(ppm, execFileSync('djpeg', [base]));
    return execFileSync('cjpeg', [...args, ppm]);
  };
  /** jpegtran's lossless conversion of `bytes`, with `args` (-progressive, -restart, -scans). */
  const jpegtran = (bytes: Uint8Array, args: readonly string[]): Buffer => {
    const p = join(dir, `t-${Math.random().toString(36).slice(2)}.jpg`);
    writeFileSync(p, bytes);
    return execFileSync('jpegtran', [...args, p]);
  };
  const scans = (b: Uint8Array): number => Buffer.from(b).toString('latin1').split('\xff\xda').length - 1;

  const variants: [string, string[], string[]][] = [
    ['4:2:0', [], ['-progressive']],
    ['4:4:4', ['-sample', '1x1'], ['-progressive']],
    ['4:2:2', ['-sample', '2x1'], ['-progressive']],
    ['grey', ['-grayscale'], ['-progressive']],
    ['quality 100', ['-quality', '100'], ['-progressive']],
    ['restart every MCU row', [], ['-progressive', '-restart', '1']],
    ['restart every 5 blocks', ['-sample', '1x1'], ['-progressive', '-restart', '5B']],
  ];
  it.each(variants)(
    "%s: the baseline's coefficients, written back as baseline with its pixels",
    (_n, c, t) => {
      const plain = baseline(c);
      const prog = jpegtran(plain, t);
      // jpegtran's default progression: DC and AC first passes, then refinements (successive approximation).
      expect(scans(prog)).toBeGreaterThan(4);
      const want = decodePicture(plain);
      const got = decodePicture(prog);
      expect(got.components.map((k) => [k.id, k.h, k.v])).toEqual(
        want.components.map((k) => [k.id, k.h, k.v]),
      );
      for (const [i, k] of got.components.entries())
        expect(
          Buffer.from(k.coefficients.buffer).equals(Buffer.from(want.components[i]!.coefficients.buffer)),
        ).toBe(true);
      const out = encodePicture(got);
      expect(pixels(out).equals(pixels(prog))).toBe(true);
      // One baseline scan.
      expect(scans(out)).toBe(1);
      expect(out.indexOf(0xc2) === -1 || Buffer.from(out).indexOf(Buffer.from([0xff, 0xc2])) === -1).toBe(
        true,
      );
      // The input is not written into (the frame header is changed in a copy).
      expect(Buffer.from(prog).indexOf(Buffer.from([0xff, 0xc2]))).toBeGreaterThan(0);
    },
  );

  /** A scan script: DC of all three, then Y's AC in `yBands` bands (one coefficient each but the last), then Cb's and Cr's. */
  const script = (yBands: number): string => {
    const lines = ['0,1,2: 0-0, 0, 0;'];
    for (let k = 1; k < yBands; k++) lines.push(`0: ${k}-${k}, 0, 0;`);
    lines.push(`0: ${yBands}-63, 0, 0;`, '1: 1-63, 0, 0;', '2: 1-63, 0, 0;');
    return `${lines.join('\n')}\n`;
  };
  it('64 scans (one-coefficient bands) are read; 66 are over the limit, refused', () => {
    const plain = baseline(['-sample', '1x1']);
    const s60 = join(dir, 's60.txt');
    writeFileSync(s60, script(61)); // 1 + 61 + 2 = 64 scans: the most read, one-coefficient bands
    const many = jpegtran(plain, ['-scans', s60]);
    expect(scans(many)).toBe(64);
    expect(pixels(encodePicture(decodePicture(many))).equals(pixels(plain))).toBe(true);
    const s66 = join(dir, 's66.txt');
    writeFileSync(s66, script(63));
    const more = jpegtran(plain, ['-scans', s66]);
    expect(scans(more)).toBe(66);
    expect(() => decodePicture(more)).toThrow(/more than 64 scans/);
  });

  /** Every component's AC band in one pass at bit `al`, then refined a bit a pass down to 0. */
  const passes = (al: number): string => {
    const lines = ['0,1,2: 0-0, 0, 0;'];
    for (let c = 0; c < 3; c++) {
      lines.push(`${c}: 1-63, 0, ${al};`);
      for (let a = al; a > 0; a--) lines.push(`${c}: 1-63, ${a}, ${a - 1};`);
    }
    return `${lines.join('\n')}\n`;
  };
  it('seven passes over every coefficient are read; eleven are more work than allowed, refused', () => {
    const plain = baseline(['-sample', '1x1']);
    const p7 = join(dir, 'p7.txt');
    writeFileSync(p7, passes(6));
    const seven = jpegtran(plain, ['-scans', p7]);
    expect(pixels(encodePicture(decodePicture(seven))).equals(pixels(plain))).toBe(true);
    // A small file asking for any amount of work (end-of-band runs cover 32,767 blocks a symbol).
    const p11 = join(dir, 'p11.txt');
    writeFileSync(p11, passes(10));
    const eleven = jpegtran(plain, ['-scans', p11]);
    expect(scans(eleven)).toBe(34);
    expect(() => decodePicture(eleven)).toThrow(/more than 8 times: too much work/);
  });

  // Another encoder's progressions: mozjpeg (in sharp's libvips) picks its own scan scripts.
  it.each([
    ['its default', {}],
    ['optimised scans', { optimiseScans: true }],
    [
      'optimised scans, trellis quantisation, 4:4:4',
      { optimiseScans: true, trellisQuantisation: true, chromaSubsampling: '4:4:4' },
    ],
  ] as const)('mozjpeg, %s: written back with its pixels', async (_n, opts) => {
    const bytes = await sharp(base)
      .jpeg({ quality: 85, progressive: true, ...opts })
      .toBuffer();
    expect(scans(bytes)).toBeGreaterThan(4);
    expect(pixels(encodePicture(decodePicture(bytes))).equals(pixels(bytes))).toBe(true);
  });

  it('the corpus progressive JPEG: decoded, and written back with its pixels', () => {
    const file = corpusDir('media').find((f) => f.endsWith('mat2-dirty.jpg')) as string;
    const bytes = readFileSync(file);
    expect(scans(bytes)).toBeGreaterThan(1);
    expect(pixels(encodePicture(decodePicture(bytes))).equals(pixels(bytes))).toBe(true);
  });

  it('bytes flipped at random in its scans: decoded and encoded, or an AirlockError; never another throw', () => {
    expect(flippedErrors(jpegtran(readFileSync(base), ['-progressive']), 20261125)).toBeGreaterThan(0);
  });

  it('cut short after its first scan: an error', () => {
    const bytes = jpegtran(readFileSync(base), ['-progressive']);
    const second = bytes.indexOf(Buffer.from([0xff, 0xda]), bytes.indexOf(Buffer.from([0xff, 0xda])) + 2);
    const cut = Buffer.concat([bytes.subarray(0, second + 40), Buffer.from([0xff, 0xd9])]);
    expect(() => decodePicture(cut)).toThrow(AirlockError);
  });
});

describe('damaged scans', () => {
  it('a scan cut short is an error, not a picture padded with grey', () => {
    const bytes = readFileSync(base);
    const sos = bytes.indexOf(Buffer.from([0xff, 0xda]));
    const cut = Buffer.concat([bytes.subarray(0, sos + 2000), Buffer.from([0xff, 0xd9])]);
    expect(() => decodePicture(cut)).toThrow(/ends early|runs to the end/);
  });

  it('a restart marker missing is an error', () => {
    const ppm = join(dir, 'coffee3.ppm');
    writeFileSync(ppm, execFileSync('djpeg', [base]));
    const bytes = Buffer.from(execFileSync('cjpeg', ['-restart', '1', ppm]));
    const at = bytes.indexOf(Buffer.from([0xff, 0xd3]));
    bytes[at + 1] = 0xd5; // RST3 renamed RST5
    expect(() => decodePicture(bytes)).toThrow(/restart marker 3/);
  });

  it('bytes flipped at random: decoded and encoded, or an AirlockError; never another throw', () => {
    expect(flippedErrors(readFileSync(base), 20261124)).toBeGreaterThan(0);
  });

  it('a frame declaring 65,000×65,000 pixels is refused before anything is allocated', () => {
    const bytes = Buffer.from(readFileSync(base));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(65_000, sof + 5);
    bytes.writeUInt16BE(65_000, sof + 7);
    expect(() => decodePicture(bytes)).toThrow(/too large to edit/);
  });
});

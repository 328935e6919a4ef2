/**
 * The coefficient codec (src/media/jpeg/scan/): a JPEG decoded to its quantised DCT coefficients
 * and encoded again with new Huffman tables must decode, by libjpeg-turbo's djpeg, to exactly the
 * pixels the original does. Checked on every corpus JPEG it reads and on variants libjpeg-turbo's
 * cjpeg writes (chroma sampling, grey, restart intervals, optimised tables, quality 100); what it
 * does not read (progressive, arithmetic coding) is refused with the reason; damaged scans are
 * errors, never a crash or a picture made up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      expect((err as Error).message).toMatch(/progressive|arithmetic/);
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
    ['progressive', ['-progressive'], /progressive/],
    ['arithmetic', ['-arithmetic'], /arithmetic/],
  ] as const)('cjpeg %s: refused, with the reason', (_n, args, why) => {
    const ppm = join(dir, 'coffee2.ppm');
    writeFileSync(ppm, execFileSync('djpeg', [base]));
    const bytes = execFileSync('cjpeg', [...args, ppm]);
    expect(() => decodePicture(bytes)).toThrow(why);
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
    const bytes = readFileSync(base);
    const sos = bytes.indexOf(Buffer.from([0xff, 0xda]));
    const r = rngOf(prng(20261124));
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
    expect(errors).toBeGreaterThan(0);
  });

  it('a frame declaring 65,000×65,000 pixels is refused before anything is allocated', () => {
    const bytes = Buffer.from(readFileSync(base));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(65_000, sof + 5);
    bytes.writeUInt16BE(65_000, sof + 7);
    expect(() => decodePicture(bytes)).toThrow(/too large to edit/);
  });
});

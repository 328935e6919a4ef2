/**
 * Bench data in .bench/ (gitignored): (a) the media corpus's JPEG/TIFF/DNG files replicated to
 * 4,000 files, (b) realistic 20-megapixel stills of 8–25 MB: a real encoder (libjpeg-turbo's
 * cjpeg) compresses a 5472×3648 synthetic picture (gradients plus noise, the noise sets the
 * size), and a corpus JPEG's metadata segments (APPn, COM) are grafted in front of its tables,
 * so each big still carries real DJI/GoPro/FLIR/… metadata before ~10–25 MB of scan data.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { extname, join } from 'node:path';

const W = 5472;
const H = 3648;
/** Noise amplitude and quality per base picture: measured to give ~9, ~14, ~20 and ~25 MB. */
const BASES = [
  [48, 85],
  [48, 95],
  [96, 95],
  [160, 97],
];
/** Donors whose metadata does not point past the primary image (no MPF or trailer offsets to break). */
const DONORS = [
  'dji-mavic2pro-hasselblad-L1D-20c.jpg',
  'exiftool-GoPro.jpg',
  'exiftool-FLIR.jpg',
  'exiftool-XMP.jpg',
  'exiftool-IPTC.jpg',
];

export function replicate(corpusMedia, dir, count) {
  const seeds = readdirSync(corpusMedia)
    .filter((n) => ['.jpg', '.jpeg', '.tif', '.tiff', '.dng'].includes(extname(n).toLowerCase()))
    .sort();
  const have = existsSync(dir) ? readdirSync(dir).length : 0;
  if (have === count) return listDir(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const s = seeds[i % seeds.length];
    copyFileSync(join(corpusMedia, s), join(dir, `${String(i).padStart(5, '0')}-${s}`));
  }
  return listDir(dir);
}

export const listDir = (dir) =>
  readdirSync(dir)
    .sort()
    .map((n) => join(dir, n));

function syntheticPpm(amp, seed) {
  const head = Buffer.from(`P6\n${W} ${H}\n255\n`);
  const px = Buffer.alloc(W * H * 3);
  let s = seed >>> 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const n = (((s >>> 16) & 255) * amp) / 255;
      px[i] = ((x * 255) / W + n) & 255;
      px[i + 1] = ((y * 255) / H + n) & 255;
      px[i + 2] = (((x + y) * 128) / W + n) & 255;
    }
  }
  return Buffer.concat([head, px]);
}

/** The segments of a JPEG from SOI up to its first table/frame marker: [APPn/COM segments, rest]. */
function splitHead(b) {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('not a JPEG');
  let p = 2;
  const meta = [];
  while (p + 4 <= b.length && b[p] === 0xff) {
    const m = b[p + 1];
    if (!((m >= 0xe0 && m <= 0xef) || m === 0xfe)) break;
    const len = b.readUInt16BE(p + 2);
    meta.push({ marker: m, bytes: b.subarray(p, p + 2 + len) });
    p += 2 + len;
  }
  return { meta, rest: b.subarray(p) };
}

export function bigStills(corpusMedia, dir) {
  mkdirSync(dir, { recursive: true });
  const want = BASES.length * DONORS.length;
  if (existsSync(dir) && readdirSync(dir).filter((n) => n.endsWith('.jpg')).length === want)
    return listDir(dir);
  try {
    execFileSync('cjpeg', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'cjpeg (libjpeg-turbo-progs) is needed to make the big stills: apt-get install libjpeg-turbo-progs',
    );
  }
  BASES.forEach(([amp, q], bi) => {
    const ppm = join(dir, 'base.ppm');
    writeFileSync(ppm, syntheticPpm(amp, 1000 + bi));
    const encoded = execFileSync('cjpeg', ['-quality', String(q), ppm], { maxBuffer: 256 * 2 ** 20 });
    rmSync(ppm);
    const base = splitHead(encoded);
    for (const donor of DONORS) {
      const d = splitHead(readFileSync(join(corpusMedia, donor)));
      // Keep the encoder's JFIF only if the donor has no APP0 of its own (one APP0, first).
      const app0 = d.meta.some((s) => s.marker === 0xe0) ? [] : base.meta.filter((s) => s.marker === 0xe0);
      const out = Buffer.concat([
        Buffer.from([0xff, 0xd8]),
        ...app0.map((s) => s.bytes),
        ...d.meta.map((s) => s.bytes),
        base.rest,
      ]);
      writeFileSync(join(dir, `big${bi}-q${q}-${donor}`), out);
    }
  });
  return listDir(dir).filter((f) => f.endsWith('.jpg'));
}

export const totalBytes = (files) => files.reduce((n, f) => n + statSync(f).size, 0);

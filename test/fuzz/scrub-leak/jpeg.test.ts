/**
 * Hostile JPEG stills against the scrubber, judged by ExifTool, djpeg and a raw byte scan: corpus
 * JPEGs rebuilt to hide metadata where a scrubber might not look (an Exif block copied into another
 * APPn or after EOI, a second Exif APP1, XMP in a comment, XMP under another header, bytes after a
 * display segment's fields, segments between scans, frame markers, an MPF preview), are scrubbed by
 * the built CLI with location `drop`. Every output Airlock wrote as clean must then show ExifTool no
 * position, no serial, no device ID and no embedded picture: what the scrubber missed and its own
 * re-inspection passed is a leak. A file Airlock withholds or fails is no leak (it wrote nothing,
 * which is checked too).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusDir } from '../../helpers/corpus.js';
import { exiftoolJson } from '../../helpers/exiftool.js';
import { jpegSeeds } from '../seeds.js';
import {
  caseName,
  cat,
  DROP,
  leaks,
  MARK,
  rawLeaks,
  scratchDir,
  scrubAndJudge,
  scrubDrop,
} from './oracles.js';

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The JPEG's segments before SOS: [marker, start, end) with end past the payload. */
function segments(b: Uint8Array): { marker: number; start: number; end: number }[] {
  const out: { marker: number; start: number; end: number }[] = [];
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1] as number;
    if (marker === 0xda) break;
    const end = p + 2 + (((b[p + 2] as number) << 8) | (b[p + 3] as number));
    out.push({ marker, start: p, end });
    p = end;
  }
  return out;
}

const ascii = (b: Uint8Array, from: number, n: number): string =>
  Buffer.from(b.subarray(from, from + n)).toString('latin1');
const isExif = (b: Uint8Array, s: { marker: number; start: number }): boolean =>
  s.marker === 0xe1 && ascii(b, s.start + 4, 6) === 'Exif\0\0';
const isXmp = (b: Uint8Array, s: { marker: number; start: number }): boolean =>
  s.marker === 0xe1 && ascii(b, s.start + 4, 29) === 'http://ns.adobe.com/xap/1.0/\0';

/** Ways to carry a still's own metadata somewhere else in it; undefined when it has none to move. */
const SMUGGLE: Record<string, (b: Uint8Array) => Uint8Array | undefined> = {
  'Exif in APP2..APP15': (b) => {
    const s = segments(b).find((x) => isExif(b, x));
    if (!s) return undefined;
    const copies = [0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xef].map((m) => {
      const c = b.slice(s.start, s.end);
      c[1] = m;
      return c;
    });
    return cat(b.subarray(0, s.start), ...copies, b.subarray(s.end));
  },
  'a second Exif APP1': (b) => {
    const s = segments(b).find((x) => isExif(b, x));
    return s ? cat(b.subarray(0, s.end), b.subarray(s.start, s.end), b.subarray(s.end)) : undefined;
  },
  'Exif APP1 after EOI': (b) => {
    const s = segments(b).find((x) => isExif(b, x));
    return s ? cat(b.subarray(0, s.start), b.subarray(s.end), b.subarray(s.start, s.end)) : undefined;
  },
  'Exif before the JFIF APP0': (b) => {
    const all = segments(b);
    const s = all.find((x) => isExif(b, x));
    const first = all[0];
    if (!s || !first || first === s) return undefined;
    return cat(b.subarray(0, 2), b.subarray(s.start, s.end), b.subarray(2, s.start), b.subarray(s.end));
  },
  'XMP in a COM segment': (b) => {
    const s = segments(b).find((x) => isXmp(b, x));
    if (!s) return undefined;
    const packet = b.subarray(s.start + 4 + 29, s.end);
    const len = packet.length + 2;
    if (len > 0xffff) return undefined;
    const com = cat(Uint8Array.of(0xff, 0xfe, len >> 8, len & 0xff), packet);
    return cat(b.subarray(0, s.start), com, b.subarray(s.end));
  },
  'XMP under the XMP\\0 header': (b) => {
    const s = segments(b).find((x) => isXmp(b, x));
    if (!s) return undefined;
    const packet = b.subarray(s.start + 4 + 29, s.end);
    const head = Buffer.from('XMP\0', 'latin1');
    const len = 2 + head.length + packet.length;
    const seg = cat(Uint8Array.of(0xff, 0xe1, len >> 8, len & 0xff), head, packet);
    return cat(b.subarray(0, s.start), seg, b.subarray(s.end));
  },
};

/** The marker as bytes, for segments that carry it; a clean copy holds none of it. */
const mark = Buffer.from(` ${MARK} `, 'latin1');
/** A JPEG segment: marker, big-endian length (itself included), payload. */
const segment = (marker: number, payload: Uint8Array): Uint8Array =>
  cat(Uint8Array.of(0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff), payload);
/** What a viewer shows: the SHA-256 of the pixels libjpeg-turbo's djpeg decodes. */
const pixels = (b: Uint8Array): string =>
  createHash('sha256')
    .update(execFileSync('djpeg', [], { input: b, maxBuffer: 512 * 2 ** 20 }))
    .digest('hex');

describe('hostile stills: what Airlock writes as clean, ExifTool finds clean', () => {
  it('metadata moved where a scrubber might not look', () => {
    const dir = join(base, 'smuggled');
    mkdirSync(dir);
    let made = 0;
    for (const s of jpegSeeds())
      for (const [how, f] of Object.entries(SMUGGLE)) {
        const b = f(s.bytes);
        if (!b) continue;
        writeFileSync(join(dir, `${caseName(how)}-${s.name}`), b);
        made++;
      }
    expect(made).toBeGreaterThan(20);
    // The oracle sees what was smuggled: the inputs leak to ExifTool (else this proves nothing).
    const before = exiftoolJson([dir], ['-r']).filter((r) => leaks(r).length > 0);
    const kinds = new Set(before.map((r) => String(r.SourceFile).split('/').pop()?.split('-')[0]));
    const rawly = readdirSync(dir).filter((f) => rawLeaks(readFileSync(join(dir, f))).length > 0);
    // 18 of the 46 today: the others carry positions only in binary Exif, which ExifTool judges.
    expect(rawly.length, "the raw scan finds the inputs' positions or serials").toBeGreaterThanOrEqual(10);
    console.log(
      `[scrub-leak smuggled] ExifTool finds metadata in ${before.length} inputs, kinds: ${[...kinds].join(', ')}`,
    );
    expect(kinds.size).toBe(Object.keys(SMUGGLE).length);
    const r = scrubAndJudge(base, dir, 'smuggled');
    console.log(`[scrub-leak smuggled] ${made} files: ${r.clean} clean, ${r.withheld} withheld or failed`);
    expect(r.leaked).toEqual([]);
  }, 120_000);

  it('display segments pass only their display fields', () => {
    // Segments every policy keeps for the picture's sake, with more than the picture needs in
    // them: bytes after Adobe's 12 and JFIF's 14 (and a JFIF thumbnail), and a block under the
    // ICC signature that is no profile. ExifTool reads the inputs' Adobe and JFIF fields; the
    // marker is the oracle for what follows them.
    const DISPLAY: Record<string, Uint8Array> = {
      'Adobe with bytes after it': segment(
        0xee,
        cat(Buffer.from('Adobe'), Uint8Array.of(0, 100, 0, 0, 0, 0, 1), mark),
      ),
      'JFIF with bytes after it': segment(
        0xe0,
        cat(Buffer.from('JFIF\0'), Uint8Array.of(1, 2, 1, 0, 72, 0, 72, 0, 0), mark),
      ),
      'JFIF with a thumbnail': segment(
        0xe0,
        cat(
          Buffer.from('JFIF\0'),
          Uint8Array.of(1, 2, 1, 0, 72, 0, 72, mark.length / 3, 1),
          mark.subarray(0, 3 * Math.floor(mark.length / 3)),
        ),
      ),
      'an ICC signature on no profile': segment(
        0xe2,
        cat(Buffer.from('ICC_PROFILE\0'), Uint8Array.of(1, 1), mark),
      ),
    };
    const dir = join(base, 'display');
    mkdirSync(dir);
    const seeds = jpegSeeds().slice(0, 6);
    for (const s of seeds)
      for (const [how, extra] of Object.entries(DISPLAY))
        writeFileSync(
          join(dir, `${caseName(how)}-${s.name}`),
          cat(s.bytes.subarray(0, 2), extra, s.bytes.subarray(2)),
        );
    const inputs = exiftoolJson([dir], ['-r', '-Adobe:all', '-JFIF:all']);
    expect(inputs.filter((r) => 'Adobe:ColorTransform' in r).length).toBeGreaterThanOrEqual(seeds.length);
    const { out, files } = scrubDrop(base, dir, 'display');
    const clean = files.filter((f) => f.status === 'clean');
    expect(clean.length).toBe(seeds.length * Object.keys(DISPLAY).length);
    const leaked = clean.filter((f) => readFileSync(join(out, f.output)).includes(mark.subarray(1, 20)));
    expect(leaked.map((f) => f.output)).toEqual([]);
    // The display fields themselves stay: ExifTool still reads Adobe's transform in the copies.
    const adobe = clean.filter((f) => f.output.startsWith('Adobe'));
    const back = exiftoolJson(
      adobe.map((f) => join(out, f.output)),
      ['-Adobe:all'],
    );
    expect(back.filter((r) => 'Adobe:ColorTransform' in r)).toHaveLength(adobe.length);
  }, 120_000);

  it('segments between and after the scans: gone, and the pixels the same (djpeg)', () => {
    // Decoders skip an APPn or COM after the first SOS, and ExifTool stops reading there: a
    // progressive image's gaps between scans, or a baseline image's last bytes before EOI, carry
    // anything unseen. The oracles: the marker's bytes, and libjpeg-turbo's decoded pixels.
    const xmp = cat(Buffer.from('http://ns.adobe.com/xap/1.0/\0'), mark);
    const progressive = readFileSync(corpusDir('media').find((f) => f.endsWith('mat2-dirty.jpg')) as string);
    const baseline = jpegSeeds().find((s) => s.name.startsWith('dji'))?.bytes as Uint8Array;
    const sos = (b: Uint8Array, k: number): number => {
      let at = -1;
      for (let i = 0; i < k; i++) at = Buffer.from(b).indexOf(Buffer.from([0xff, 0xda]), at + 1);
      return at;
    };
    const insertAt = (b: Uint8Array, at: number, extra: Uint8Array): Uint8Array =>
      cat(b.subarray(0, at), extra, b.subarray(at));
    const cases: Record<string, [Uint8Array, Uint8Array]> = {
      'a COM between scans': [progressive, insertAt(progressive, sos(progressive, 2), segment(0xfe, mark))],
      'an XMP APP1 between scans': [
        progressive,
        insertAt(progressive, sos(progressive, 5), segment(0xe1, xmp)),
      ],
      'a COM before EOI': [
        baseline,
        insertAt(baseline, Buffer.from(baseline).lastIndexOf(Buffer.from([0xff, 0xd9])), segment(0xfe, mark)),
      ],
    };
    const dir = join(base, 'scans');
    mkdirSync(dir);
    for (const [how, [, b]] of Object.entries(cases)) writeFileSync(join(dir, `${caseName(how)}.jpg`), b);
    // The inputs decode as their originals do: the smuggled bytes are invisible to a viewer.
    for (const [how, [orig, b]] of Object.entries(cases)) expect(pixels(b), how).toBe(pixels(orig));
    const { out, files } = scrubDrop(base, dir, 'scans');
    const clean = files.filter((f) => f.status === 'clean');
    expect(clean).toHaveLength(Object.keys(cases).length);
    for (const [how, [orig]] of Object.entries(cases)) {
      const copy = readFileSync(join(out, `${caseName(how)}.jpg`));
      expect(copy.includes(mark.subarray(1, 20)), how).toBe(false);
      expect(pixels(copy), how).toBe(pixels(orig));
    }
  }, 120_000);

  it('frame segments pass only what the decoder reads: a marker it does not need, or bytes past its fields, go', () => {
    const still = jpegSeeds().find((s) => s.name.startsWith('dji'))?.bytes as Uint8Array;
    const sof = segments(still).find((x) => x.marker === 0xc0 || x.marker === 0xc2) as {
      start: number;
      end: number;
      marker: number;
    };
    const sofPayload = still.subarray(sof.start + 4, sof.end);
    const afterSoi = (extra: Uint8Array): Uint8Array => cat(still.subarray(0, 2), extra, still.subarray(2));
    const cases: Record<string, Uint8Array> = {
      'a restart interval with bytes after it': afterSoi(segment(0xdd, cat(Uint8Array.of(0, 0), mark))),
      'a DNL before the scan': afterSoi(segment(0xdc, mark)),
      'a DHP': afterSoi(segment(0xde, mark)),
      'an EXP': afterSoi(segment(0xdf, mark)),
      'a reserved JPG0': afterSoi(segment(0xf0, mark)),
      'a frame header with bytes after it': cat(
        still.subarray(0, sof.start),
        segment(sof.marker, cat(sofPayload, mark)),
        still.subarray(sof.end),
      ),
    };
    const dir = join(base, 'frame');
    mkdirSync(dir);
    for (const [how, b] of Object.entries(cases)) writeFileSync(join(dir, `${caseName(how)}.jpg`), b);
    writeFileSync(join(dir, 'JPEG-LS.jpg'), afterSoi(segment(0xf7, mark)));
    const { out, files } = scrubDrop(base, dir, 'frame');
    expect(files.find((f) => f.input.endsWith('JPEG-LS.jpg'))?.status).toBe('withheld');
    const clean = files.filter((f) => f.status === 'clean');
    expect(clean).toHaveLength(Object.keys(cases).length);
    for (const how of Object.keys(cases)) {
      const copy = readFileSync(join(out, `${caseName(how)}.jpg`));
      expect(copy.includes(mark.subarray(1, 20)), how).toBe(false);
      // What stays is what the picture needs: the copy decodes to the original's pixels.
      expect(pixels(copy), how).toBe(pixels(still));
    }
  }, 120_000);

  it('an MPF preview kept with its own position: the previews are kept only when they hold nothing dropped', () => {
    // A still whose MPF index points at a second JPEG appended after EOI: a DJI still, with its
    // own Exif GPS. Policy: previews and the MPF index kept (imagery.embedded: keep, keep: [MPF]),
    // positions dropped. ExifTool extracts each preview (-b -MPImage2:PreviewImage) and reads it
    // as a file: the oracle for what it holds.
    const primary = jpegSeeds().find((s) => s.name.startsWith('exiftool-Canon'))?.bytes as Uint8Array;
    const preview = jpegSeeds().find((s) => s.name.startsWith('dji'))?.bytes as Uint8Array;
    const mpfIfd = Buffer.alloc(8 + 2 + 3 * 12 + 4 + 32);
    mpfIfd.write('II*\0', 0, 'latin1');
    mpfIfd.writeUInt32LE(8, 4);
    mpfIfd.writeUInt16LE(3, 8);
    const entry = (k: number, tag: number, type: number, count: number, value: number | string): void => {
      const at = 10 + 12 * k;
      mpfIfd.writeUInt16LE(tag, at);
      mpfIfd.writeUInt16LE(type, at + 2);
      mpfIfd.writeUInt32LE(count, at + 4);
      if (typeof value === 'string') mpfIfd.write(value, at + 8, 'latin1');
      else mpfIfd.writeUInt32LE(value, at + 8);
    };
    entry(0, 0xb000, 7, 4, '0100');
    entry(1, 0xb001, 4, 1, 2);
    entry(2, 0xb002, 7, 32, 8 + 2 + 36 + 4);
    const app2 = cat(Buffer.from('MPF\0'), mpfIfd);
    const seg = cat(Uint8Array.of(0xff, 0xe2, (app2.length + 2) >> 8, (app2.length + 2) & 0xff), app2);
    const head = cat(primary.subarray(0, 2), seg, primary.subarray(2));
    const tiffAt = 2 + 4 + 4; // SOI, APP2 marker and length, "MPF\0"
    const list = 8 + 2 + 36 + 4;
    mpfIfd.writeUInt32LE(0x030000, list); // primary: baseline MP primary image
    mpfIfd.writeUInt32LE(head.length, list + 4);
    mpfIfd.writeUInt32LE(0, list + 8);
    mpfIfd.writeUInt32LE(0x010001, list + 16); // large thumbnail
    mpfIfd.writeUInt32LE(preview.length, list + 20);
    mpfIfd.writeUInt32LE(head.length - tiffAt, list + 24);
    const file = cat(primary.subarray(0, 2), seg.subarray(0, 8), mpfIfd, primary.subarray(2), preview);
    const dir = join(base, 'mpf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'mpf.jpg'), file);
    const extract = (f: string): Uint8Array =>
      execFileSync('exiftool', ['-b', '-MPImage2:PreviewImage', f], { maxBuffer: 64 * 2 ** 20 });
    // The oracle finds the preview, and the preview's position, in the input.
    const pre = join(base, 'mpf-preview-in.jpg');
    writeFileSync(pre, extract(join(dir, 'mpf.jpg')));
    expect(leaks(exiftoolJson([pre])[0] ?? {}).some((k) => /GPS/.test(k))).toBe(true);
    const { out, files } = scrubDrop(base, dir, 'mpf', `${DROP}  imagery: {embedded: keep}\n  keep: [MPF]\n`);
    expect(files[0]?.status).toBe('clean');
    const copy = join(out, 'mpf.jpg');
    const left = extract(copy);
    if (left.length > 0) {
      const post = join(base, 'mpf-preview-out.jpg');
      writeFileSync(post, left);
      expect(leaks(exiftoolJson([post])[0] ?? {}).filter((k) => /GPS|Serial/.test(k))).toEqual([]);
    }
    expect(
      Buffer.from(readFileSync(copy)).includes(Buffer.from(preview.subarray(preview.length - 4096))),
    ).toBe(false);
    expect(files[0]?.notes?.join('\n')).toMatch(/APP2 MPF: dropped whole/);
  }, 120_000);
});

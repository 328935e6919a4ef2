/**
 * `faces: mask`: each face becomes one flat patch, in the coefficient domain, and every other
 * block of the picture decodes (by libjpeg-turbo's djpeg) to exactly the pixels it did. The face
 * is OpenCV's (an independent detector) for the masking itself; after it, neither OpenCV nor
 * Airlock finds a face there. Then through the built CLI: the copy, its record, a progressive
 * portrait masked too, what cannot be masked (an arithmetic-coded JPEG) withheld, and a rerun that
 * redoes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookForFaces } from '../../src/faces/look.js';
import { maskJpeg } from '../../src/faces/mask-jpeg.js';
import type { Box as Rect } from '../../src/faces/scan.js';
import type { Manifest } from '../../src/scrub/manifest.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { type Box, haarFaces, overlap, picture, toJpeg } from './opencv.js';

let dir: string;
let astronaut: string;
let face: Box;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-mask-'));
  astronaut = toJpeg(picture('astronaut.png'), join(dir, 'astronaut.jpg'));
  const found = haarFaces([astronaut])[astronaut] ?? [];
  expect(found).toHaveLength(1);
  face = found[0] as Box;
  // The portrait as pixels, for cjpeg to encode in other layouts.
  writeFileSync(join(dir, 'a.ppm'), execFileSync('djpeg', [astronaut]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** djpeg -nosmooth as RGB rows (PPM body), with its width and height. */
function decoded(bytes: Uint8Array): { w: number; h: number; px: Buffer } {
  const p = join(dir, `d-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(p, bytes);
  const ppm = execFileSync('djpeg', ['-nosmooth', '-rgb', p], { maxBuffer: 64 * 1024 * 1024 });
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'));
  if (!m) throw new Error('not a PPM');
  return { w: Number(m[1]), h: Number(m[2]), px: ppm.subarray(m[0].length) };
}

const inside = (r: Rect, x: number, y: number): boolean =>
  x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;

/** Pixels (RGB) of `copy` that differ from `original`'s outside the masked region its record's note gives. */
function changedOutsideNoted(notes: readonly string[], original: string, copy: string): number {
  const [, w, h, x, y] = (/\((\d+)×(\d+)\+(\d+)\+(\d+);/.exec(notes.join(' ')) ?? []).map(Number);
  const region = { x: x as number, y: y as number, width: w as number, height: h as number };
  const a = decoded(readFileSync(original));
  const b = decoded(readFileSync(copy));
  let changed = 0;
  for (let py = 0; py < a.h; py++)
    for (let px = 0; px < a.w; px++) {
      const o = (py * a.w + px) * 3;
      if (!inside(region, px, py) && !a.px.subarray(o, o + 3).equals(b.px.subarray(o, o + 3))) changed++;
    }
  return changed;
}

describe('maskJpeg', () => {
  const variants: [string, string[]][] = [
    ['as OpenCV wrote it (4:2:0)', []],
    ['4:4:4', ['-sample', '1x1']],
    ['grey, restart every 2 rows', ['-grayscale', '-restart', '2']],
    ['progressive (written back baseline)', ['-progressive']],
  ];
  it.each(variants)('%s: the face one flat colour, every pixel outside its blocks unchanged', (_n, args) => {
    const bytes =
      args.length === 0 ? readFileSync(astronaut) : execFileSync('cjpeg', [...args, join(dir, 'a.ppm')]);
    const before = decoded(bytes);
    const [x, y, w, h] = face;
    const m = maskJpeg(bytes, [{ x, y, width: w, height: h }], 'astronaut.jpg');
    const after = decoded(m.bytes);
    expect([after.w, after.h]).toEqual([before.w, before.h]);
    expect(m.regions).toHaveLength(1);
    const r = m.regions[0] as Rect;
    // The region covers the face and is block-aligned.
    expect(inside(r, x, y) && inside(r, x + w - 1, y + h - 1)).toBe(true);
    const ch = before.px.length / (before.w * before.h);
    const colours = new Set<string>();
    let changedOutside = 0;
    for (let py = 0; py < before.h; py++)
      for (let px = 0; px < before.w; px++) {
        const o = (py * before.w + px) * ch;
        if (inside(r, px, py)) colours.add(after.px.subarray(o, o + ch).join(','));
        else if (!after.px.subarray(o, o + ch).equals(before.px.subarray(o, o + ch))) changedOutside++;
      }
    expect(changedOutside).toBe(0);
    expect(colours.size).toBe(1);
  });

  it('after masking, neither OpenCV nor Airlock finds a face where it was', async () => {
    const [x, y, w, h] = face;
    const m = maskJpeg(readFileSync(astronaut), [{ x, y, width: w, height: h }], 'astronaut.jpg');
    const out = join(dir, 'masked.jpg');
    writeFileSync(out, m.bytes);
    for (const b of haarFaces([out])[out] ?? []) expect(overlap(b, face)).toBeLessThan(0.1);
    const look = await lookForFaces(out, out, 'jpeg');
    expect(look.kind === 'looked' && look.faces).toEqual([]);
  }, 60_000);
});

describe('scrub --policy (faces: mask)', () => {
  let out: string;
  let run: ReturnType<typeof airlock>;
  let progressive: string;
  let arithmetic: string;
  let coffee: string;
  beforeAll(() => {
    ensureBuilt();
    const input = join(dir, 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'astronaut.jpg'), readFileSync(astronaut));
    progressive = join(input, 'astronaut-progressive.jpg');
    writeFileSync(progressive, execFileSync('cjpeg', ['-progressive', join(dir, 'a.ppm')]));
    arithmetic = join(input, 'astronaut-arithmetic.jpg');
    writeFileSync(arithmetic, execFileSync('cjpeg', ['-arithmetic', join(dir, 'a.ppm')]));
    coffee = toJpeg(picture('coffee.png'), join(input, 'coffee.jpg'));
    writeFileSync(join(dir, 'mask.yaml'), 'media:\n  faces: mask\n');
    out = join(dir, 'out');
    run = airlock(['scrub', input, '--out', out, '--policy', join(dir, 'mask.yaml'), '--no-progress']);
  }, 180_000);

  const manifest = (): Manifest => JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8'));
  const record = (name: string) => {
    const r = manifest().files.find((f) => f.input.endsWith(`/${name}`));
    if (!r) throw new Error(`no record for ${name}`);
    return r;
  };

  it('writes the portrait with its face masked, the rest of its pixels as they were', () => {
    expect(run.code, run.stderr).toBe(0);
    const r = record('astronaut.jpg');
    expect(r.status).toBe('clean');
    expect(r.notes.join(' ')).toMatch(
      /^faces masked: a face made a flat patch \(\d+×\d+\+\d+\+\d+; \d+ blocks of 8×8\)/,
    );
    expect(r.findings).toContainEqual({
      category: 'face',
      tag: 'Face',
      path: 'picture',
      action: 'drop',
      count: 1,
    });
    const copy = join(out, 'astronaut.jpg');
    for (const b of haarFaces([copy])[copy] ?? []) expect(overlap(b, face)).toBeLessThan(0.1);
    expect(changedOutsideNoted(r.notes, astronaut, copy)).toBe(0);
  });

  it('masks a progressive JPEG too: a baseline copy, the face gone, no other pixel changed', () => {
    const r = record('astronaut-progressive.jpg');
    expect(r.status).toBe('clean');
    expect(r.notes.join(' ')).toMatch(/^faces masked: a face made a flat patch \((\d+)×(\d+)\+(\d+)\+(\d+);/);
    const copy = join(out, 'astronaut-progressive.jpg');
    // One scan (the input has ten or so).
    expect(readFileSync(copy).toString('latin1').split('\xff\xda').length - 1).toBe(1);
    expect(readFileSync(progressive).toString('latin1').split('\xff\xda').length - 1).toBeGreaterThan(4);
    for (const b of haarFaces([copy])[copy] ?? []) expect(overlap(b, face)).toBeLessThan(0.1);
    expect(changedOutsideNoted(r.notes, progressive, copy)).toBe(0);
  });

  it('withholds an arithmetic-coded JPEG with a face: it cannot be masked, and says why', () => {
    const r = record('astronaut-arithmetic.jpg');
    expect(r.status).toBe('withheld');
    expect(r.withheld?.why).toBe('faces');
    expect(r.withheld?.detail).toMatch(
      /^a face is in the picture at .*, and it cannot be masked: .*arithmetic/,
    );
    expect(existsSync(join(out, 'astronaut-arithmetic.jpg'))).toBe(false);
    expect(existsSync(arithmetic)).toBe(true);
  });

  it('leaves a picture without a face as the metadata scrub alone would', () => {
    const plain = join(dir, 'plain');
    expect(airlock(['scrub', coffee, '--out', plain, '--no-progress']).code).toBe(0);
    expect(readFileSync(join(out, 'coffee.jpg')).equals(readFileSync(join(plain, 'coffee.jpg')))).toBe(true);
  });

  it('inspect under the same policy says so: mask for the baseline and progressive faces, withhold for the arithmetic one', () => {
    const r = airlock(['inspect', '--json', '--policy', join(dir, 'mask.yaml'), join(dir, 'in')]);
    const files = JSON.parse(r.stdout).files as {
      path: string;
      findings: { category: string; action: string }[];
    }[];
    const of = (name: string) => files.find((f) => f.path.endsWith(`/${name}`))?.findings ?? [];
    expect(
      of('astronaut.jpg')
        .filter((f) => f.category === 'face')
        .map((f) => f.action),
    ).toEqual(['mask']);
    expect(
      of('astronaut-progressive.jpg')
        .filter((f) => f.category === 'face')
        .map((f) => f.action),
    ).toEqual(['mask']);
    expect(new Set(of('astronaut-arithmetic.jpg').map((f) => f.action))).toEqual(new Set(['withhold']));
  }, 60_000);

  it('a rerun redoes nothing', () => {
    const before = readFileSync(join(out, 'astronaut.jpg'));
    const again = airlock([
      'scrub',
      join(dir, 'in'),
      '--out',
      out,
      '--policy',
      join(dir, 'mask.yaml'),
      '--no-progress',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged {2}\S*astronaut\.jpg/);
    expect(readFileSync(join(out, 'astronaut.jpg')).equals(before)).toBe(true);
  }, 120_000);
});

describe('a preview kept beside a masked face', () => {
  // The portrait with the corpus DJI still's Exif segment (an IFD1 thumbnail in it) put in front.
  let withThumb: string;
  beforeAll(() => {
    ensureBuilt();
    const dji = readFileSync(corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg'));
    // Its first segments, walked to the APP1 that holds Exif.
    let at = 2;
    while (!(dji.readUInt16BE(at) === 0xffe1 && dji.subarray(at + 4, at + 8).toString('latin1') === 'Exif'))
      at += 2 + dji.readUInt16BE(at + 2);
    const app1 = dji.subarray(at, at + 2 + dji.readUInt16BE(at + 2));
    const portrait = readFileSync(astronaut);
    withThumb = join(dir, 'thumb', 'portrait.jpg');
    mkdirSync(join(dir, 'thumb'));
    writeFileSync(withThumb, Buffer.concat([portrait.subarray(0, 2), app1, portrait.subarray(2)]));
  });

  /** The portrait scrubbed alone under `policy`: its record, and where the copy went. */
  const scrubbed = (name: string, policy: string) => {
    writeFileSync(join(dir, `${name}.yaml`), policy);
    const out = join(dir, `out-${name}`);
    const r = airlock([
      'scrub',
      withThumb,
      '--out',
      out,
      '--policy',
      join(dir, `${name}.yaml`),
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as Manifest;
    return { record: m.files[0], out };
  };

  it('under imagery.embedded: keep, the file is withheld: the thumbnail would show the face', () => {
    const { record } = scrubbed('keep-previews', 'media:\n  faces: mask\n  imagery: {embedded: keep}\n');
    expect(record?.withheld?.detail).toMatch(
      /and the policy keeps the picture's previews .* which would show it unmasked$/,
    );
  }, 60_000);

  it('with previews dropped (the default), the face is masked and the thumbnail gone', () => {
    const { record, out } = scrubbed('mask-only', 'media:\n  faces: mask\n');
    expect(record?.status).toBe('clean');
    expect(record?.notes.join(' ')).toMatch(/^faces masked/);
    const [tags] = exiftoolJson([join(out, 'portrait.jpg')]);
    expect(Object.keys(tags ?? {}).filter((k) => /ThumbnailImage|PreviewImage/.test(k))).toEqual([]);
  }, 60_000);
});

/**
 * Airlock's face detector against OpenCV's Haar cascade, an independent detector (another
 * method, model and code base), on scikit-image's sample photographs re-encoded as JPEGs by
 * OpenCV, and on aerial-sized scenes OpenCV composes with faces where the test puts them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookForFaces } from '../../src/faces/look.js';
import { type Box, haarFaces, overlap, picture, scene, toJpeg } from './opencv.js';

/** Scenes without people (faceless-photos.json, which the faces bench reads too). */
const FACELESS: string[] = JSON.parse(
  readFileSync(new URL('./faceless-photos.json', import.meta.url), 'utf8'),
).photos;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-faces-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jpeg = (name: string): string => toJpeg(picture(name), join(dir, name.replace(/\.\w+$/, '.jpg')));

async function facesOf(path: string, format = 'jpeg'): Promise<Box[]> {
  const look = await lookForFaces(path, path, format);
  if (look.kind !== 'looked') throw new Error(`${path}: not looked at: ${JSON.stringify(look)}`);
  return look.faces.map((f) => [f.x, f.y, f.width, f.height]);
}

describe('faces in photographs, as OpenCV finds them', () => {
  it('the astronaut portrait: one face, where Haar puts it', async () => {
    const p = jpeg('astronaut.png');
    const [haar] = Object.values(haarFaces([p]));
    expect(haar).toHaveLength(1);
    const ours = await facesOf(p);
    expect(ours).toHaveLength(1);
    expect(overlap(ours[0] as Box, haar?.[0] as Box)).toBeGreaterThan(0.5);
  }, 60_000);

  // Scenes without people, where the oracle finds no face either (faceless-photos.json says why these).
  const empty = FACELESS;
  it(`no face in ${empty.length} scenes without people, none found by OpenCV either`, async () => {
    const paths = empty.map(jpeg);
    const haar = haarFaces(paths);
    for (const p of paths) {
      expect(haar[p], p).toEqual([]);
      expect(await facesOf(p), p).toEqual([]);
    }
  }, 120_000);
});

describe('small faces in a large still (people seen from the air)', () => {
  // Faces from 70 to 110 px in a 4000×3000 still, one across the seam between two tiles.
  const spots = [
    { x: 400, y: 300, size: 90 },
    { x: 2000, y: 1500, size: 70 },
    { x: 3500, y: 2600, size: 110 },
    { x: 1450, y: 900, size: 80 },
  ];
  let still: string;
  beforeAll(() => {
    still = scene(join(dir, 'scene.jpg'), 4000, 3000, picture('gravel.png'), picture('astronaut.png'), spots);
  });

  it('each face OpenCV finds at a spot is found, at that spot, and nothing elsewhere', async () => {
    const haar = haarFaces([still])[still] ?? [];
    const ours = await facesOf(still);
    for (const s of spots) {
      const spot: Box = [s.x, s.y, s.size, s.size];
      // The oracle agrees with the construction...
      expect(
        haar.some((h) => overlap(h, spot) > 0.3),
        `Haar at ${s.x},${s.y}`,
      ).toBe(true);
      // ...and so does Airlock.
      expect(
        ours.some((o) => overlap(o, spot) > 0.3),
        `Airlock at ${s.x},${s.y}`,
      ).toBe(true);
    }
    for (const o of ours)
      expect(
        spots.some((s) => overlap(o, [s.x, s.y, s.size, s.size]) > 0.3),
        `${o}`,
      ).toBe(true);
  }, 120_000);

  it('the tiles are what finds them: the whole picture alone, shrunk to the detector, finds none', async () => {
    const look = await lookForFaces(still, still, 'jpeg', { maxSide: 512, tile: 512, overlap: 96 });
    expect(look.kind === 'looked' && look.faces).toEqual([]);
  }, 60_000);
});

describe('pictures that cannot be looked at', () => {
  it('a file that is not a picture: failed, with the file named, not thrown', async () => {
    const p = join(dir, 'not-a-picture.jpg');
    writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 0x41)]));
    const look = await lookForFaces(p, p, 'jpeg');
    expect(look.kind).toBe('failed');
    if (look.kind === 'failed') {
      expect(look.error.file).toBe(p);
      expect(look.error.describe()).toMatch(/could not be decoded/);
    }
  });

  it('a picture declaring 65,000×65,000 pixels (a decompression bomb): failed at once, not decoded', async () => {
    // The astronaut JPEG with its frame header's height and width set to 65,000.
    const bytes = Buffer.from(readFileSync(jpeg('astronaut.png')));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    bytes.writeUInt16BE(65_000, sof + 5);
    bytes.writeUInt16BE(65_000, sof + 7);
    const t0 = performance.now();
    const look = await lookForFaces(bytes, 'bomb.jpg', 'jpeg');
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(look.kind).toBe('failed');
    if (look.kind === 'failed') expect(look.error.describe()).toMatch(/^bomb\.jpg: .*pixel limit/);
  });

  it('a video: not looked at, and said so', async () => {
    expect(await lookForFaces('/nonexistent.mov', 'x.mov', 'mov')).toEqual({
      kind: 'cannot',
      detail: 'faces are not looked for in mov files yet',
    });
  });

  it('a sidecar holds no picture: nothing to look at', async () => {
    expect(await lookForFaces('/nonexistent.srt', 'x.srt', 'srt')).toEqual({ kind: 'none' });
  });
});

/**
 * `faces: withhold` and `inspect --faces` through the built CLI: a picture with a face is
 * withheld with the face named, where OpenCV's independent detector puts it; a picture without
 * one is cleaned exactly as it is without the rule; what cannot be looked at (video, a DNG's raw
 * data, a picture that does not decode) is withheld, never passed unlooked; a rerun redoes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileReport, InspectReport } from '../../src/report/model.js';
import type { Manifest, ManifestRecord } from '../../src/scrub/manifest.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { type Box, haarFaces, overlap, picture, toJpeg } from './opencv.js';

let dir: string;
let inputs: string[];
let astronaut: string;
let coffee: string;
let undecodable: string;
const DJI = corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg');
const MOV = corpusFile('media', 'exiftool-QuickTime.mov');
const DNG = corpusFile('media', 'exiftool-DNG.dng');
const SRT = corpusFile('srt', 'embedder-Mini5PRO.SRT');

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-cli-faces-'));
  const input = join(dir, 'in');
  mkdirSync(input);
  astronaut = toJpeg(picture('astronaut.png'), join(input, 'astronaut.jpg'));
  coffee = toJpeg(picture('coffee.png'), join(input, 'coffee.jpg'));
  // Coffee's JPEG with its entropy-coded data cut off half-way: the metadata reads, the picture does not.
  const bytes = readFileSync(coffee);
  const sos = bytes.indexOf(Buffer.from([0xff, 0xda]));
  undecodable = join(input, 'half.jpg');
  writeFileSync(
    undecodable,
    Buffer.concat([bytes.subarray(0, sos + (bytes.length - sos) / 2), Buffer.from([0xff, 0xd9])]),
  );
  inputs = [input, DJI, MOV, DNG, SRT];
  writeFileSync(join(dir, 'faces.yaml'), 'media:\n  faces: withhold\n');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifestOf = (out: string): Manifest =>
  JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8'));
const recordOf = (m: Manifest, input: string): ManifestRecord => {
  const r = m.files.find((f) => f.input === input);
  if (!r) throw new Error(`no record for ${input}`);
  return r;
};

describe('scrub --policy (faces: withhold)', () => {
  let out: string;
  let first: ReturnType<typeof airlock>;
  beforeAll(() => {
    out = join(dir, 'out');
    first = airlock(['scrub', ...inputs, '--out', out, '--policy', join(dir, 'faces.yaml'), '--no-progress']);
  }, 180_000);

  it('withholds the portrait, naming the face where OpenCV finds it', () => {
    expect(first.stderr).not.toMatch(/astronaut/);
    const r = recordOf(manifestOf(out), astronaut);
    expect(r.status).toBe('withheld');
    expect(r.withheld?.why).toBe('faces');
    const m = /a face is in the picture at (\d+)×(\d+)\+(\d+)\+(\d+)/.exec(r.withheld?.detail ?? '');
    expect(m, r.withheld?.detail).not.toBeNull();
    const [w, h, x, y] = (m ?? []).slice(1).map(Number) as [number, number, number, number];
    const [haar] = Object.values(haarFaces([astronaut]));
    expect(haar).toHaveLength(1);
    expect(overlap([x, y, w, h], haar?.[0] as Box)).toBeGreaterThan(0.5);
    expect(r.findings).toEqual([
      { category: 'face', tag: 'Face', path: 'picture', action: 'drop', count: 1 },
    ]);
    expect(existsSync(join(out, 'in', 'astronaut.jpg'))).toBe(false);
    expect(first.stdout).toMatch(/withheld {3}\S*astronaut\.jpg: a face is in the picture at/);
  });

  it('cleans pictures without faces exactly as without the rule, and sidecars as ever', () => {
    const plain = join(dir, 'plain');
    const r = airlock(['scrub', coffee, DJI, SRT, '--out', plain, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const m = manifestOf(out);
    for (const [input, name] of [
      [coffee, join('in', 'coffee.jpg')],
      [DJI, 'dji-mavic2pro-hasselblad-L1D-20c.jpg'],
      [SRT, 'embedder-Mini5PRO.SRT'],
    ] as const) {
      expect(recordOf(m, input).status, input).toBe('clean');
      const base = name.split('/').pop() as string;
      expect(readFileSync(join(out, name)).equals(readFileSync(join(plain, base))), name).toBe(true);
    }
  });

  it('withholds what it cannot look at: a video, a DNG, a picture that does not decode', () => {
    const m = manifestOf(out);
    expect(recordOf(m, MOV).withheld).toEqual({
      why: 'faces',
      detail: 'faces are not looked for in mov files yet',
    });
    expect(recordOf(m, DNG).withheld).toEqual({
      why: 'faces',
      detail: 'faces are not looked for in dng files yet',
    });
    const half = recordOf(m, undecodable);
    expect(half.status).toBe('withheld');
    expect(half.withheld?.detail).toMatch(
      /^faces could not be looked for: the picture could not be decoded: .*(premature end|JPEG)/i,
    );
    for (const f of ['exiftool-QuickTime.mov', 'exiftool-DNG.dng', join('in', 'half.jpg')])
      expect(existsSync(join(out, f)), f).toBe(false);
    // Withholding is the policy at work, not a failure: the run exits 0.
    expect(first.code, first.stderr).toBe(0);
  });

  it('a rerun redoes nothing, and still says withheld', () => {
    const before = readFileSync(join(out, 'airlock-manifest.json'), 'utf8');
    const again = airlock([
      'scrub',
      ...inputs,
      '--out',
      out,
      '--policy',
      join(dir, 'faces.yaml'),
      '--no-progress',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /withheld {3}\S*astronaut\.jpg: a face is in the picture at .* \(as before, under this policy\)/,
    );
    expect(again.stdout).not.toMatch(/^clean/m);
    const m = manifestOf(out);
    expect(recordOf(m, astronaut).finishedAt).toBe(recordOf(JSON.parse(before), astronaut).finishedAt);
  }, 120_000);
});

describe('inspect and faces', () => {
  const faceFindings = (f: FileReport | undefined) =>
    (f?.findings ?? []).filter((x) => x.category === 'face');
  const fileOf = (r: InspectReport, p: string) => r.files.find((f) => f.path === p);

  it('--faces lists the face, kept under the default policy, and none in the other pictures', () => {
    const r = airlock(['inspect', '--faces', '--json', astronaut, coffee, DJI]);
    const report = JSON.parse(r.stdout) as InspectReport;
    const [face, ...more] = faceFindings(fileOf(report, astronaut));
    expect(more).toEqual([]);
    expect(face?.value.kind).toBe('region');
    expect(face?.action).toBe('keep');
    if (face?.value.kind === 'region') {
      const [haar] = Object.values(haarFaces([astronaut]));
      expect(
        overlap([face.value.x, face.value.y, face.value.width, face.value.height], haar?.[0] as Box),
      ).toBeGreaterThan(0.5);
      expect(face.value.score).toBeGreaterThan(0.5);
    }
    expect(faceFindings(fileOf(report, coffee))).toEqual([]);
    expect(faceFindings(fileOf(report, DJI))).toEqual([]);
    expect(report.summary.byCategory.face).toBe(1);
  }, 60_000);

  it('under faces: withhold, says what scrub does: every finding of the portrait withheld, why, and what was not looked at', () => {
    const r = airlock([
      'inspect',
      '--json',
      '--policy',
      join(dir, 'faces.yaml'),
      astronaut,
      coffee,
      MOV,
      undecodable,
    ]);
    const report = JSON.parse(r.stdout) as InspectReport;
    const portrait = fileOf(report, astronaut);
    expect(portrait?.findings.length).toBeGreaterThan(1);
    for (const f of portrait?.findings ?? []) {
      expect(f.action).toBe('withhold');
      expect(f.actionReason).toMatch(/^a face is in the picture at /);
    }
    expect((fileOf(report, coffee)?.findings ?? []).some((f) => f.action === 'withhold')).toBe(false);
    expect(fileOf(report, MOV)?.warnings).toContainEqual({
      name: 'faces-not-looked-for',
      detail: 'faces are not looked for in mov files yet',
    });
    expect(fileOf(report, undecodable)?.warnings.map((w) => w.name)).toContain('faces-not-looked-for');
  }, 60_000);
});

/**
 * Scrubbing MP4/MOV, judged by tools that are not Airlock: ffmpeg decodes the clean copy and its
 * original (every video and audio frame's MD5 equal: lossless), ffprobe lists the streams kept,
 * ExifTool reads what metadata is left. The videos are made here by ffmpeg (a moov-first file,
 * so every chunk offset must move) with DJI GO 4-style caption telemetry as a subtitle track,
 * a 3GPP location, an artist and a creation time, then ExifTool adds Keys, UserData and XMP
 * positions to a copy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock, BIN } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, exiftoolJson } from '../helpers/exiftool.js';
import { videoFrames } from './e2e-oracles.js';

let dir: string;
let video: string;

const CAPTIONS = [
  'F/2.8, SS 320, ISO 100, EV 0, GPS (8.6695, 49.4059, 18), D 24.80m, H 6.80m, H.S 0.00m/s, V.S 0.00m/s',
  'F/2.8, SS 320, ISO 100, EV 0, GPS (8.6701, 49.4063, 18), D 25.80m, H 7.80m, H.S 1.00m/s, V.S 0.00m/s',
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-video-'));
  const srt = join(dir, 'cap.srt');
  writeFileSync(
    srt,
    CAPTIONS.map((c, i) => `${i + 1}\n00:00:0${i},000 --> 00:00:0${i + 1},000\n${c}\n`).join('\n'),
  );
  video = join(dir, 'DJI_0001.MP4');
  execFileSync('ffmpeg', [
    ...'-v error -y -f lavfi -i testsrc=duration=2:size=160x120:rate=10 -f lavfi -i sine=frequency=440:duration=2 -i'.split(
      ' ',
    ),
    srt,
    ...'-map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -c:a aac -c:s mov_text -metadata location=+51.5074-000.1278/ -metadata'.split(
      ' ',
    ),
    'artist=Pilot One',
    ...'-metadata creation_time=2024-05-01T10:20:30Z -movflags +faststart'.split(' '),
    video,
  ]);
  execFileSync(EXIFTOOL, [
    '-q',
    '-overwrite_original',
    '-Keys:GPSCoordinates#=49.4059 8.6695 120',
    '-UserData:GPSCoordinates#=49.4059 8.6695 120',
    '-XMP-exif:GPSLatitude#=49.4059',
    '-XMP-exif:GPSLongitude#=8.6695',
    '-Keys:Model=FC3411',
    '-Keys:Author=Ops Team',
    video,
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const streams = (file: string): string[] =>
  execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');

function scrub(input: string, name: string, policy?: string): { out: string; code: number | null } {
  const out = join(dir, name);
  const args = ['scrub', '--no-progress', input, '--out', out];
  if (policy) {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, policy);
    args.push('--policy', p);
  }
  const r = airlock(args);
  return { out, code: r.code };
}

const manifest = (out: string) => JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8'));

describe('scrub of an MP4 with caption telemetry, a location, a person and dates', () => {
  it('default policy: every frame decodes the same; positions on the grid in every carrier; captions gone', () => {
    const before = readFileSync(video);
    const { out, code } = scrub(video, 'default');
    expect(code).toBe(0);
    expect(readFileSync(video).equals(before)).toBe(true);
    const copy = join(out, 'DJI_0001.MP4');
    expect(videoFrames(copy)).toBe(videoFrames(video));
    expect(videoFrames(copy).split('\n').length).toBeGreaterThan(30);
    expect(streams(video)).toEqual(['video', 'audio', 'subtitle']);
    expect(streams(copy)).toEqual(['video', 'audio']);
    // The caption samples are zeroed, not merely unreferenced.
    const bytes = readFileSync(copy).toString('latin1');
    for (const c of CAPTIONS) expect(bytes).not.toContain(c.slice(0, 30));
    expect(bytes).not.toContain('GPS (');

    const [rec] = exiftoolJson([copy], ['-ee']);
    const tags = Object.keys(rec ?? {});
    expect(tags.filter((t) => /Artist|Author|LocationInformation|Text$/.test(t))).toEqual([]);
    // One coarsened position, the same in every carrier, and not the original.
    const [klat, klon] = String(rec?.['Keys:GPSCoordinates']).split(' ').map(Number);
    const [ulat, ulon] = String(rec?.['UserData:GPSCoordinates']).split(' ').map(Number);
    expect([ulat, ulon]).toEqual([klat, klon]);
    expect(rec?.['XMP-exif:GPSLatitude']).toBeCloseTo(klat as number, 7);
    expect(rec?.['XMP-exif:GPSLongitude']).toBeCloseTo(klon as number, 7);
    expect(Math.abs((klat as number) - 49.4059)).toBeGreaterThan(1e-5);
    expect(Math.abs((klat as number) - 49.4059)).toBeLessThan(0.01);
    // Dates cut to midnight, the camera model kept.
    for (const t of tags.filter((x) => /(Create|Modify)Date$/.test(x) && !x.startsWith('System')))
      expect(String(rec?.[t]), t).toMatch(/^2024:05:01 00:00:00/);
    expect(rec?.['Keys:Model']).toBe('FC3411');

    const f = manifest(out).files[0];
    expect(f).toMatchObject({ status: 'clean', format: 'mp4' });
    expect(f.imageHashIn).toBe(f.imageHashOut);
    expect(f.notes.join('\n')).toMatch(/track removed whole.*samples zeroed/);
  });

  it('location drop: ExifTool finds no position of any kind', () => {
    const { out, code } = scrub(
      video,
      'drop',
      'version: 1\nmedia:\n  location: {drone: drop, operator: drop, target: drop}\n',
    );
    expect(code).toBe(0);
    const copy = join(out, 'DJI_0001.MP4');
    const [rec] = exiftoolJson([copy], ['-ee']);
    expect(Object.keys(rec ?? {}).filter((t) => /GPS|Location/.test(t))).toEqual([]);
    expect(videoFrames(copy)).toBe(videoFrames(video));
  });

  it('mapping profile: positions kept as they are, people still dropped', () => {
    const { out, code } = scrub(video, 'mapping', 'version: 1\nprofile: mapping\n');
    expect(code).toBe(0);
    const copy = join(out, 'DJI_0001.MP4');
    const [was] = exiftoolJson([video]);
    const [rec] = exiftoolJson([copy]);
    expect(rec?.['Keys:GPSCoordinates']).toBe(was?.['Keys:GPSCoordinates']);
    expect(rec?.['UserData:GPSCoordinates']).toBe(was?.['UserData:GPSCoordinates']);
    expect(rec?.['XMP-exif:GPSLatitude']).toBe(was?.['XMP-exif:GPSLatitude']);
    expect(Object.keys(rec ?? {}).filter((t) => /Artist|Author/.test(t))).toEqual([]);
    expect(videoFrames(copy)).toBe(videoFrames(video));
  });
});

describe('scrub of other videos', () => {
  it('the corpus MP4: frames identical, dates cut, the encoder (camera model) kept', () => {
    const { out, code } = scrub(corpusFile('media', 'mat2-dirty.mp4'), 'corpus');
    expect(code).toBe(0);
    const copy = join(out, 'mat2-dirty.mp4');
    expect(videoFrames(copy)).toBe(videoFrames(corpusFile('media', 'mat2-dirty.mp4')));
    const [rec] = exiftoolJson([copy]);
    expect(rec?.['QuickTime:CreateDate']).toBe('2010:03:20 00:00:00');
    expect(rec?.['ItemList:Encoder']).toBe('HandBrake 0.9.4 2009112300');
  });

  it('a track of 192,000 samples (4 s of 48 kHz PCM, as cameras record) is cleaned, frames and sound identical', () => {
    const mov = join(dir, 'pcm.mov');
    execFileSync('ffmpeg', [
      ...'-v error -y -f lavfi -i testsrc=size=160x120:rate=10 -f lavfi -i sine=sample_rate=48000 -t 4'.split(
        ' ',
      ),
      ...'-c:v libx264 -preset ultrafast -c:a pcm_s16le'.split(' '),
      mov,
    ]);
    const count = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'a',
        '-count_packets',
        '-show_entries',
        'stream=nb_frames',
        '-of',
        'csv=p=0',
        mov,
      ],
      { encoding: 'utf8' },
    ).trim();
    // More sample-table entries than a spread of function arguments can carry in V8.
    expect(Number(count)).toBeGreaterThanOrEqual(192_000);
    const { out, code } = scrub(mov, 'pcm');
    expect(code).toBe(0);
    expect(videoFrames(join(out, 'pcm.mov'))).toBe(videoFrames(mov));
  });

  it('bytes in mdat that no track points to (data hidden between samples) are zeroed', () => {
    // The ffmpeg video is moov-first, mdat last: grow mdat by a secret no sample table names.
    const b = readFileSync(video);
    const at = b.lastIndexOf('mdat') - 4;
    expect(at + b.readUInt32BE(at)).toBe(b.length);
    const secret = Buffer.from('HIDDEN launch site 51.50740,-0.12780 serial 0K1234567');
    const hidden = Buffer.concat([b, secret]);
    hidden.writeUInt32BE(b.readUInt32BE(at) + secret.length, at);
    const file = join(dir, 'hidden.mp4');
    writeFileSync(file, hidden);
    const { out, code } = scrub(file, 'hidden');
    expect(code).toBe(0);
    const copy = readFileSync(join(out, 'hidden.mp4'));
    expect(copy.includes(secret)).toBe(false);
    expect(copy.includes(Buffer.from('0K1234567'))).toBe(false);
    expect(videoFrames(join(out, 'hidden.mp4'))).toBe(videoFrames(file));
  });

  it('a video bigger than memory would like is cleaned in place: streamed, never read whole', () => {
    // The moov-first ffmpeg video with 300 MB no track points to appended inside its mdat: cleaned
    // (to zeros) like any bytes there, which the copy must show, without the process ever
    // holding the file (peak RSS, GNU time's %M, well under the file's size).
    const b = readFileSync(video);
    const at = b.lastIndexOf('mdat') - 4;
    const big = join(dir, 'big.mp4');
    const pad = Buffer.alloc(300 * 1024 * 1024, 0x41);
    const head = Buffer.from(b);
    head.writeUInt32BE(b.readUInt32BE(at) + pad.length, at);
    writeFileSync(big, Buffer.concat([head, pad]));
    const out = join(dir, 'big-out');
    const run = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, BIN, 'scrub', '--no-progress', big, '--out', out],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const peakKb = Number(run.stderr.trim().split('\n').pop());
    console.log(`scrub of a ${statSync(big).size}-byte video: peak RSS ${Math.round(peakKb / 1024)} MB`);
    expect(peakKb * 1024).toBeLessThan(pad.length / 2);
    const copy = join(out, 'big.mp4');
    // Smaller by the metadata it lost, nothing more.
    expect(statSync(big).size - statSync(copy).size).toBeGreaterThan(0);
    expect(statSync(big).size - statSync(copy).size).toBeLessThan(4096);
    expect(videoFrames(copy)).toBe(videoFrames(video));
    // The appended run is zeros in the copy: read its last megabyte.
    const fd = openSync(copy, 'r');
    const tail = Buffer.alloc(1024 * 1024);
    readSync(fd, tail, 0, tail.length, statSync(copy).size - tail.length);
    closeSync(fd);
    expect(tail.every((x) => x === 0)).toBe(true);
    expect(manifest(out).files[0]).toMatchObject({ status: 'clean' });
    rmSync(big);
    rmSync(out, { recursive: true });
  });

  it('a fragmented MP4 (moof) is refused with the reason, nothing written', () => {
    const frag = join(dir, 'frag.mp4');
    copyFileSync(video, join(dir, 'src.mp4'));
    execFileSync('ffmpeg', [
      ...'-v error -y -i'.split(' '),
      join(dir, 'src.mp4'),
      ...'-map 0:v -c copy -movflags frag_keyframe+empty_moov'.split(' '),
      frag,
    ]);
    const { out, code } = scrub(frag, 'frag');
    expect(code).toBe(2);
    const f = manifest(out).files[0];
    expect(f.status).toBe('error');
    expect(f.error).toMatch(/fragmented MP4/);
    expect(existsSync(join(out, 'frag.mp4'))).toBe(false);
  });
});

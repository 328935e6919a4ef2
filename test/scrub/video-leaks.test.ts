/**
 * What a clean MP4/MOV must not carry, planted where QA found it surviving: free-text names
 * (handler, compressor, reel), a timecode track, boxes no player reads (dinf › udta, a dref URL,
 * tref and stbl extras, pnot, a uuid in a sample entry, sgpd payload, ftyp brands, bytes past a
 * box's fields, a stray child of an item), a short mvhd, a chapter reference left dangling,
 * encrypted media, boxes nested 30,000 deep. ffmpeg makes the videos; boxes are edited here with
 * a small writer. The oracles are not Airlock: a byte search for each planted secret, ExifTool,
 * ffprobe, and ffmpeg's framemd5 of every frame.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../cli/built.js';
import { EXIFTOOL } from '../helpers/exiftool.js';
import { videoFrames } from './e2e-oracles.js';

let dir: string;
/** moov last (ffmpeg's default): edits inside moov move no sample. */
let base: string;

const SMALL =
  '-v error -y -f lavfi -i testsrc=duration=1:size=160x120:rate=10 -f lavfi -i sine=frequency=440:duration=1'.split(
    ' ',
  );
const CODECS = '-c:v libx264 -preset ultrafast -c:a aac'.split(' ');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-video-leaks-'));
  base = join(dir, 'base.mp4');
  execFileSync('ffmpeg', [
    ...SMALL,
    ...CODECS,
    ...['-metadata:s:v', 'handler_name=SERIAL123', '-metadata:s:v', 'encoder=VIDENCSECRET', base],
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// --- A small box writer: enough of ISO/IEC 14496-12 to plant things and write the file back. ---

interface B {
  type: string;
  /** The body of a leaf box. */
  data?: Buffer;
  /** The children of a container, after `skip` (a full box's version and flags). */
  kids?: B[];
  skip?: Buffer;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts', 'dinf', 'ilst', 'tref']);

function parse(b: Buffer, parent = ''): B[] {
  const out: B[] = [];
  for (let at = 0; at + 8 <= b.length; ) {
    const size = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const body = b.subarray(at + 8, at + size);
    if (type === 'meta') out.push({ type, skip: body.subarray(0, 4), kids: parse(body.subarray(4), type) });
    else if (CONTAINERS.has(type) || parent === 'ilst') out.push({ type, kids: parse(body, type) });
    else out.push({ type, data: Buffer.from(body) });
    at += size;
  }
  return out;
}

function write(x: B): Buffer {
  const body = x.kids ? Buffer.concat([x.skip ?? Buffer.alloc(0), ...x.kids.map(write)]) : (x.data as Buffer);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(x.type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** Every box at `path` (types, from the top). */
function find(list: B[], ...path: string[]): B[] {
  let level = list;
  let hits: B[] = [];
  for (const type of path) {
    hits = level.filter((x) => x.type === type);
    level = hits.flatMap((x) => x.kids ?? []);
  }
  return hits;
}
const one = (list: B[], ...path: string[]): B => {
  const [x] = find(list, ...path);
  if (!x) throw new Error(`no ${path.join('/')}`);
  return x;
};

const leaf = (type: string, data: Buffer | string): B => ({
  type,
  data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data,
});
/** A QuickTime '©' text item: [u16 length][u16 language][text]. */
function textItem(type: string, text: string): B {
  const t = Buffer.from(text);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(t.length);
  head.writeUInt16BE(0x55c4, 2);
  return leaf(type, Buffer.concat([head, t]));
}
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Moves every chunk offset by `delta` (a box added or grown before mdat). */
function shiftChunks(top: B[], delta: number): void {
  for (const stco of find(top, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stco')) {
    const d = stco.data as Buffer;
    for (let i = 0; i < d.readUInt32BE(4); i++) d.writeUInt32BE(d.readUInt32BE(8 + i * 4) + delta, 8 + i * 4);
  }
}

function edit(from: string, name: string, change: (top: B[]) => void): string {
  const top = parse(readFileSync(from));
  change(top);
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(top.map(write)));
  return file;
}

// --- Running Airlock and the oracles. ---

function scrub(input: string, name: string, policy?: string) {
  const out = join(dir, `${name}-out`);
  const args = ['scrub', '--no-progress', input, '--out', out];
  if (policy) {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, `version: 1\n${policy}`);
    args.push('--policy', p);
  }
  const r = airlock(args);
  const manifest = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8'));
  const file = join(out, input.slice(input.lastIndexOf('/') + 1));
  return { code: r.code, file, entry: manifest.files[0], stderr: r.stderr };
}

/** `exiftool -a -u -G1 -ee`, as text: every tag it reads, duplicates and unknowns included. */
const exiftool = (file: string): string =>
  execFileSync(EXIFTOOL, ['-a', '-u', '-G1', '-ee', file], { encoding: 'utf8' });

/** ffprobe's complaints about a file (empty when it reads it cleanly). */
const probeErrors = (file: string): string =>
  spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_chapters', file], { encoding: 'utf8' }).stderr;

const streams = (file: string): string[] =>
  execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');

const pictureFrames = (file: string): string =>
  execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .join('\n');

const holds = (file: string, secret: string): boolean =>
  readFileSync(file).includes(Buffer.from(secret, 'latin1'));

describe('free-text names in boxes kept for playback', () => {
  it('handler, compressor, meta and minf handler names are blanked; the frames stay identical', () => {
    const file = edit(base, 'names.mp4', (top) => {
      const meta = one(top, 'moov', 'udta', 'meta');
      const hdlr = (meta.kids ?? []).find((k) => k.type === 'hdlr');
      if (hdlr)
        hdlr.data = Buffer.concat([(hdlr.data as Buffer).subarray(0, 24), Buffer.from('METAHDLRSECRET\0')]);
      else
        meta.kids?.unshift(
          leaf(
            'hdlr',
            Buffer.concat([
              Buffer.alloc(8),
              Buffer.from('mdir'),
              Buffer.alloc(12),
              Buffer.from('METAHDLRSECRET\0'),
            ]),
          ),
        );
      // QuickTime's data handler in minf, with a name.
      one(top, 'moov', 'trak', 'mdia', 'minf').kids?.splice(
        1,
        0,
        leaf(
          'hdlr',
          Buffer.concat([
            Buffer.alloc(4),
            Buffer.from('dhlrurl '),
            Buffer.alloc(12),
            Buffer.from('MINFHDLRSECRET'),
          ]),
        ),
      );
    });
    const before = exiftool(file);
    expect(before).toMatch(/Handler Description\s*: SERIAL123/);
    expect(before).toMatch(/Compressor Name\s*: VIDENCSECRET/);
    const { code, file: copy, entry } = scrub(file, 'names');
    expect(code).toBe(0);
    expect(entry.status).toBe('clean');
    for (const s of ['SERIAL123', 'VIDENCSECRET', 'METAHDLRSECRET', 'MINFHDLRSECRET'])
      expect(holds(copy, s), s).toBe(false);
    expect(exiftool(copy)).not.toMatch(/SECRET|SERIAL123/);
    expect(videoFrames(copy)).toBe(videoFrames(file));
    expect(probeErrors(copy)).toBe('');
  });

  it('a keep list names them: they stay', () => {
    const { code, file: copy } = scrub(
      base,
      'names-kept',
      'media:\n  keep: [HandlerDescription, CompressorName]\n',
    );
    expect(code).toBe(0);
    expect(holds(copy, 'SERIAL123')).toBe(true);
    expect(holds(copy, 'VIDENCSECRET')).toBe(true);
  });
});

describe('tracks beyond picture and sound', () => {
  it("a MOV's timecode track (the time of day, a reel name) goes whole; under time: keep it stays", () => {
    const mov = join(dir, 'tc.mov');
    execFileSync('ffmpeg', [
      ...SMALL,
      ...CODECS,
      ...'-timecode 14:23:11:05 -metadata:s:v reel_name=REELSECRET'.split(' '),
      mov,
    ]);
    const timecode = (f: string): string =>
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream_tags=timecode', '-of', 'csv=p=0', f], {
        encoding: 'utf8',
      });
    expect(timecode(mov)).toMatch(/14:23:11/);
    expect(holds(mov, 'REELSECRET')).toBe(true);
    const { code, file: copy, entry } = scrub(mov, 'tc');
    expect(code).toBe(0);
    expect(timecode(copy)).not.toMatch(/14:23:11/);
    expect(holds(copy, 'REELSECRET')).toBe(false);
    expect(entry.notes.join('\n')).toMatch(/Timecode\(tmcd\).*samples zeroed/);
    expect(videoFrames(copy)).toBe(videoFrames(mov));
    // The video track's tref › tmcd named the track that went: gone with it.
    expect(probeErrors(copy)).toBe('');

    const kept = scrub(mov, 'tc-kept', 'media:\n  time: keep\n');
    expect(kept.code).toBe(0);
    expect(timecode(kept.file)).toMatch(/14:23:11/);
  });

  it('a track relabelled hint goes whole, its samples zeroed', () => {
    const file = edit(base, 'hint.mp4', (top) => {
      const hdlr = (find(top, 'moov', 'trak', 'mdia', 'hdlr')[1] as B).data as Buffer;
      expect(hdlr.toString('latin1', 8, 12)).toBe('soun');
      hdlr.write('hint', 8, 'latin1');
    });
    const { code, file: copy } = scrub(file, 'hint');
    expect(code).toBe(0);
    expect(streams(copy)).toEqual(['video']);
    expect(pictureFrames(copy)).toBe(pictureFrames(file));
  });
});

describe('boxes no player reads are not copied', () => {
  it('every planted box or byte run is gone, ExifTool reads none, the frames are identical', () => {
    const file = edit(base, 'planted.mp4', (top) => {
      const trak = one(top, 'moov', 'trak');
      one([trak], 'trak', 'edts').kids?.push({ type: 'udta', kids: [textItem('\xa9ART', 'EDTSARTSECRET')] });
      const minf = one([trak], 'trak', 'mdia', 'minf');
      const dinf = one([minf], 'minf', 'dinf');
      dinf.kids?.push({ type: 'udta', kids: [textItem('\xa9ART', 'DINFARTSECRET')] });
      const dref = one([dinf], 'dinf', 'dref');
      const url = write(
        leaf('url ', Buffer.concat([Buffer.alloc(4), Buffer.from('file:///Users/jd/DREFSECRET.mov\0')])),
      );
      const d = dref.data as Buffer;
      dref.data = Buffer.concat([d.subarray(0, 4), u32(d.readUInt32BE(4) + 1), d.subarray(8), url]);
      trak.kids?.splice(2, 0, { type: 'tref', kids: [leaf('junk', 'TREFSECRET')] });
      const stbl = one([minf], 'minf', 'stbl');
      stbl.kids?.push(leaf('free', 'STBLFREESECRET'));
      stbl.kids?.push(
        leaf(
          'sgpd',
          Buffer.concat([Buffer.from('\x01\0\0\0SECR', 'latin1'), u32(4), u32(1), Buffer.from('SGPDSECRET')]),
        ),
      );
      // A uuid after avc1's codec configuration.
      const stsd = one([stbl], 'stbl', 'stsd');
      const s = stsd.data as Buffer;
      const size = s.readUInt32BE(8);
      const extra = write(
        leaf('uuid', Buffer.concat([Buffer.alloc(16, 0x11), Buffer.from('STSDUUIDSECRET')])),
      );
      const entry = Buffer.concat([s.subarray(8, 8 + size), extra]);
      entry.writeUInt32BE(size + extra.length);
      stsd.data = Buffer.concat([s.subarray(0, 8), entry, s.subarray(8 + size)]);
      // Bytes past the defined fields.
      for (const [path, secret] of [
        [['moov', 'mvhd'], 'MVHDTRAILSECRET'],
        [['moov', 'trak', 'tkhd'], 'TKHDTRAILSECRET'],
        [['moov', 'trak', 'mdia', 'mdhd'], 'MDHDTRAILSECRET'],
        [['moov', 'trak', 'mdia', 'minf', 'vmhd'], 'VMHDTRAILSECRET'],
      ] as const) {
        const b = one(top, ...path);
        b.data = Buffer.concat([b.data as Buffer, Buffer.from(secret)]);
      }
      // A child other than 'data' inside the encoder item (which the default policy keeps).
      const too = one(top, 'moov', 'udta', 'meta', 'ilst', '\xa9too');
      too.kids?.push(leaf('name', Buffer.concat([Buffer.alloc(4), Buffer.from('ILSTNAMESECRET')])));
      // Before mdat: a preview reference and two brands of nobody's; every sample moves.
      const pnot = leaf(
        'pnot',
        Buffer.concat([u32(0xdd5a1234), Buffer.from('\0\0PICT\0\x01PNOTSECRET', 'latin1')]),
      );
      const ftyp = top[0] as B;
      ftyp.data = Buffer.concat([ftyp.data as Buffer, Buffer.from('SECRFTYP')]);
      top.splice(1, 0, pnot);
      shiftChunks(top, write(pnot).length + 8);
    });
    const secrets = [
      'EDTSARTSECRET',
      'DINFARTSECRET',
      'DREFSECRET',
      'TREFSECRET',
      'STBLFREESECRET',
      'SGPDSECRET',
      'STSDUUIDSECRET',
      'MVHDTRAILSECRET',
      'TKHDTRAILSECRET',
      'MDHDTRAILSECRET',
      'VMHDTRAILSECRET',
      'ILSTNAMESECRET',
      'PNOTSECRET',
      'SECRFTYP',
      'SECR',
    ];
    for (const s of secrets) expect(holds(file, s), s).toBe(true);
    const before = exiftool(file);
    expect(before).toMatch(/URL\s*: file:\/\/\/Users\/jd\/DREFSECRET/);
    expect(before).toMatch(/Preview Date/);
    expect(videoFrames(file)).toBe(videoFrames(base));

    const { code, file: copy, entry } = scrub(file, 'planted');
    expect(code).toBe(0);
    expect(entry.status).toBe('clean');
    for (const s of secrets) expect(holds(copy, s), s).toBe(false);
    const after = exiftool(copy);
    expect(after).not.toMatch(/SECR|Preview Date|file:\/\//);
    expect(after).toMatch(/Compatible Brands\s*: isom, iso2, avc1, mp41\n/);
    expect(videoFrames(copy)).toBe(videoFrames(file));
    expect(probeErrors(copy)).toBe('');
    // The encoder the policy keeps is still there.
    expect(after).toMatch(/Encoder\s*: Lavf/);
  });
});

describe('damage and what cannot be shown lossless', () => {
  it('a short mvhd (version/flags and a creation time only) is refused with its offset', () => {
    for (const [version, bytes] of [
      [0, 8],
      [1, 16],
    ] as const) {
      const name = `short-mvhd-${version}.mp4`;
      const file = edit(base, name, (top) => {
        const mvhd = one(top, 'moov', 'mvhd');
        const d = Buffer.alloc(bytes);
        d[0] = version;
        // 2021-06-15 14:23:11 UTC, seconds since 1904.
        const seconds = Date.UTC(2021, 5, 15, 14, 23, 11) / 1000 + 2_082_844_800;
        if (version === 1) d.writeBigUInt64BE(BigInt(seconds), 4);
        else d.writeUInt32BE(seconds, 4);
        mvhd.data = d;
      });
      expect(exiftool(file)).toMatch(/Create Date\s*: 2021:06:15 14:23:11/);
      const { entry } = scrub(file, name);
      expect(JSON.stringify(entry)).toMatch(/'mvhd' of \d+ bytes.*at offset \d+/);
      expect(existsSync(join(dir, `${name}-out`, name))).toBe(false);
    }
  });

  it('chapters removed with their track leave no reference to it (ffprobe reads the copy cleanly)', () => {
    const meta = join(dir, 'chapters.txt');
    writeFileSync(
      meta,
      ';FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=CHAPSECRET one\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=two\n',
    );
    const mp4 = join(dir, 'chapters.mp4');
    execFileSync('ffmpeg', [
      ...SMALL,
      '-i',
      meta,
      '-map',
      '0',
      '-map',
      '1',
      '-map_metadata',
      '2',
      ...CODECS,
      mp4,
    ]);
    expect(probeErrors(mp4)).toBe('');
    const { code, file: copy } = scrub(mp4, 'chapters');
    expect(code).toBe(0);
    expect(holds(copy, 'CHAPSECRET')).toBe(false);
    expect(probeErrors(copy)).toBe('');
    expect(videoFrames(copy)).toBe(videoFrames(mp4));
  });

  it('CENC-encrypted media is refused with the reason, nothing written', () => {
    const enc = join(dir, 'enc.mp4');
    execFileSync('ffmpeg', [
      ...SMALL,
      ...CODECS,
      ...'-encryption_scheme cenc-aes-ctr -encryption_key 76a6c65c5ea762046bd749a2e632ccbb -encryption_kid a7e61c373e219033c21091fa607bf3b8'.split(
        ' ',
      ),
      enc,
    ]);
    const { code, entry } = scrub(enc, 'enc');
    expect(code).toBe(2);
    expect(entry.status).toBe('error');
    expect(entry.error).toMatch(/encrypted media \('enc[av]'\).*offset|offset \d+: encrypted media/);
    expect(existsSync(join(dir, 'enc-out', 'enc.mp4'))).toBe(false);
  });

  it('30,000 boxes nested inside a kept item: gone by default; kept, an error naming the offset, never a stack overflow', () => {
    const file = edit(base, 'nest.mp4', (top) => {
      let inner = Buffer.from('NESTSECRET');
      for (let i = 0; i < 30_000; i++)
        inner = Buffer.concat([u32(8 + inner.length), Buffer.from('udta'), inner]);
      one(top, 'moov', 'udta', 'meta', 'ilst', '\xa9too').kids?.push(leaf('udta', inner.subarray(8)));
    });
    const clean = scrub(file, 'nest');
    expect(clean.code).toBe(0);
    expect(holds(clean.file, 'NESTSECRET')).toBe(false);
    expect(videoFrames(clean.file)).toBe(videoFrames(base));

    const kept = scrub(file, 'nest-kept', "media:\n  keep: ['*']\n");
    const said = JSON.stringify(kept.entry);
    expect(said).not.toMatch(/call stack/);
    expect(said).toMatch(/offset \d+: nested boxes: \d+ exceeds limit 32/);
    expect(existsSync(kept.file)).toBe(false);
  });
});

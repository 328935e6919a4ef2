/**
 * Hostile videos against the scrubber: an ffmpeg-made MP4 (moov after mdat, so nothing added to
 * moov moves a sample) with a position and a serial (MARK) hidden where a scrubber might not look:
 * user data of the movie, of a track, of the media headers; an XMP packet in udta or at the top
 * level; a vendor uuid box; a padding box; a keyed item list and an unused key name; a box among
 * the sample tables; bytes after udta's terminator. Scrubbed by the built CLI with location drop,
 * each clean copy must show ExifTool no position or serial, hold MARK's text nowhere in its
 * bytes, and decode (ffmpeg) to the same frames.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoFrames } from '../../scrub/e2e-oracles.js';
import { caseName, MARK, scratchDir, scrubAndJudge } from './oracles.js';

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const box = (type: string, ...parts: Uint8Array[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
};
const full = (type: string, ...parts: Uint8Array[]): Buffer => box(type, u32(0), ...parts);
/** A QuickTime '©' text item: [u16 length][u16 language 'und'][UTF-8]. */
const textItem = (type: string, text: string): Buffer => {
  const t = Buffer.from(text, 'utf8');
  return box(type, u16(t.length), u16(0x55c4), t);
};

const [LAT, LON, SERIAL] = MARK.split(' ') as [string, string, string];
const ISO6709 = `+${LAT}+00${LON}/`;
const XMP = Buffer.from(
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" exif:GPSLatitude="53,21.904806N" exif:GPSLongitude="6,27.644346E" aux:SerialNumber="${SERIAL}"/></rdf:RDF></x:xmpmeta>`,
);
const XMP_UUID = Buffer.from('be7acfcb97a942e89c71999491e3afac', 'hex');

/** Offsets of the box at `path` (e.g. ['moov', 'trak', 'mdia']), each level the first of its type. */
function find(file: Buffer, path: string[]): { at: number; size: number }[] {
  const chain: { at: number; size: number }[] = [];
  let start = 0;
  let end = file.length;
  for (const type of path) {
    let at = start;
    let hit: { at: number; size: number } | undefined;
    while (at + 8 <= end) {
      const size = file.readUInt32BE(at);
      if (size < 8) break;
      if (file.toString('latin1', at + 4, at + 8) === type) {
        hit = { at, size };
        break;
      }
      at += size;
    }
    if (!hit) throw new Error(`no ${type} in ${path.join('/')}`);
    chain.push(hit);
    start = hit.at + 8 + (type === 'meta' ? 4 : 0);
    end = hit.at + hit.size;
  }
  return chain;
}

/** `file` with `child` appended inside the box at `path` (every enclosing size grown). */
function insert(file: Buffer, path: string[], child: Uint8Array): Buffer {
  const chain = find(file, path);
  const last = chain[chain.length - 1] as { at: number; size: number };
  const at = last.at + last.size;
  const out = Buffer.concat([file.subarray(0, at), child, file.subarray(at)]);
  for (const c of chain) out.writeUInt32BE(c.size + child.length, c.at);
  return out;
}

/** Where MARK is hidden, and how. */
const HIDE: Record<string, (v: Buffer) => Buffer> = {
  'movie user data: ©xyz and a comment': (v) =>
    insert(insert(v, ['moov', 'udta'], textItem('©xyz', ISO6709)), ['moov', 'udta'], textItem('©cmt', MARK)),
  "a track's user data": (v) =>
    insert(v, ['moov', 'trak'], box('udta', textItem('©xyz', ISO6709), textItem('©cmt', MARK))),
  'user data inside the media headers (minf)': (v) =>
    insert(v, ['moov', 'trak', 'mdia', 'minf'], box('udta', textItem('©xyz', ISO6709))),
  'user data beside mdhd (mdia)': (v) =>
    insert(v, ['moov', 'trak', 'mdia'], box('udta', textItem('©cmt', MARK))),
  'a box among the sample tables': (v) =>
    insert(v, ['moov', 'trak', 'mdia', 'minf', 'stbl'], box('xyzw', Buffer.from(MARK))),
  'XMP in udta (XMP_)': (v) => insert(v, ['moov', 'udta'], box('XMP_', XMP)),
  'XMP at the top level, after moov': (v) => Buffer.concat([v, box('uuid', XMP_UUID, XMP)]),
  'a vendor uuid box in moov': (v) =>
    insert(
      v,
      ['moov'],
      box('uuid', Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), Buffer.from(MARK)),
    ),
  'a padding box holding text, at the top level': (v) => Buffer.concat([v, box('free', Buffer.from(MARK))]),
  'a keyed item list, and a key no item uses': (v) => {
    const key = (name: string) => box('mdta', Buffer.from(name));
    const keys = full('keys', u32(2), key('com.apple.quicktime.location.ISO6709'), key(SERIAL));
    const item = box('\0\0\0\x01', box('data', u32(1), u32(0), Buffer.from(ISO6709)));
    const hdlr = full('hdlr', u32(0), Buffer.from('mdta'), Buffer.alloc(12), Buffer.from('\0'));
    return insert(v, ['moov'], full('meta', hdlr, keys, box('ilst', item)));
  },
  "bytes after udta's terminator": (v) =>
    insert(v, ['moov', 'udta'], Buffer.concat([u32(0), u32(0), Buffer.from(MARK)])),
};

let video: Buffer;
beforeAll(() => {
  const file = join(base, 'plain.mp4');
  execFileSync('ffmpeg', [
    ...'-v error -y -f lavfi -i testsrc=duration=1:size=96x64:rate=10 -c:v libx264 -preset ultrafast'.split(
      ' ',
    ),
    file,
  ]);
  video = readFileSync(file);
  // moov is last: what is added inside it moves no sample.
  const [moov] = find(video, ['moov']);
  expect((moov?.at ?? 0) + (moov?.size ?? 0)).toBe(video.length);
});

describe('scrub-leak: MP4 with a position and a serial hidden in its boxes', () => {
  it('every hiding place: no position or serial in any clean copy, the same frames', () => {
    const dir = join(base, 'in');
    mkdirSync(dir);
    const names: string[] = [];
    for (const [how, hide] of Object.entries(HIDE)) {
      const bytes = hide(video);
      expect(bytes.includes(Buffer.from(SERIAL)) || bytes.includes(Buffer.from(LAT)), how).toBe(true);
      const name = `${caseName(how)}.mp4`;
      writeFileSync(join(dir, name), bytes);
      names.push(name);
    }
    const { leaked, clean, withheld } = scrubAndJudge(base, dir, 'video');
    expect(leaked).toEqual([]);
    expect(withheld).toBe(0);
    expect(clean).toBe(names.length);
    const out = join(base, 'video-out');
    for (const name of names) {
      const copy = readFileSync(join(out, name));
      for (const text of [LAT, LON, SERIAL, ISO6709])
        expect(copy.includes(Buffer.from(text)), `${name}: ${text}`).toBe(false);
      expect(videoFrames(join(out, name)), name).toBe(videoFrames(join(dir, name)));
    }
  });
});

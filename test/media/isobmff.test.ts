/**
 * MP4/MOV inspect against ExifTool: the corpus videos' items and times as ExifTool reads them;
 * positions ExifTool itself writes into a copy of a corpus MP4 (Keys, UserData and ItemList
 * GPSCoordinates, XMP); a DJI-style djmd telemetry track added to a copy (ExifTool names it);
 * damage reported with its offset. Copies are made in a temporary folder, never in the project.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { type AnalysisResult, analyseSource } from '../../src/media/registry.js';
import { airlock } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, exiftoolJson } from '../helpers/exiftool.js';
import { prng } from '../helpers/prng.js';

const MOV = corpusFile('media', 'exiftool-QuickTime.mov');
const MP4 = corpusFile('media', 'mat2-dirty.mp4');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-isobmff-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inspect = (path: string): AnalysisResult => analyseSource(new BufferSource(readFileSync(path)), path);
const where = (f: Finding): string => f.path.join('/');

/** Which ExifTool group an item finding is in, by where it lies in these files. */
function groupOf(f: Finding): string | undefined {
  const p = where(f);
  if (p === 'moov/udta') return 'UserData';
  if (p === 'moov/udta/meta/ilst') return 'ItemList';
  if (p === 'moov/meta/ilst') return 'Keys';
  return undefined;
}

/** A finding's value as ExifTool's -n JSON writes it. */
function shown(f: Finding): string {
  const v = f.value;
  switch (v.kind) {
    case 'text':
    case 'time':
      return v.text;
    case 'number':
      return String(v.value);
    case 'block':
      return `(Binary data ${v.size} bytes, use -b option to extract)`;
    case 'position':
      return [v.position.lat, v.position.lon, v.position.alt].filter((x) => x !== undefined).join(' ');
    case 'region':
      throw new Error('a video finding is never a picture region');
  }
}

describe('MP4/MOV items and times, as ExifTool reads the corpus videos', () => {
  it.each([MOV, MP4])('%s: every UserData, ItemList and Keys tag, with its value', (file) => {
    const r = inspect(file);
    expect(r.status).toBe('read');
    const [rec] = exiftoolJson([file]);
    const theirs = Object.entries(rec ?? {})
      .filter(([k]) => /^(UserData|ItemList|Keys):/.test(k))
      .map(([k, v]) => `${k} = ${String(v)}`)
      .sort();
    expect(theirs.length).toBeGreaterThan(0);
    const items = r.findings.filter((f) => groupOf(f) !== undefined);
    const ours = items
      .filter((f) => f.category !== 'opaque')
      .map((f) => `${groupOf(f)}:${f.tag} = ${shown(f)}`)
      .sort();
    expect(ours).toEqual(theirs);
    // What is left is vendor data ExifTool decodes in a group of its own (Pentax 'TAGS').
    for (const f of items.filter((x) => x.category === 'opaque')) {
      expect(f.tag).toBe('UserData_TAGS');
      expect(Object.keys(rec ?? {}).some((k) => k.startsWith('Pentax:'))).toBe(true);
    }
  });

  it.each([MOV, MP4])('%s: the movie, track and media dates', (file) => {
    const r = inspect(file);
    const [rec] = exiftoolJson([file]);
    const theirs = Object.entries(rec ?? {})
      .filter(([k]) => /^(QuickTime:(Create|Modify)Date|Track\d+:(Track|Media)(Create|Modify)Date)$/.test(k))
      .map(([k, v]) => `${k} = ${v}`)
      .sort();
    const ours = r.findings
      .filter((f) => f.category === 'time' && /^moov\/(mvhd|trak \d+)/.test(where(f)))
      .map((f) => {
        const track = /trak (\d+)/.exec(where(f))?.[1];
        return `${track ? `Track${track}` : 'QuickTime'}:${f.tag} = ${shown(f)}`;
      })
      .sort();
    expect(theirs).toHaveLength(10);
    expect(ours).toEqual(theirs);
  });

  it('the XMP packet of the MOV is read like any other (dc:creator)', () => {
    const r = inspect(MOV);
    const [rec] = exiftoolJson([MOV]);
    const creator = r.findings.find((f) => f.tag === 'dc:creator');
    expect(creator?.category).toBe('identity.person');
    expect(shown(creator as Finding)).toBe(rec?.['XMP-dc:Creator']);
    expect(where(creator as Finding)).toBe('moov/udta/XMP_');
  });
});

describe('positions and identity ExifTool writes into a copy of a corpus MP4', () => {
  let file: string;
  beforeAll(() => {
    file = join(dir, 'geo.mp4');
    copyFileSync(MP4, file);
    chmodSync(file, 0o644);
    execFileSync(EXIFTOOL, [
      '-q',
      '-overwrite_original',
      '-Keys:GPSCoordinates#=51.5074 -0.1278 15.2',
      '-UserData:GPSCoordinates#=-33.8568 151.2153 58',
      '-ItemList:GPSCoordinates#=48.8584 2.2945 35',
      '-XMP-exif:GPSLatitude#=40.6892',
      '-XMP-exif:GPSLongitude#=-74.0445',
      '-Keys:Make=DJI',
      '-Keys:Model=FC3411',
      '-UserData:Model=FC3582',
      '-ItemList:Artist=Pilot One',
      '-Keys:Author=Ops Team',
      file,
    ]);
  });

  it('finds every position ExifTool reads, in every carrier, as the drone’s', () => {
    const [rec] = exiftoolJson([file]);
    const theirs = ['Keys', 'UserData', 'ItemList'].map((g) => {
      const [lat, lon, alt] = String(rec?.[`${g}:GPSCoordinates`]).split(' ').map(Number);
      return { lat, lon, alt };
    });
    theirs.push({
      lat: Number(rec?.['XMP-exif:GPSLatitude']),
      lon: Number(rec?.['XMP-exif:GPSLongitude']),
      alt: undefined,
    });
    const ours = inspect(file)
      .findings.filter((f) => f.value.kind === 'position')
      .map((f) => {
        expect(f.category).toBe('location.drone');
        return f.value.kind === 'position' ? f.value.position : undefined;
      });
    expect(ours).toHaveLength(theirs.length);
    for (const t of theirs) {
      const hit = ours.find(
        (p) => Math.abs((p?.lat ?? 0) - (t.lat ?? 0)) < 1e-6 && Math.abs((p?.lon ?? 0) - (t.lon ?? 0)) < 1e-6,
      );
      expect(hit, JSON.stringify(t)).toBeDefined();
      if (t.alt !== undefined) expect(hit?.alt).toBeCloseTo(t.alt, 6);
    }
  });

  it('names make, model and people in the categories scrub decides by', () => {
    const byTag = (tag: string) => inspect(file).findings.filter((f) => f.tag === tag);
    expect(
      byTag('Model')
        .map((f) => [f.category, shown(f)])
        .sort(),
    ).toEqual([
      ['camera.model', 'FC3411'],
      ['camera.model', 'FC3582'],
    ]);
    expect(byTag('Artist').map((f) => f.category)).toEqual(['identity.person']);
    expect(byTag('Author').map((f) => f.category)).toEqual(['identity.person']);
  });

  it('inspect reports it sensitive (exit 1), with the action scrub will take per finding', () => {
    const i = airlock(['inspect', '--no-progress', file]);
    expect(i.code).toBe(1);
    expect(i.stdout).toMatch(/location\.drone\s+GPSCoordinates .* coarsen/);
    expect(i.stdout).toMatch(/identity\.person\s+Artist .* drop/);
  });
});

// A DJI-style telemetry track built here, box by box (ISO/IEC 14496-12 §8), added to a copy.
const enc = new TextEncoder();
const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u16 = (n: number): Uint8Array => Uint8Array.of(n >>> 8, n & 255);
const zeros = (n: number): Uint8Array => new Uint8Array(n);
function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  out.set(u32(size), 0);
  out.set(enc.encode(type), 4);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const full = (type: string, flags: number, ...parts: Uint8Array[]): Uint8Array =>
  box(type, u32(flags), ...parts);

/**
 * A track of `handler` whose one sample description is `format`; `samples`: their sizes and
 * where each lies (one sample a chunk), for a track whose samples are in the file.
 */
function track(
  handler: string,
  format: Uint8Array,
  samples: { at: number; size: number }[] = [],
): Uint8Array {
  const t = 3_500_000_000; // seconds since 1904: 2014
  const tkhd = full(
    'tkhd',
    7,
    u32(t),
    u32(t),
    u32(3),
    zeros(4),
    u32(0),
    zeros(8),
    zeros(8),
    zeros(36),
    zeros(8),
  );
  // Version 1: 64-bit times (a second past 2^32 would need it; the reader must take both widths).
  const mdhd = full(
    'mdhd',
    0x01000000,
    u32(0),
    u32(t + 60),
    u32(0),
    u32(t + 61),
    u32(1000),
    zeros(8),
    u16(0x55c4),
    u16(0),
  );
  const hdlr = full('hdlr', 0, zeros(4), enc.encode(handler), zeros(12), enc.encode('Handler\0'));
  const stbl = box(
    'stbl',
    full('stsd', 0, u32(1), format),
    full('stts', 0, u32(1), u32(samples.length), u32(1000)),
    full('stsc', 0, u32(1), u32(1), u32(1), u32(1)),
    full('stsz', 0, u32(0), u32(samples.length), ...samples.map((x) => u32(x.size))),
    full('stco', 0, u32(samples.length), ...samples.map((x) => u32(x.at))),
  );
  const minf = box('minf', full('nmhd', 0), box('dinf', full('dref', 0, u32(1), full('url ', 1))), stbl);
  return box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
}

const telemetryTrack = (format: string): Uint8Array => track('meta', box(format, zeros(6), u16(1)));

/** A 3GPP timed-text sample description (ETSI TS 126 245 §5.16): defaults, then a font table. */
const TX3G = box(
  'tx3g',
  zeros(6),
  u16(1),
  zeros(4),
  zeros(2),
  zeros(4),
  zeros(8),
  zeros(12),
  box('ftab', u16(1), u16(1), Uint8Array.of(5), enc.encode('Serif')),
);

/** `file` with `trak` appended to its moov (after mdat in the corpus MP4: no chunk offset moves). */
function withTrack(
  file: Uint8Array,
  trak: Uint8Array | ((trakSize: number) => Uint8Array),
  tail?: Uint8Array,
): Uint8Array {
  let at = 0;
  while (at + 8 <= file.length) {
    const size = new DataView(file.buffer, file.byteOffset).getUint32(at);
    if (new TextDecoder().decode(file.subarray(at + 4, at + 8)) === 'moov') {
      const t = typeof trak === 'function' ? trak(file.length + (tail ? 8 : 0)) : trak;
      const moov = box('moov', file.subarray(at + 8, at + size), t);
      const rest = tail ? box('mdat', tail) : new Uint8Array(0);
      const out = new Uint8Array(file.length + t.length + rest.length);
      out.set(file.subarray(0, at), 0);
      out.set(moov, at);
      out.set(file.subarray(at + size), at + moov.length);
      out.set(rest, file.length + t.length);
      return out;
    }
    at += size;
  }
  throw new Error('no moov');
}

/**
 * The corpus MP4 with a subtitle track of `handler` whose samples are `texts`, each [u16 length]
 * [UTF-8 text], in a new mdat at the end (the track's size is known before its offsets are).
 */
function withSubtitles(handler: string, texts: string[]): Uint8Array {
  const samples = texts.map((t) => {
    const b = enc.encode(t);
    const s = new Uint8Array(2 + b.length);
    s.set(u16(b.length), 0);
    s.set(b, 2);
    return s;
  });
  // Where each sample starts in the new mdat's body.
  const starts: number[] = [];
  let end = 0;
  for (const x of samples) {
    starts.push(end);
    end += x.length;
  }
  const tail = new Uint8Array(end);
  samples.forEach((x, i) => {
    tail.set(x, starts[i]);
  });
  const trakFor = (start: number) =>
    track(
      handler,
      TX3G,
      samples.map((x, i) => ({ at: start + (starts[i] ?? 0), size: x.length })),
    );
  const size = trakFor(0).length;
  return withTrack(readFileSync(MP4), (mdatBody) => trakFor(mdatBody + size), tail);
}

describe('tracks that are more than the picture and sound', () => {
  it('a djmd telemetry track (as ExifTool names it) is an opaque finding, never passed over', () => {
    const file = join(dir, 'djmd.mp4');
    writeFileSync(file, withTrack(readFileSync(MP4), telemetryTrack('djmd')));
    const [rec] = exiftoolJson([file]);
    expect(rec?.['Track3:HandlerType']).toBe('meta');
    expect(rec?.['Track3:MetaFormat']).toBe('djmd');
    const r = inspect(file);
    expect(r.status).toBe('read');
    const track = r.findings.filter((f) => where(f) === 'moov/trak 3');
    expect(track.map((f) => [f.category, f.tag])).toEqual([['opaque', 'TimedMetadata(djmd)']]);
    expect(track[0]?.value).toMatchObject({
      kind: 'block',
      note: expect.stringMatching(/DJI per-frame telemetry/),
    });
    expect(r.facts.tracks).toBe('vide:avc1, soun:mp4a, meta:djmd');
    // Its dates are read as ExifTool reads them.
    const dates = r.findings
      .filter((f) => /^moov\/trak 3\//.test(where(f)))
      .map((f) => `${f.tag} = ${shown(f)}`);
    expect(dates.sort()).toEqual(
      ['TrackCreateDate', 'TrackModifyDate', 'MediaCreateDate', 'MediaModifyDate']
        .map((t) => `${t} = ${rec?.[`Track3:${t}`]}`)
        .sort(),
    );
  });
});

describe('damage', () => {
  it('a copy cut anywhere in its moov is an error naming an offset, with what was read before it', () => {
    const whole = readFileSync(MP4);
    const moovAt = whole.indexOf('moov') - 4;
    for (let cut = moovAt + 8; cut < whole.length; cut += 97) {
      const r = analyseSource(new BufferSource(whole.subarray(0, cut)), 'cut.mp4');
      expect(['partial', 'error'], `cut at ${cut}`).toContain(r.status);
      expect(r.error?.code, `cut at ${cut}`).toBe('AIRLOCK_ERR_TRUNCATED');
      expect(r.error?.offset, `cut at ${cut}`).toBeTypeOf('number');
    }
  });

  it('an unfinished recording (no moov) says so', () => {
    const whole = readFileSync(MP4);
    const r = analyseSource(new BufferSource(whole.subarray(0, whole.indexOf('moov') - 4)), 'rec.mp4');
    expect(r.error).toMatchObject({
      code: 'AIRLOCK_ERR_TRUNCATED',
      message: expect.stringMatching(/no movie box/),
    });
  });

  it('a million empty boxes stop at the box limit, quickly', () => {
    const head = box('ftyp', enc.encode('isom'), u32(0));
    const many = new Uint8Array(head.length + 8 * 1_000_000);
    many.set(head, 0);
    for (let at = head.length; at < many.length; at += 8) many.set([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65], at);
    const r = analyseSource(new BufferSource(many), 'many.mp4');
    expect(r.error?.code).toBe('AIRLOCK_ERR_LIMIT');
  });
});

describe('subtitle tracks: the telemetry DJI writes there, read as in its SRT sidecar', () => {
  // DJI GO 4's "video caption" text (Mavic Pro, Phantom 4), one sample a second, drifting north-east.
  const fly = (i: number): string =>
    `F/2.8, SS 320, ISO 100, EV 0, GPS (${(8.6695 + i * 1e-4).toFixed(4)}, ${(49.4059 + i * 1e-4).toFixed(4)}, 18), D ${(24.8 + i).toFixed(2)}m, H 6.80m, H.S 0.00m/s, V.S 0.00m/s`;
  const texts = [...Array.from({ length: 40 }, (_, i) => fly(i)), 'Gare de Lyon, quai 3 — caméra B'];

  it('every sample position ExifTool reads is found, in the sample and bytes that hold it', () => {
    const file = join(dir, 'captions.mp4');
    const bytes = withSubtitles('text', texts);
    writeFileSync(file, bytes);
    const [rec] = exiftoolJson([file], ['-ee', '-G3']);
    const theirs = texts
      .slice(0, 40)
      .map((_, i) => [i + 1, rec?.[`Doc${i + 1}:GPSLatitude`], rec?.[`Doc${i + 1}:GPSLongitude`]]);
    expect(theirs.every(([, lat]) => typeof lat === 'number')).toBe(true);
    const r = inspect(file);
    expect(r.status).toBe('read');
    const positions = r.findings.filter((f) => f.value.kind === 'position');
    expect(positions.map((f) => f.category)).toEqual(Array(40).fill('location.drone'));
    expect(
      positions.map((f) =>
        f.value.kind === 'position' ? [f.frame, f.value.position.lat, f.value.position.lon] : [],
      ),
    ).toEqual(theirs);
    // Each range holds the number as written in the sample.
    const text = (x: { offset: number; length: number }) =>
      Buffer.from(bytes.subarray(x.offset, x.offset + x.length)).toString();
    for (const f of positions) {
      const [lon, lat] = f.ranges.map(text);
      expect(`GPS (${lon}, ${lat}`).toBe(/GPS \([^,]+, [^,]+/.exec(texts[(f.frame ?? 0) - 1] ?? '')?.[0]);
    }
    // The caption that is no telemetry is reported as text (nothing silent), its accents intact.
    const caption = r.findings.find((f) => f.frame === 41);
    expect(caption?.category).toBe('other');
    expect(shown(caption as Finding)).toBe(`text=${rec?.['Doc41:Text']}`);
    expect(text((caption as Finding).ranges[0]!)).toBe(texts[40]);
  });

  it('a 3GPP subtitle track (sbtl) is read the same way; ExifTool shows the same texts', () => {
    const file = join(dir, 'sbtl.mp4');
    writeFileSync(file, withSubtitles('sbtl', texts));
    const [rec] = exiftoolJson([file], ['-ee', '-G3']);
    expect(texts.map((_, i) => rec?.[`Doc${i + 1}:Text`])).toEqual(texts);
    const asText = inspect(join(dir, 'captions.mp4')).findings.filter((f) => f.path.includes('tx3g'));
    const asSbtl = inspect(file).findings.filter((f) => f.path.includes('tx3g'));
    expect(asSbtl.filter((f) => f.category === 'location.drone')).toHaveLength(40);
    expect(asSbtl.map((f) => [f.category, f.tag, f.frame, shown(f)])).toEqual(
      asText.map((f) => [f.category, f.tag, f.frame, shown(f)]),
    );
  });

  it('hostile sample tables (sizes, runs, offsets, counts) give findings or an Airlock error, never a crash', () => {
    const base = withSubtitles('text', texts);
    const at = (type: string): number => Buffer.from(base).lastIndexOf(type) + 4;
    const tables = ['stsz', 'stsc', 'stco', 'stts'].map((t) => ({ start: at(t), end: at(t) + 4 * 12 }));
    const next = prng(20261124);
    const hostile = [0, 1, 2, 0x7fffffff, 0xffffffff, base.length, base.length - 1];
    const codes = new Set<string>();
    for (let n = 0; n < 400; n++) {
      const b = Uint8Array.prototype.slice.call(base);
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const t = tables[Math.floor(next() * tables.length)]!;
        const pos = t.start + 4 * Math.floor((next() * (t.end - t.start)) / 4);
        const v = hostile[Math.floor(next() * hostile.length)]!;
        new DataView(b.buffer).setUint32(pos, v >>> 0);
      }
      const r = analyseSource(new BufferSource(b), `case-${n}.mp4`);
      if (r.error) {
        expect(r.error.message, `case ${n}`).not.toMatch(/^unexpected/);
        codes.add(r.error.code);
      }
    }
    expect([...codes].every((c) => /^AIRLOCK_ERR_(TRUNCATED|MALFORMED|LIMIT)$/.test(c))).toBe(true);
  });

  it('a sample table pointing past the file is an error naming the offset', () => {
    const bytes = withSubtitles('text', texts);
    const r = analyseSource(new BufferSource(bytes.subarray(0, bytes.length - 200)), 'cut.mp4');
    expect(r.error).toMatchObject({ code: 'AIRLOCK_ERR_TRUNCATED', offset: expect.any(Number) });
  });
});

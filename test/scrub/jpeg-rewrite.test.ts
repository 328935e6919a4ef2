/**
 * The JPEG rewriter against the oracle (exiftool 12.57), on every corpus JPEG and on a DJI-style
 * fixture built by the writers: under the default policy exiftool reads no exact position (drone
 * positions are the 1000 m grid value in every carrier, identical across carriers), no operator or
 * target position, no serial, no drone-dji identity tag, no picture, no maker note; with location
 * dropped no position tag at all; with keep-all the same tags as the input. The entropy-coded
 * data is copied byte for byte and the output validates no worse than the input.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { buildJpeg, buildJpegWithMpf, xmpPayload } from '../../src/media/jpeg/write.js';
import { ascii, buildExif, short } from '../../src/media/tiff/write.js';
import { serialiseXmp, type XmpWriteProperty } from '../../src/media/xmp/write.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, type ExifToolRecord, exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scrub-jpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEFAULT = decideFor(defaultPolicy());
const DROP_LOCATION = (() => {
  const p = defaultPolicy();
  p.media.location.drone = { action: 'drop' };
  return decideFor(p);
})();
const KEEP_ALL: Decide = () => ({ action: 'keep' });

const write = (name: string, bytes: Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const rewrite = (bytes: Uint8Array, decide: Decide) => jpegRewriter.rewrite(new BufferSource(bytes), decide);
/** `-G0:1` keys: 'EXIF:GPS:GPSLatitude', 'XMP:XMP-drone-dji:GPSLatitude', 'MakerNotes:DJI:SensorID'. */
const oracle = (files: string[]): ExifToolRecord[] => exiftoolJson(files, ['-G0:1']);
const nameOf = (k: string): string => k.slice(k.lastIndexOf(':') + 1);
const groupOf = (k: string): string => k.slice(0, k.lastIndexOf(':'));
const keysOf = (r: ExifToolRecord, re: RegExp): string[] => Object.keys(r).filter((k) => re.test(nameOf(k)));

const LAT = /^GPS(Latitude)$/;
const LON = /^GPS(Longitude|Longtitude)$/;
const POSITION_TAG =
  /^(GPS(Latitude|Longitude|Longtitude|Altitude|Position|Dest.*)|AbsoluteAltitude|RelativeAltitude|LRFTarget.*)$/i;
const SERIAL = /Serial(?!NumberFormat)|SensorID|UniqueID|UUID|NTRIP/i;
const PICTURE =
  /^(ThumbnailImage|ThumbnailOffset|ThumbnailLength|PreviewImage|MPImage\d*|JpgFromRaw|EmbeddedImage|RawThermalImage|ThermalData|PhotoshopThumbnail)$/;
const FILE_LEVEL = /^(SourceFile|ExifTool|File|System|Composite)(:|$)/;

/** Warnings of `exiftool -validate` per file (one exiftool run for them all), one string each. */
function validateMany(files: string[]): string[][] {
  const out = execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', '-s3', ...files], {
    encoding: 'utf8',
  });
  const per = new Map<string, string[]>();
  let current: string[] = [];
  if (files.length === 1) per.set(files[0] as string, current);
  for (const raw of out.split('\n')) {
    const l = raw.trim();
    const head = /^======== (.*)$/.exec(l);
    if (head) {
      current = [];
      per.set(head[1] as string, current);
    } else if (l && !/^(OK|\d+ (Warning|Error)|\d+ image files read)/.test(l)) current.push(l);
  }
  return files.map((f) => per.get(f) ?? []);
}
const validateWarnings = (file: string): string[] => validateMany([file])[0] ?? [];

/** Marker codes of the header segments, SOI to SOS. */
function markers(bytes: Uint8Array): number[] {
  const b = Buffer.from(bytes);
  const out: number[] = [];
  for (let pos = 2; pos + 4 <= b.length; pos += 2 + b.readUInt16BE(pos + 2)) {
    out.push(b[pos + 1] as number);
    if (b[pos + 1] === 0xda) break;
  }
  return out;
}

/** Every SOS..EOI byte of `input` appears, unchanged and contiguous, in `output`. */
function entropyDataIn(input: Uint8Array, output: Uint8Array): boolean {
  const i = Buffer.from(input);
  let sos = -1;
  // The first SOS marker after the header segments: scan markers from SOI.
  let pos = 2;
  while (pos + 4 <= i.length) {
    if (i[pos] !== 0xff) return false;
    const m = i[pos + 1] as number;
    if (m === 0xda) {
      sos = pos;
      break;
    }
    pos += 2 + i.readUInt16BE(pos + 2);
  }
  if (sos < 0) return true;
  const eoi = i.indexOf(Buffer.from([0xff, 0xd9]), sos);
  const data = i.subarray(sos, eoi < 0 ? i.length : eoi + 2);
  return Buffer.from(output).indexOf(data) >= 0;
}

/** A latitude/longitude with its sign: EXIF GPS values are unsigned, the Ref tag says S or W. */
function signed(r: ExifToolRecord, key: string): number {
  const v = Number(r[key]);
  const ref = r[`${key}Ref`];
  return ref === 'S' || ref === 'W' ? -Math.abs(v) : v;
}

/** Checks an output exiftool record against the default policy; `input` is the input's record. */
function expectDefaultClean(input: ExifToolRecord, output: ExifToolRecord, label: string): void {
  const inLat = keysOf(input, LAT).filter((k) => !k.startsWith('Composite'));
  const outLat = keysOf(output, LAT);
  const outLon = keysOf(output, LON);
  // Every latitude left is the grid value of the input's own position, in its own carrier.
  for (const k of [...outLat, ...outLon]) {
    const g = groupOf(k);
    const lat = signed(input, Object.keys(input).find((x) => groupOf(x) === g && LAT.test(nameOf(x))) ?? '');
    const lon = signed(input, Object.keys(input).find((x) => groupOf(x) === g && LON.test(nameOf(x))) ?? '');
    expect(Number.isFinite(lat) && Number.isFinite(lon), `${label} ${k}: from an input position`).toBe(true);
    const want = coarsenPosition({ lat, lon }, 1000);
    const got = signed(output, k);
    expect(Math.abs(got - (LAT.test(nameOf(k)) ? want.lat : want.lon)), `${label} ${k}`).toBeLessThan(1e-7);
  }
  // Copies never disagree: the input's carriers held one position, so the output's do too.
  const inLats = inLat.map((k) => signed(input, k));
  if (inLats.length > 1 && Math.max(...inLats) - Math.min(...inLats) < 1e-6) {
    const outLats = outLat.map((k) => signed(output, k));
    expect(Math.max(...outLats) - Math.min(...outLats), `${label}: carriers agree`).toBeLessThan(1e-9);
  }
  expect(keysOf(output, /^(GPSDest.*|LRFTarget.*)$/), `${label}: target`).toEqual([]);
  expect(keysOf(output, SERIAL), `${label}: serials`).toEqual([]);
  expect(
    Object.keys(output).filter((k) => k.includes('drone-dji') && SERIAL.test(k)),
    label,
  ).toEqual([]);
  expect(keysOf(output, PICTURE), `${label}: pictures`).toEqual([]);
  expect(
    Object.keys(output).filter((k) => /^(MakerNotes|MPF|FLIR|Photoshop:.*Thumbnail)/.test(k)),
    `${label}: maker notes, MPF`,
  ).toEqual([]);
}

const jpegs = corpusDir('media').filter((f) => /\.jpe?g$/i.test(f));

describe('jpegRewriter on every corpus JPEG', () => {
  const inputs = jpegs.map((f) => readFileSync(f));
  const before = oracle(jpegs);
  const outs = (decide: Decide, tag: string) =>
    inputs.map((b, i) => write(`${tag}-${basename(jpegs[i] as string)}`, rewrite(b, decide).bytes));

  it('has the DJI still among them', () => {
    expect(jpegs.map((f) => basename(f))).toContain('dji-mavic2pro-hasselblad-L1D-20c.jpg');
  });

  it('default policy: no exact position, serial, identity tag, picture or maker note', () => {
    const after = oracle(outs(DEFAULT, 'default'));
    jpegs.forEach((f, i) => {
      expectDefaultClean(before[i] ?? {}, after[i] ?? {}, basename(f));
    });
  });

  it('default policy on the DJI still: the drone position stays, coarsened, in EXIF and XMP alike', () => {
    const i = jpegs.findIndex((f) => f.endsWith('dji-mavic2pro-hasselblad-L1D-20c.jpg'));
    const [after] = oracle([write('dji-default.jpg', rewrite(inputs[i] as Uint8Array, DEFAULT).bytes)]);
    const lat = keysOf(after ?? {}, LAT).filter((k) => !k.startsWith('Composite'));
    expect(lat.map(groupOf).sort()).toEqual(['EXIF:GPS', 'XMP:XMP-drone-dji']);
    expect(Number(after?.['XMP:XMP-drone-dji:AbsoluteAltitude']) % 100).toBe(0);
  });

  it('location dropped: no GPS or drone-dji position tag at all', () => {
    const after = oracle(outs(DROP_LOCATION, 'noloc'));
    after.forEach((r, i) => {
      expect(keysOf(r, POSITION_TAG), basename(jpegs[i] as string)).toEqual([]);
    });
  });

  it('keep-all: exiftool reads the same tags and values as in the input', () => {
    const after = oracle(outs(KEEP_ALL, 'keep'));
    // Offsets move by design; ExifTool's digest of the whole file is not metadata.
    const moves = /(Offset|Offsets|Start|Length)$|^(ExifOffset|GPSInfo|InteropOffset|CurrentIPTCDigest)$/;
    const meta = (r: ExifToolRecord) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !FILE_LEVEL.test(k) && !moves.test(nameOf(k))));
    jpegs.forEach((f, i) => {
      const notes = rewrite(inputs[i] as Uint8Array, KEEP_ALL).notes;
      // A maker note whose offsets count from the original TIFF header cannot move: said in a note.
      const dropped = notes.some((n) => /MakerNote/.test(n));
      // (PrintIM here lives inside the Nikon maker note, so it goes with it.)
      const skip = (k: string) => dropped && /^(MakerNotes|PrintIM):/.test(k);
      const strip = (r: ExifToolRecord) =>
        Object.fromEntries(Object.entries(meta(r)).filter(([k]) => !skip(k)));
      expect(strip(after[i] ?? {}), basename(f)).toEqual(strip(before[i] ?? {}));
    });
  });

  it('image data: SOS..EOI copied byte for byte, hashes equal, under every policy', () => {
    for (const decide of [DEFAULT, DROP_LOCATION, KEEP_ALL]) {
      inputs.forEach((b, i) => {
        const r = rewrite(b, decide);
        expect(r.imageHashIn, basename(jpegs[i] as string)).toMatch(/^[0-9a-f]{64}$/);
        expect(r.imageHashOut).toBe(r.imageHashIn);
        expect(entropyDataIn(b, r.bytes), basename(jpegs[i] as string)).toBe(true);
      });
    }
  });

  it('exiftool -validate shows no new warning', () => {
    const baseline = validateMany(jpegs);
    for (const [tag, decide] of [
      ['v-default', DEFAULT],
      ['v-noloc', DROP_LOCATION],
      ['v-keep', KEEP_ALL],
    ] as const) {
      const results = inputs.map((b) => rewrite(b, decide));
      const outputs = results.map((r, i) => write(`${tag}-${basename(jpegs[i] as string)}`, r.bytes));
      const warned = validateMany(outputs);
      inputs.forEach((_, i) => {
        const f = jpegs[i] as string;
        const base = new Set(baseline[i]);
        const r = results[i] as (typeof results)[number];
        // A kept trailer that moved keeps its own stale offsets: ExifTool adjusts them, and the note says so.
        const moved = r.notes.some((n) => /^Trailer .*moved/.test(n));
        // Keep-all only: a FLIR maker note kept by the TIFF rewriter points back into IFD1 (reported to its owner).
        const keptNote = (w: string) =>
          tag === 'v-keep' && /MeasurementInfo pointer references previous/.test(w);
        expect(
          (warned[i] ?? []).filter(
            (w) => !base.has(w) && !(moved && /Adjusted \w+ offsets/.test(w)) && !keptNote(w),
          ),
          `${tag} ${basename(f)}`,
        ).toEqual([]);
      });
    }
  });
});

describe('exiftool -gps:all= versus Airlock on the corpus DJI still', () => {
  it('exiftool leaves the XMP position and the serials; Airlock leaves neither', () => {
    const src = corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg');
    const theirs = join(dir, 'gps-all-removed.jpg');
    execFileSync(EXIFTOOL, ['-q', '-gps:all=', '-o', theirs, src]);
    const [t] = oracle([theirs]);
    expect(keysOf(t ?? {}, /^GPS/).filter((k) => k.startsWith('EXIF:'))).toEqual([]);
    expect(Number(t?.['XMP:XMP-drone-dji:GPSLatitude'])).toBeCloseTo(47.354183, 5);
    expect(t?.['EXIF:ExifIFD:SerialNumber']).toBe('0K8TFBK0020618');
    expect(t?.['MakerNotes:DJI:SensorID']).toBe('0K8TFBK0020618');

    const ours = write('airlock-default.jpg', rewrite(readFileSync(src), DEFAULT).bytes);
    const [o] = oracle([ours]);
    const exact = [47.354183, 10.191317];
    const near = Object.values(o ?? {}).filter(
      (v) => typeof v === 'number' && exact.some((e) => Math.abs(v - e) < 1e-5),
    );
    expect(near, 'exact position').toEqual([]);
    expect(Object.values(o ?? {}).filter((v) => String(v).includes('0K8TFBK0020618'))).toEqual([]);
  });
});

/** A DJI-style still: EXIF GPS + serial + thumbnail, XMP drone-dji, APP3–APP5, MPF preview, COM. */
const POS = { lat: 47.3541841, lon: -10.1913155, alt: 1252.12 };
const dji = (name: string, value: string): XmpWriteProperty => ({ ns: 'drone-dji', name, value });
const FIXTURE_XMP: XmpWriteProperty[] = [
  { ns: 'tiff', name: 'Make', value: 'DJI' },
  dji('GpsLatitude', '+47.3541841'),
  dji('GpsLongtitude', '-10.1913155'),
  dji('AbsoluteAltitude', '+1252.12'),
  dji('RelativeAltitude', '+125.30'),
  dji('LRFTargetLat', '-33.8688197'),
  dji('LRFTargetLon', '151.2092955'),
  dji('LRFTargetAbsAlt', '58.25'),
  dji('NTRIPHost', 'rtk.example.net'),
  dji('NTRIPPort', '2101'),
  dji('NTRIPMountPoint', 'SITE-A'),
  dji('DroneSerialNumber', '1581F5FJD228400A1234'),
  dji('CameraSerialNumber', '53HQN4T0010XYZ'),
  dji('CaptureUUID', '6ad1e6a4-5c3b-4f0e-9a55-1e0f3c9a7b21'),
  dji('GimbalYawDegree', '-127.10'),
  { ns: 'exif', name: 'GPSLatitude', value: '47,21.251046N', element: true },
  { ns: 'exif', name: 'GPSLongitude', value: '10,11.47893W', element: true },
  { ns: 'xmp', name: 'CreateDate', value: '2023-05-01T10:11:12', element: true },
  { ns: 'dc', name: 'creator', value: ['Pilot One'] },
];

function djiFixture(): Uint8Array {
  const thumb = buildJpeg([]);
  const exif = buildExif(
    {
      ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC6310'), short(0x0112, 1)],
      exif: [ascii(0xa431, '0K8TFBK0020618'), ascii(0x9003, '2023:05:01 10:11:12')],
      gps: POS,
      thumbnail: thumb,
    },
    { littleEndian: true },
  );
  const app = (marker: number, bytes: number[]) => ({ marker, payload: Uint8Array.from(bytes) });
  return buildJpegWithMpf(
    [
      { marker: 0xe1, payload: new Uint8Array([...Buffer.from('Exif\0\0', 'latin1'), ...exif]) },
      { marker: 0xe1, payload: xmpPayload(serialiseXmp(FIXTURE_XMP, { padding: 64 })) },
      app(
        0xe3,
        Array.from({ length: 64 }, (_, i) => i),
      ),
      app(0xe4, [0xaa, 0x55, 0x12, 0x06, 1, 2, 3, 4]),
      app(0xe5, [9, 8, 7, 6, 5]),
      { marker: 0xfe, payload: new Uint8Array(Buffer.from('flight 42 over site A')) },
    ],
    [buildJpeg([])],
  );
}

describe('jpegRewriter on a DJI-style fixture', () => {
  const input = djiFixture();
  const file = write('fixture.jpg', input);
  const [before] = oracle([file]);

  it('the fixture carries what it claims (exiftool reads it)', () => {
    const b = before ?? {};
    expect(keysOf(b, LAT).map(groupOf).sort()).toEqual(
      ['Composite', 'EXIF:GPS', 'XMP:XMP-drone-dji', 'XMP:XMP-exif'].sort(),
    );
    expect(keysOf(b, SERIAL).length).toBeGreaterThanOrEqual(5);
    expect(
      keysOf(b, /^(ThumbnailImage|PreviewImage)$/)
        .map(groupOf)
        .sort(),
    ).toEqual(['EXIF:IFD1', 'MPF:MPImage2']);
    expect(keysOf(b, /LRFTarget/).length).toBeGreaterThan(0);
  });

  it('default policy: one coarsened position in EXIF, XMP-drone-dji and XMP-exif; nothing else sensitive', () => {
    const r = rewrite(input, DEFAULT);
    const [after] = oracle([write('fixture-default.jpg', r.bytes)]);
    const a = after ?? {};
    expectDefaultClean(before ?? {}, a, 'fixture');
    const want = coarsenPosition(POS, 1000);
    const lats = keysOf(a, LAT);
    expect(lats.map(groupOf).sort()).toEqual(
      ['Composite', 'EXIF:GPS', 'XMP:XMP-drone-dji', 'XMP:XMP-exif'].sort(),
    );
    for (const k of lats) expect(Math.abs(signed(a, k) - want.lat), k).toBeLessThan(1e-7);
    for (const k of keysOf(a, LON)) expect(Math.abs(signed(a, k) - want.lon), k).toBeLessThan(1e-7);
    expect(Number(a['XMP:XMP-drone-dji:AbsoluteAltitude'])).toBe(want.alt);
    expect(a['EXIF:GPS:GPSAltitude']).toBe(want.alt);
    expect(a['XMP:XMP-xmp:CreateDate']).toBe('2023:05:01');
    expect(keysOf(a, /^(Comment|Creator|ThermalData|ThermalParams|ThermalCalibration)$/)).toEqual([]);
    expect(markers(r.bytes).filter((m) => m >= 0xe3 && m <= 0xe5)).toEqual([]);
    expect(markers(r.bytes)).not.toContain(0xfe);
    expect(r.imageHashOut).toBe(r.imageHashIn);
    // Nothing after the primary image's EOI: the MPF preview went with its index.
    expect(r.bytes.subarray(-2)).toEqual(Uint8Array.of(0xff, 0xd9));
  });

  it('location dropped: no position tag in any carrier', () => {
    const [after] = oracle([write('fixture-noloc.jpg', rewrite(input, DROP_LOCATION).bytes)]);
    expect(keysOf(after ?? {}, POSITION_TAG)).toEqual([]);
  });

  it('keep-all: the same tags and values, MPF offsets still valid (exiftool reads the preview)', () => {
    const out = write('fixture-keep.jpg', rewrite(input, KEEP_ALL).bytes);
    const [after] = oracle([out]);
    const moves = /(Offset|Start|Length)$|^(ExifOffset|GPSInfo)$/;
    const meta = (r: ExifToolRecord) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !FILE_LEVEL.test(k) && !moves.test(nameOf(k))));
    expect(meta(after ?? {})).toEqual(meta(before ?? {}));
    const preview = execFileSync(EXIFTOOL, ['-b', '-MPImage2:PreviewImage', out]);
    expect(Buffer.from(preview).equals(Buffer.from(buildJpeg([])))).toBe(true);
    expect(validateWarnings(out)).toEqual(validateWarnings(file));
  });

  it('thermal profile: APP3–APP5 stay byte for byte', () => {
    const p = defaultPolicy();
    p.media.imagery.thermal = 'keep';
    const r = rewrite(input, decideFor(p));
    for (const marker of [0xe3, 0xe4, 0xe5]) {
      const at = Buffer.from(input).indexOf(Buffer.from([0xff, marker]));
      const len = Buffer.from(input).readUInt16BE(at + 2);
      const seg = Buffer.from(input.subarray(at, at + 2 + len));
      expect(Buffer.from(r.bytes).indexOf(seg), `APP${marker - 0xe0}`).toBeGreaterThan(0);
    }
  });
});

describe('Extended XMP (corpus exiftool-ExtendedXMP.jpg)', () => {
  const file = corpusFile('media', 'exiftool-ExtendedXMP.jpg');
  const input = readFileSync(file);
  const [before] = oracle([file]);
  const EXT_SIG = Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1');

  /** The extension chunks of a JPEG, joined by offset, read straight from the APP1 segments. */
  function extension(bytes: Uint8Array): { guid: string; data: Buffer } | undefined {
    const b = Buffer.from(bytes);
    const chunks: { guid: string; at: number; data: Buffer }[] = [];
    for (let pos = 2; pos + 4 <= b.length && b[pos + 1] !== 0xda; pos += 2 + b.readUInt16BE(pos + 2)) {
      const len = b.readUInt16BE(pos + 2);
      const p = b.subarray(pos + 4, pos + 2 + len);
      if (b[pos + 1] !== 0xe1 || !p.subarray(0, EXT_SIG.length).equals(EXT_SIG)) continue;
      const h = EXT_SIG.length;
      chunks.push({
        guid: p.toString('latin1', h, h + 32),
        at: p.readUInt32BE(h + 36),
        data: p.subarray(h + 40),
      });
    }
    if (chunks.length === 0) return undefined;
    chunks.sort((x, y) => x.at - y.at);
    return { guid: chunks[0]?.guid ?? '', data: Buffer.concat(chunks.map((c) => c.data)) };
  }

  it('partly kept: re-chunked under a new GUID, the MD5 of the new extension, which exiftool follows', () => {
    const drop = new Set(['pdf:Producer', 'pdf:Title']);
    const decide: Decide = (f) => (drop.has(f.tag) ? { action: 'drop' } : { action: 'keep' });
    const r = rewrite(input, decide);
    const out = write('ext-partial.jpg', r.bytes);
    const [after] = oracle([out]);
    const ext = extension(r.bytes);
    if (!ext) throw new Error('no extension written');
    const md5 = createHash('md5').update(ext.data).digest('hex').toUpperCase();
    expect(ext.guid).toBe(md5);
    expect(after?.['XMP:XMP-xmpNote:HasExtendedXMP']).toBe(md5);
    expect(md5).not.toBe(before?.['XMP:XMP-xmpNote:HasExtendedXMP']);
    const pdf = (rec: ExifToolRecord | undefined) =>
      Object.keys(rec ?? {})
        .filter((k) => k.startsWith('XMP:XMP-pdf:'))
        .sort();
    expect(pdf(after)).toEqual(pdf(before).filter((k) => !/Producer|Title/.test(k)));
    expect(validateWarnings(out)).toEqual(validateWarnings(file));
  });

  it('default policy: no extension segment and no HasExtendedXMP left', () => {
    const r = rewrite(input, DEFAULT);
    const [after] = oracle([write('ext-default.jpg', r.bytes)]);
    expect(extension(r.bytes)).toBeUndefined();
    expect(Object.keys(after ?? {}).filter((k) => k.startsWith('XMP:'))).toEqual([]);
  });
});

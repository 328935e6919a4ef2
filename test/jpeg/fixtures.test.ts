/**
 * What the corpus lacks, built by the writers and read back by ExifTool AND by Airlock: the two
 * must agree (the writer is not its own judge).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import {
  buildJpeg,
  buildJpegWithMpf,
  exifPayload,
  extendedXmpPayloads,
  xmpPayload,
} from '../../src/media/jpeg/write.js';
import { Collector } from '../../src/media/types.js';
import { xmpSidecarAnalyser } from '../../src/media/xmp/index.js';
import { serialiseXmp, type XmpWriteProperty } from '../../src/media/xmp/write.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { binaryLength, compareXmp, xmpEntries } from './oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-jpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dji = (name: string, value: string): XmpWriteProperty => ({ ns: 'drone-dji', name, value });
const DJI_PROPS: XmpWriteProperty[] = [
  dji('GpsLatitude', '+47.3541841'),
  dji('GpsLongtitude', '-10.1913155'),
  dji('AbsoluteAltitude', '+1252.12'),
  dji('RelativeAltitude', '+125.30'),
  dji('LRFTargetLat', '-33.8688197'),
  dji('LRFTargetLon', '151.2092955'),
  dji('LRFTargetAlt', '12.5'),
  dji('LRFTargetAbsAlt', '58.25'),
  dji('LRFTargetDistance', '87.4'),
  dji('NTRIPHost', 'rtk.example.net'),
  dji('NTRIPPort', '2101'),
  dji('NTRIPMountPoint', 'SITE-A'),
  dji('DroneSerialNumber', '1581F5FJD228400A1234'),
  dji('CameraSerialNumber', '53HQN4T0010XYZ'),
  dji('CaptureUUID', '6ad1e6a4-5c3b-4f0e-9a55-1e0f3c9a7b21'),
  dji('GimbalYawDegree', '-127.10'),
  dji('DewarpData', '2022-01-01;3000.0,3000.0,10.0,-5.0'),
  { ns: 'exif', name: 'GPSLatitude', value: '41,24.5N', element: true },
  { ns: 'exif', name: 'GPSLongitude', value: '2,10,30W', element: true },
  { ns: 'dc', name: 'creator', value: ['Pilot One'] },
];

function analyse(bytes: Uint8Array, analyser = jpegAnalyser): Collector {
  const out = new Collector();
  analyser.analyse(new BufferSource(bytes), out);
  return out;
}

function agreeWithExiftool(file: string, out: Collector): void {
  const [rec] = exiftoolJson([file], ['-XMP:all']);
  const entries = xmpEntries(rec ?? {});
  expect(entries.length).toBeGreaterThan(10);
  expect(entries.map(([p, n, v]) => compareXmp(out.findings, p, n, v)).filter(Boolean)).toEqual([]);
}

describe('DJI XMP sidecar', () => {
  const bytes = serialiseXmp(DJI_PROPS);
  const file = join(dir, 'DJI_0001.xmp');
  writeFileSync(file, bytes);
  const out = analyse(bytes, xmpSidecarAnalyser);

  it('agrees with ExifTool on every property', () => agreeWithExiftool(file, out));

  it('folds the misspelt GpsLongtitude, the LRF target and exif:GPS into position findings', () => {
    const pos = out.findings.filter((f) => f.value.kind === 'position');
    expect(pos.map((f) => [f.category, f.value])).toEqual([
      ['location.drone', { kind: 'position', position: { lat: 47.3541841, lon: -10.1913155, alt: 1252.12 } }],
      ['location.target', { kind: 'position', position: { lat: -33.8688197, lon: 151.2092955, alt: 58.25 } }],
      [
        'location.drone',
        { kind: 'position', position: { lat: 41 + 24.5 / 60, lon: -(2 + 10 / 60 + 30 / 3600) } },
      ],
    ]);
  });

  it('names NTRIP as infrastructure and serials as device identity', () => {
    const cat = (t: string) => out.findings.find((f) => f.tag === t)?.category;
    expect(cat('drone-dji:NTRIPHost')).toBe('infrastructure');
    expect(cat('drone-dji:DroneSerialNumber')).toBe('identity.device');
    expect(cat('drone-dji:CaptureUUID')).toBe('identity.device');
  });

  it('points each property at the bytes of its own value', () => {
    const text = Buffer.from(bytes);
    for (const f of out.findings) {
      if (f.value.kind !== 'text') continue;
      const r = f.ranges[0];
      if (!r || f.value.text.includes(',')) continue;
      expect(text.subarray(r.offset, r.offset + r.length).toString('utf8'), f.tag).toBe(f.value.text);
    }
  });
});

describe('DJI thermal still: EXIF, XMP, extended XMP, MPF preview, APP3–APP5', () => {
  const guid = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
  const ext = serialiseXmp([{ ns: 'drone-dji', name: 'LensSerialNumber', value: 'LENS-42' }], {
    attributes: false,
  });
  const thermal = new Uint8Array(70000).map((_, i) => i & 0xff);
  const apps = [
    { marker: 0xe1, payload: exifPayload('DJI', 'ZH20T') },
    { marker: 0xe1, payload: xmpPayload(serialiseXmp(DJI_PROPS, { extendedGuid: guid })) },
    ...extendedXmpPayloads(guid, ext, 200).map((payload) => ({ marker: 0xe1, payload })),
    { marker: 0xe3, payload: thermal.subarray(0, 60000) },
    { marker: 0xe3, payload: thermal.subarray(60000) },
    { marker: 0xe4, payload: Uint8Array.of(0xaa, 0x55, 0x12, 0x06, ...new Array(28).fill(0)) },
    { marker: 0xe5, payload: new Uint8Array(500).fill(7) },
  ];
  const preview = buildJpeg([]);
  const bytes = buildJpegWithMpf(apps, [preview]);
  const file = join(dir, 'DJI_0002_T.JPG');
  writeFileSync(file, bytes);
  const out = analyse(bytes);
  const [rec = {}] = exiftoolJson(
    [file],
    ['-XMP:all', '-MPF:all', '-DJI:all', '-PreviewImage', '-ThermalData', '-ThermalCalibration'],
  );

  it('agrees with ExifTool on every XMP property, the extended part included', () => {
    agreeWithExiftool(file, out);
    expect(rec['XMP-drone-dji:LensSerialNumber']).toBe('LENS-42');
  });

  it('reports the MPF preview with the length ExifTool extracts', () => {
    const len = binaryLength(rec['MPImage2:PreviewImage']);
    expect(len).toBe(preview.length);
    const f = out.findings.find((x) => x.tag === 'MPImage2');
    expect(f?.category).toBe('imagery.embedded');
    expect(f?.ranges).toEqual([{ offset: bytes.length - preview.length, length: preview.length }]);
  });

  it('reports the thermal segments ExifTool names, with its lengths', () => {
    const size = (tag: string) => {
      const f = out.findings.find((x) => x.tag === tag);
      return f?.category === 'imagery.thermal' && f.value.kind === 'block' ? f.value.size : undefined;
    };
    expect(size('ThermalData')).toBe(binaryLength(rec['DJI:ThermalData']));
    expect(size('ThermalCalibration')).toBe(binaryLength(rec['DJI:ThermalCalibration']));
    expect(size('ThermalParams')).toBe(32);
    expect(Object.keys(rec).some((k) => k.startsWith('DJI:'))).toBe(true);
  });

  it('reads image size from SOF and finds no trailer beyond the MPF image', () => {
    expect([out.facts.width, out.facts.height]).toEqual([8, 8]);
    expect(out.findings.filter((f) => f.tag === 'Trailer')).toEqual([]);
  });
});

it('reports a whole JPEG appended after EOI, though the file then ends in EOI as a plain one does', () => {
  const main = buildJpeg([]);
  const hidden = buildJpeg([{ marker: 0xfe, payload: Buffer.from('hidden preview', 'latin1') }]);
  const bytes = new Uint8Array([...main, ...hidden]);
  // djpeg decodes the appended bytes alone: a picture, not noise.
  const dir = mkdtempSync(join(tmpdir(), 'airlock-appended-'));
  try {
    writeFileSync(join(dir, 'hidden.jpg'), hidden);
    expect(
      execFileSync('djpeg', ['-pnm', join(dir, 'hidden.jpg')])
        .subarray(0, 2)
        .toString('latin1'),
    ).toMatch(/^P[56]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const t = analyse(bytes).findings.filter((f) => f.tag === 'Trailer');
  expect(t.map((f) => [f.category, f.ranges])).toEqual([
    ['imagery.embedded', [{ offset: main.length, length: hidden.length }]],
  ]);
});

it('reports data appended after EOI that no index declares', () => {
  const main = buildJpeg([]);
  const bytes = new Uint8Array([...main, ...buildJpeg([]), 1, 2, 3]);
  const out = analyse(bytes);
  const t = out.findings.filter((f) => f.tag === 'Trailer');
  expect(t.map((f) => [f.category, f.ranges])).toEqual([
    ['imagery.embedded', [{ offset: main.length, length: bytes.length - main.length }]],
  ]);
});

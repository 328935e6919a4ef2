import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { writeFlightRecord } from '../../src/media/flightlog/index.js';
import { ANALYSERS, analyseSource, analyseWith } from '../../src/media/registry.js';
import type { Analyser } from '../../src/media/types.js';
import {
  CONVENTIONS,
  MANIFEST_NAME,
  MANIFEST_SCHEMA,
  type Manifest,
  writeManifest,
} from '../../src/scrub/manifest.js';
import { corpusFile } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const DJI = corpusFile('media/dji-mavic2pro-hasselblad-L1D-20c.jpg');
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

/** A manifest as scrub writes it (writeManifest), read back from a temp folder. */
function scrubManifest(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-manifest-'));
  try {
    writeManifest(dir, {
      schema: MANIFEST_SCHEMA,
      airlockVersion: '0.0.0',
      policyHash: 'sha256:0',
      conventions: CONVENTIONS,
      updatedAt: new Date(0).toISOString(),
      complete: true,
      files: [],
    } satisfies Manifest);
    return bytes(join(dir, MANIFEST_NAME));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('registry', () => {
  // file-type's practice: every supported format has a real fixture that detection picks up.
  it.each([
    ['jpeg', corpusFile('media/exiftool-GPS.jpg')],
    ['tiff', corpusFile('media/mat2-dirty.tiff')],
    ['dng', corpusFile('media/exiftool-DNG.dng')],
    ['srt', corpusFile('srt/srtparser-mavic_pro.SRT')],
    ['flightlog-csv', corpusFile('flightlog/exiftool-Geotag_DJI_2020-12-02_[07-50-31].csv')],
  ])('reads %s from a real file', (format, file) => {
    const r = analyseSource(new BufferSource(bytes(file)), file);
    expect(r.format).toBe(format);
    expect(r.status).toBe('read');
    expect(r.findings.length).toBeGreaterThan(0);
  });

  it('every analyser in the list claims at least one real or written file', () => {
    const samples: [string, Uint8Array][] = [
      ['a.jpg', bytes(corpusFile('media/exiftool-GPS.jpg'))],
      ['a.tif', bytes(corpusFile('media/mat2-dirty.tiff'))],
      ['a.SRT', bytes(corpusFile('srt/srtparser-mavic_pro.SRT'))],
      ['a.csv', bytes(corpusFile('flightlog/exiftool-Geotag_DJI_2020-12-02_[07-50-31].csv'))],
      ['DJIFlightRecord_2024-05-14_[10-31-40].txt', writeFlightRecord({ version: 14 })],
      [
        'a.xmp',
        new TextEncoder().encode(
          '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="53.2"/></rdf:RDF></x:xmpmeta>',
        ),
      ],
      ['airlock-manifest.json', scrubManifest()],
      ['a.mp4', bytes(corpusFile('media/mat2-dirty.mp4'))],
    ];
    const claimed = new Set(
      samples.map(([name, b]) => ANALYSERS.find((a) => a.detect(b.subarray(0, 4096), name))?.id),
    );
    for (const a of ANALYSERS) expect(claimed, a.id).toContain(a.id);
  });

  it('a real cut-off SRT is partial: the frames before the cut are kept, the error names an offset', () => {
    const file = corpusFile('srt/srtparser-broken_incomplete.SRT');
    const r = analyseSource(new BufferSource(bytes(file)), file);
    expect(r.status).toBe('partial');
    expect(r.findings.some((f) => f.category === 'location.operator')).toBe(true);
    expect(r.error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(typeof r.error?.offset).toBe('number');
  });

  it('a DJI still cut inside a segment is never "read": an error naming the offset', () => {
    const r = analyseSource(new BufferSource(bytes(DJI).subarray(0, 30_000)), DJI);
    expect(['partial', 'error']).toContain(r.status);
    expect(r.error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(typeof r.error?.offset).toBe('number');
  });

  it('converts a bug (a TypeError) in an analyser into an error outcome, keeping earlier findings', () => {
    const buggy: Analyser = {
      id: 'buggy',
      detect: () => true,
      analyse(_src, out) {
        out.add({ category: 'other', tag: 'X', path: [], ranges: [], value: { kind: 'text', text: 'x' } });
        (null as unknown as { f(): void }).f();
      },
    };
    const r = analyseWith([buggy], new BufferSource(new Uint8Array([1, 2, 3])), 'f');
    expect(r.status).toBe('partial');
    expect(r.findings).toHaveLength(1);
    expect(r.error?.message).toMatch(/unexpected/);
  });

  it('a detect() that throws does not stop the others', () => {
    const bad: Analyser = {
      id: 'bad',
      detect: () => {
        throw new RangeError('boom');
      },
      analyse() {},
    };
    const r = analyseWith(
      [bad, ...ANALYSERS],
      new BufferSource(bytes(corpusFile('media/exiftool-GPS.jpg'))),
      'x',
    );
    expect(r.format).toBe('jpeg');
  });

  it('an unsupported variant with nothing found is not-read with the reason, not an error', () => {
    const unsupported: Analyser = {
      id: 'u',
      detect: () => true,
      analyse() {
        throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'flight record v14 body is encrypted', 100);
      },
    };
    const r = analyseWith([unsupported], new BufferSource(new Uint8Array([1])), 'f');
    expect(r).toMatchObject({ status: 'not-read', reason: 'flight record v14 body is encrypted' });
  });

  it.each([
    ['media/mat2-dirty.png', 'PNG image'],
    ['media/exiftool-QuickTime.heic', 'ISO-BMFF image'],
    ['apk/fdroid/com.politedroid_3.apk', 'zip archive'],
    ['pcap/zeek-http-get.pcap', 'pcap capture'],
  ])('names what %s is when it is not read', (file, what) => {
    const path = corpusFile(file);
    const r = analyseSource(new BufferSource(bytes(path)), path);
    expect(r.status).toBe('not-read');
    expect(r.reason).toContain(what);
    // The oracle agrees on what the file is.
    if (!file.startsWith('pcap') && !file.startsWith('apk')) {
      const [rec] = exiftoolJson([path], ['-FileType']);
      expect(String(rec?.['File:FileType'] ?? '')).toMatch(/PNG|MP4|MOV|HEIC|HEIF/);
    }
  });

  it('an empty file is read and holds nothing; unknown bytes are not-read with their first bytes', () => {
    expect(analyseSource(new BufferSource(new Uint8Array(0)), 'e')).toMatchObject({
      status: 'read',
      format: 'empty',
    });
    const r = analyseSource(new BufferSource(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1])), 'u.bin');
    expect(r).toMatchObject({ status: 'not-read', format: null });
    expect(r.reason).toContain('de ad be ef');
  });
});

/** Hostile and damaged inputs: typed errors naming the offset, never a crash or a hang. */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { buildJpeg, buildJpegWithMpf, segment, xmpPayload } from '../../src/media/jpeg/write.js';
import { Collector } from '../../src/media/types.js';
import { readXmpPacket } from '../../src/media/xmp/read.js';

const run = (bytes: Uint8Array): { out: Collector; err?: AirlockError } => {
  const out = new Collector();
  try {
    jpegAnalyser.analyse(new BufferSource(bytes), out);
    return { out };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return { out, err: e };
  }
};
const xmp = (text: string) => {
  const out = new Collector();
  readXmpPacket(new TextEncoder().encode(text), 100, ['XMP'], out);
  return out;
};

describe('JPEG segments', () => {
  it('an ICC segment too short for its chunk numbers is other data, with a warning, not a failure', () => {
    const icc = new TextEncoder().encode('ICC_PROFILE\0');
    const { out, err } = run(buildJpeg([{ marker: 0xe2, payload: icc }]));
    expect(err).toBeUndefined();
    expect(out.findings.find((f) => f.tag === 'ICC_Profile')?.category).toBe('other');
    expect(out.warnings.map((w) => w.name)).toContain('jpeg-icc-invalid');
  });
  it('a segment length past the end is truncation at that segment', () => {
    const { err } = run(Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0x10, 0x00, 1, 2, 3));
    expect([err?.code, err?.offset]).toEqual(['AIRLOCK_ERR_TRUNCATED', 2]);
  });
  it('a zero-length segment is malformed, naming the length field', () => {
    const { err } = run(Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0x00, 0x00, 0xff, 0xd9));
    expect([err?.code, err?.offset]).toEqual(['AIRLOCK_ERR_MALFORMED', 4]);
  });
  it('does not hang on endless 0xFF fill bytes', () => {
    const bytes = new Uint8Array(2_000_000).fill(0xff);
    bytes[1] = 0xd8;
    const t = Date.now();
    expect(run(bytes).err?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(Date.now() - t).toBeLessThan(2000);
  });
  it('a non-JPEG is malformed at offset 0', () => {
    expect(run(Uint8Array.of(0, 1, 2, 3)).err?.offset).toBe(0);
  });
  it('an MPF offset past the end is a warning, not a finding or a crash', () => {
    const good = buildJpegWithMpf([], [buildJpeg([])]);
    const bytes = good.subarray(0, good.length - 10);
    const { out } = run(bytes);
    expect(out.warnings.map((w) => w.name)).toContain('mpf-image-out-of-range');
    expect(out.findings.some((f) => f.tag === 'MPImage2')).toBe(false);
  });
  it('image data without EOI is reported, not scanned forever', () => {
    const full = buildJpeg([]);
    const { out, err } = run(full.subarray(0, full.length - 2));
    expect(err).toBeUndefined();
    expect(out.warnings.map((w) => w.name)).toEqual(['jpeg-no-eoi']);
  });
  it('a broken XMP segment still lets later segments be read, then fails', () => {
    const bytes = buildJpeg([
      { marker: 0xe1, payload: xmpPayload(new TextEncoder().encode('<x:xmpmeta')) },
      { marker: 0xfe, payload: new TextEncoder().encode('after') },
    ]);
    const { out, err } = run(bytes);
    expect(err?.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(out.findings.some((f) => f.tag === 'Comment')).toBe(true);
  });
  it('segment() refuses a payload a JPEG length cannot hold', () => {
    expect(() => segment(0xe1, new Uint8Array(70000))).toThrow(RangeError);
  });
});

describe('XMP', () => {
  it('refuses a DTD, so an entity bomb cannot expand', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&lol2;</x:xmpmeta>`;
    expect(() => xmp(bomb)).toThrow(expect.objectContaining({ code: 'AIRLOCK_ERR_MALFORMED' }));
  });
  it('stops deep nesting at the depth limit', () => {
    const deep = `${'<a>'.repeat(500)}${'</a>'.repeat(500)}`;
    expect(() => xmp(deep)).toThrow(expect.objectContaining({ code: 'AIRLOCK_ERR_LIMIT' }));
  });
  it('bad XML is malformed with an offset inside the packet', () => {
    try {
      xmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></x:xmpmeta>');
      expect.unreachable();
    } catch (e) {
      expect((e as AirlockError).code).toBe('AIRLOCK_ERR_MALFORMED');
      expect((e as AirlockError).offset).toBeGreaterThanOrEqual(100);
    }
  });
  it('maps properties by namespace URI, not by the prefix the file chose', () => {
    const out = xmp(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:zz="http://www.dji.com/drone-dji/1.0/" zz:DroneSerialNumber="SN1"/></rdf:RDF>`,
    );
    expect(out.findings.map((f) => [f.tag, f.category])).toEqual([
      ['drone-dji:DroneSerialNumber', 'identity.device'],
    ]);
  });
  it('gives UTF-8 values the byte ranges of their own bytes', () => {
    const text = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Zürich"><photoshop:Country>Schweiz ✓</photoshop:Country></rdf:Description></rdf:RDF>`;
    const bytes = new TextEncoder().encode(text);
    const out = xmp(text);
    for (const f of out.findings) {
      const r = f.ranges[0] as { offset: number; length: number };
      const got = new TextDecoder().decode(bytes.subarray(r.offset - 100, r.offset - 100 + r.length));
      expect(got).toBe((f.value as { text: string }).text);
    }
  });
});

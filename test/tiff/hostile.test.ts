/**
 * Hostile and truncated TIFF structures, as inline bytes: every outcome is an AirlockError with
 * a code and an offset (or a clean read), never a TypeError/RangeError, a hang or a huge allocation.
 */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { tiffAnalyser } from '../../src/media/tiff/index.js';
import { ascii, buildExif } from '../../src/media/tiff/write.js';
import { Collector } from '../../src/media/types.js';

/** Big-endian TIFF bytes from 16-bit words written out as hex groups. */
const bytes = (...hex: string[]): Uint8Array =>
  Uint8Array.from(Buffer.from(hex.join('').replace(/\s/g, ''), 'hex'));

function readAll(b: Uint8Array): { out: Collector; err?: AirlockError } {
  const out = new Collector();
  try {
    readTiffStructure(new BufferSource(b), 0, b.length, [], out);
    return { out };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return { out, err: e };
  }
}

describe('TIFF reader on hostile input', () => {
  it('stops on an IFD whose next pointer loops back to itself', () => {
    // IFD0 at 8: one entry (Make), next IFD = 8 again.
    const b = bytes('4d4d002a00000008', '0001', '010f 0002 00000002 41000000', '00000008');
    const { out, err } = readAll(b);
    expect(err?.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(err?.message).toMatch(/loop/);
    expect(err?.offset).toBe(8);
    expect(out.findings.map((f) => f.tag)).toEqual(['Make']);
  });

  it('stops on an ExifIFD that points back at IFD0', () => {
    const b = bytes('4d4d002a00000008', '0001', '8769 0004 00000001 00000008', '00000000');
    expect(readAll(b).err?.message).toMatch(/loop/);
  });

  it('refuses a count*size that overflows 32 bits without allocating', () => {
    // RATIONAL (8 bytes) x 0x40000000 = 8 GiB.
    const b = bytes('4d4d002a00000008', '0001', '010e 0005 40000000 00000010', '00000000');
    const { err } = readAll(b);
    expect(err?.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(err?.offset).toBe(10);
  });

  it('reports a value offset past the end as truncated, naming the offset', () => {
    const b = bytes('4d4d002a00000008', '0001', '010f 0002 00000010 0000ff00', '00000000');
    const { err } = readAll(b);
    expect(err?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(err?.offset).toBe(0xff00);
  });

  it('reports an IFD offset past the end as truncated', () => {
    const { err } = readAll(bytes('4d4d002a7fffffff'));
    expect(err?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(err?.offset).toBe(0x7fffffff);
  });

  it('refuses a huge entry count before reading the table', () => {
    const b = bytes('4d4d002a00000008', 'ffff', '00000000');
    const { err } = readAll(b);
    expect(err?.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(err?.offset).toBe(8);
  });

  it('reports an entry table cut short as truncated, not malformed', () => {
    const b = bytes('4d4d002a00000008', '0003', '010f 0002 00000002 41000000');
    expect(readAll(b).err?.code).toBe('AIRLOCK_ERR_TRUNCATED');
  });

  it('rejects a non-TIFF header as malformed and BigTIFF as unsupported', () => {
    expect(readAll(bytes('4d4d002b00080000')).err?.code).toBe('AIRLOCK_ERR_UNSUPPORTED');
    expect(readAll(bytes('58582a0008000000')).err?.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(() => tiffAnalyser.analyse(new BufferSource(bytes('49492b0008000000')), new Collector())).toThrow(
      /BigTIFF/,
    );
  });

  it('does not follow a chain longer than the IFD budget', () => {
    // 600 empty IFDs, each pointing to the next: more than LIMITS.maxIfdCount.
    const n = 600;
    const b = new Uint8Array(8 + n * 6);
    b.set(bytes('4d4d002a00000008'));
    const v = new DataView(b.buffer);
    for (let i = 0; i < n; i++) v.setUint32(8 + i * 6 + 2, i + 1 < n ? 8 + (i + 1) * 6 : 0);
    expect(readAll(b).err?.code).toBe('AIRLOCK_ERR_LIMIT');
  });

  it('turns a broken maker note into one opaque finding and a warning, keeping the rest', () => {
    // Canon note whose single entry points past the end of the data.
    const note = bytes('0001', '000c 0004 00000002 7fff0000', '00000000');
    const tiff = buildExif({ ifd0: [ascii(0x010f, 'Canon')], makerNote: note });
    const { out, err } = readAll(tiff);
    expect(err).toBeUndefined();
    expect(out.warnings.map((w) => w.name)).toContain('makernote-unreadable');
    const opaque = out.findings.filter((f) => f.category === 'opaque' && f.tag === 'MakerNote');
    expect(opaque).toHaveLength(1);
    expect(opaque[0]?.value).toEqual({ kind: 'block', size: note.length });
  });

  it('gives only typed outcomes for every truncation of a real structure', () => {
    const full = buildExif({
      ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC3411')],
      exif: [ascii(0xa431, 'SERIAL')],
      gps: { lat: 1.5, lon: -2.25, alt: 10 },
      thumbnail: Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]),
    });
    for (let len = 0; len <= full.length; len++) {
      const b = full.subarray(0, len);
      const out = new Collector();
      try {
        readTiffStructure(new BufferSource(b), 0, b.length, [], out);
      } catch (e) {
        expect(e, `length ${len}`).toBeInstanceOf(AirlockError);
      }
    }
  });
});

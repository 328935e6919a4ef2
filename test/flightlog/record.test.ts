/**
 * DJI flight records. No real record is in the corpus and no independent reader exists in
 * Debian or npm, so these tests build records with write-record.ts from values written here
 * and check the reader finds exactly those values at exactly those offsets.
 */
import { describe, expect, it } from 'vitest';
import { asAirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { DETAILS, getField, putField } from '../../src/media/flightlog/layout.js';
import { flightRecordAnalyser } from '../../src/media/flightlog/record.js';
import { writeFlightRecord } from '../../src/media/flightlog/write-record.js';
import { Collector } from '../../src/media/types.js';

const run = (bytes: Uint8Array) => {
  const out = new Collector();
  try {
    flightRecordAnalyser.analyse(new BufferSource(bytes), out);
    return { out };
  } catch (e) {
    return { out, error: asAirlockError(e, 'DJIFlightRecord_2024-01-01_[10-00-00].txt') };
  }
};

const v12 = () =>
  writeFlightRecord({
    version: 12,
    details: {
      city: 'Utrecht',
      startTime: Date.UTC(2024, 0, 1, 10, 0, 0),
      latitude: 52.0907,
      longitude: 5.1214,
      momentPicLatitude0: (52.1 * Math.PI) / 180,
      momentPicLongitude0: (5.13 * Math.PI) / 180,
      aircraftSn: '1581F4XXXXXXXXXX',
      aircraftName: 'Inspection 3',
      productType: 77,
    },
    records: new Uint8Array(64).fill(0xa5),
  });

describe('flight record v12 (plain details)', () => {
  it('is detected by name and structure, and not a text file named .txt', () => {
    expect(
      flightRecordAnalyser.detect(v12().subarray(0, 4096), 'DJIFlightRecord_2024-01-01_[10-00-00].txt'),
    ).toBe(true);
    expect(flightRecordAnalyser.detect(Buffer.from('Hello world, this is text.\n'), 'notes.txt')).toBe(false);
  });

  it('reports the serial, home position, place, time and the opaque records', () => {
    const bytes = v12();
    const { out, error } = run(bytes);
    expect(error).toBeUndefined();
    expect(out.facts).toMatchObject({ version: 12, encrypted: false, prefixBytes: 100 });
    const by = (tag: string) => out.findings.find((f) => f.tag === tag);
    expect(by('aircraftSn')).toMatchObject({
      category: 'identity.device',
      value: { kind: 'text', text: '1581F4XXXXXXXXXX' },
    });
    // Details start at 100; the serial field is at 312 in them.
    expect(by('aircraftSn')?.ranges).toEqual([{ offset: 412, length: 16 }]);
    expect(by('latitude+longitude')).toMatchObject({
      category: 'location.operator',
      value: { kind: 'position', position: { lat: 52.0907, lon: 5.1214 } },
    });
    const photo = out.findings.find((f) => f.category === 'location.drone');
    expect(photo?.value.kind === 'position' && photo.value.position.lat).toBeCloseTo(52.1, 9);
    expect(by('city')).toMatchObject({ category: 'location.text', value: { kind: 'text', text: 'Utrecht' } });
    expect(by('startTime')?.value).toEqual({ kind: 'time', text: '2024-01-01T10:00:00.000Z' });
    expect(by('Records')).toMatchObject({ category: 'opaque', ranges: [{ offset: 536, length: 64 }] });
  });

  it('the details layout reads back what it writes, byte for byte', () => {
    const bytes = v12();
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes.subarray(0, 100));
    copy.set(bytes.subarray(536), 536);
    for (const f of DETAILS) putField(copy, 100, f, getField(bytes, 100, f));
    // Bytes no field covers stay zero in both: the writer leaves them so.
    expect(Buffer.compare(Buffer.from(copy), Buffer.from(bytes))).toBe(0);
  });
});

describe('flight record v14 (encrypted)', () => {
  const bytes = writeFlightRecord({
    version: 14,
    auxInfo: new Uint8Array(400).fill(0x5c),
    auxVersion: { version: 3, department: 3 },
    records: new Uint8Array(256).fill(0x3c),
  });

  it('reports version, encryption and why it was not decrypted, and withholds the body', () => {
    const { out, error } = run(bytes);
    expect(error).toBeUndefined();
    expect(out.facts).toMatchObject({ version: 14, encrypted: true, auxVersion: 3, department: 3 });
    expect(String(out.facts.decryption)).toMatch(/not attempted/);
    expect(out.findings.find((f) => f.tag === 'AuxiliaryInfo')).toMatchObject({
      category: 'opaque',
      ranges: [{ offset: 103, length: 400 }],
    });
    expect(out.findings.find((f) => f.tag === 'Records')).toMatchObject({
      category: 'opaque',
      ranges: [{ offset: 509, length: 256 }],
    });
  });

  it('an empty details block is no finding: nothing in it to call sensitive', () => {
    const { out, error } = run(writeFlightRecord({ version: 14 }));
    expect(error).toBeUndefined();
    expect(out.findings.map((f) => f.tag)).toEqual(['AuxiliaryVersion']);
  });
});

describe('flight record hostile input', () => {
  it('a truncated record header is truncated, naming the end offset', () => {
    const { error } = run(v12().subarray(0, 40));
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(error?.offset).toBe(40);
  });

  it('a header offset past the end is truncated, naming the prefix field', () => {
    const bytes = v12();
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, 2n ** 40n, true);
    const { error } = run(bytes);
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(error?.offset).toBe(0);
    expect(error?.describe()).toMatch(/^DJIFlightRecord_.*offset 0: detail offset/);
  });

  it('an auxiliary block longer than the file is truncated at its body', () => {
    const bytes = writeFlightRecord({ version: 14, auxInfo: new Uint8Array(10) });
    bytes[101] = 0xff;
    bytes[102] = 0xff;
    const { error } = run(bytes);
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(error?.offset).toBe(103);
  });

  it('details cut short are truncated, not read past the end', () => {
    const { error } = run(v12().subarray(0, 300));
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
  });
});

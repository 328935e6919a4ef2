/** Flight-log CSV: the corpus export against a trivial independent split of the same file. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asAirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { flightLogCsvAnalyser } from '../../src/media/flightlog/csv.js';
import { Collector } from '../../src/media/types.js';
import { corpusDir } from '../helpers/corpus.js';

const run = (bytes: Uint8Array) => {
  const out = new Collector();
  try {
    flightLogCsvAnalyser.analyse(new BufferSource(bytes), out);
    return { out };
  } catch (e) {
    return { out, error: asAirlockError(e) };
  }
};

const [csvPath] = corpusDir('flightlog').filter((f) => f.endsWith('.csv'));

describe('flight-log CSV corpus', () => {
  it('is claimed by its header', () => {
    const bytes = readFileSync(csvPath as string);
    expect(flightLogCsvAnalyser.detect(bytes.subarray(0, 4096), basename(csvPath as string))).toBe(true);
  });

  it('reports one drone position per row, equal to the file’s Latitude/Longitude cells', () => {
    const bytes = readFileSync(csvPath as string);
    // The oracle: this known-simple file split by hand (no quotes in it).
    const rows = bytes
      .toString('utf8')
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => l.split(','));
    const header = rows.shift() as string[];
    expect(header).toEqual(['Id', 'Time(seconds)', 'Time(text)', 'Latitude', 'Longitude']);
    const { out, error } = run(bytes);
    expect(error).toBeUndefined();
    const drone = out.findings.filter((f) => f.category === 'location.drone');
    expect(out.facts.rows).toBe(rows.length);
    expect(drone).toHaveLength(rows.length);
    drone.forEach((f, i) => {
      expect(f.frame).toBe(i + 1);
      expect(f.value).toEqual({
        kind: 'position',
        position: { lat: Number(rows[i]?.[3]), lon: Number(rows[i]?.[4]) },
      });
      const cells = f.ranges.map((r) => bytes.subarray(r.offset, r.offset + r.length).toString());
      expect(cells).toEqual([rows[i]?.[3], rows[i]?.[4]]);
    });
    expect(out.findings.filter((f) => f.category === 'time')).toHaveLength(rows.length * 2);
    expect(out.findings.find((f) => f.tag === 'Id')?.category).toBe('other');
  });
});

describe('flight-log CSV columns of the common exports', () => {
  it('maps OSD/HOME/RC positions, feet, serials, time and attitude', () => {
    const csv = [
      'CUSTOM.updateTime [local],OSD.latitude,OSD.longitude,OSD.altitude [ft],OSD.height [ft],HOME.latitude,HOME.longitude,RC.latitude,RC.longitude,OSD.yaw,GIMBAL.pitch,DETAILS.aircraftSN,"note, quoted"',
      '2020/12/02 07:50:31.10,-44.69,170.42,1000,30,-44.70,170.43,0,0,12.5,-90,1WSAB12345,"a ""b"", c"',
      '2020/12/02 07:50:31.20,-44.691,170.421,1001,31,-44.70,170.43,-44.71,170.44,13,-90,1WSAB12345,x',
    ].join('\n');
    const { out, error } = run(Buffer.from(csv));
    expect(error).toBeUndefined();
    const pos = (c: string) => out.findings.filter((f) => f.category === c).map((f) => f.value);
    expect(pos('location.drone')).toEqual([
      { kind: 'position', position: { lat: -44.69, lon: 170.42, alt: 1000 * 0.3048 } },
      { kind: 'position', position: { lat: -44.691, lon: 170.421, alt: 1001 * 0.3048 } },
    ]);
    // HOME on both rows, RC only on the second (0,0 is no fix).
    expect(pos('location.operator')).toHaveLength(3);
    const serial = out.findings.filter((f) => f.category === 'identity.device');
    expect(serial).toHaveLength(1);
    expect(serial[0]?.value).toEqual({ kind: 'text', text: '1WSAB12345' });
    expect(serial[0]?.ranges).toHaveLength(2);
    expect(out.findings.filter((f) => f.category === 'attitude').map((f) => f.tag)).toEqual([
      'OSD.height [ft]',
      'OSD.yaw',
      'GIMBAL.pitch',
      'OSD.height [ft]',
      'OSD.yaw',
      'GIMBAL.pitch',
    ]);
    expect(out.findings.find((f) => f.tag === 'note, quoted')?.category).toBe('other');
  });
});

describe('flight-log CSV hostile input', () => {
  it('a million commas in one row is a limit error naming the row offset', () => {
    const head = 'latitude,longitude\n';
    const { error } = run(Buffer.from(`${head}${','.repeat(1_000_000)}\n`));
    expect(error?.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(error?.offset).toBe(head.length);
  });

  it('NUL bytes in cells give no position and no crash', () => {
    const { out, error } = run(Buffer.from('latitude,longitude\n\0\0,\0\n1.5,2.5\n'));
    expect(error).toBeUndefined();
    expect(out.findings.filter((f) => f.category === 'location.drone')).toHaveLength(1);
  });

  it('an empty file is AIRLOCK_ERR_EMPTY and a headerless one malformed', () => {
    expect(run(new Uint8Array(0)).error?.code).toBe('AIRLOCK_ERR_EMPTY');
    expect(run(Buffer.from('a,b\n1,2\n')).error?.code).toBe('AIRLOCK_ERR_MALFORMED');
  });
});

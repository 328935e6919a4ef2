/**
 * The flight-log CSV rewriter, judged by a plain split of input and output (not by Airlock's
 * CSV reader), by the bytes (no original coordinate string survives) and by Airlock's reader
 * reading the output back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { analyseFlightLogCsv } from '../../src/media/flightlog/csv.js';
import { flightLogCsvRewriter } from '../../src/media/flightlog/rewrite-csv.js';
import { Collector } from '../../src/media/types.js';
import { defaultPolicy, type Policy, parsePolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusFile } from '../helpers/corpus.js';

const policy = (edit: (p: Policy) => void = () => {}): Decide => {
  const p = defaultPolicy();
  edit(p);
  return decideFor(p);
};
const DEFAULT = policy();
const DROP = policy((p) => {
  p.media.location.drone = { action: 'drop' };
});
const rewrite = (bytes: Uint8Array, decide: Decide) =>
  flightLogCsvRewriter.rewrite(new BufferSource(bytes), decide);

/** The plainest CSV reading there is: lines, then commas (the corpus log has no quotes). */
const table = (text: string): string[][] =>
  text
    .split(/\r\n|\n|\r/)
    .filter((l) => l !== '')
    .map((l) => l.split(','));

const CORPUS = corpusFile('flightlog', 'exiftool-Geotag_DJI_2020-12-02_[07-50-31].csv');

describe('flight-log CSV scrub, corpus log', () => {
  const input = readFileSync(CORPUS);
  const [head, ...rows] = table(input.toString('utf8'));
  const latAt = head?.indexOf('Latitude') ?? -1;
  const lonAt = head?.indexOf('Longitude') ?? -1;

  it('default: only the coarsened latitude and longitude are left, row for row, CRLF kept', () => {
    const out = Buffer.from(rewrite(input, DEFAULT).bytes).toString('utf8');
    const [outHead, ...outRows] = table(out);
    // Id (other), Time(seconds) and Time(text) (offsets with no date to keep) are gone.
    expect(outHead).toEqual(['Latitude', 'Longitude']);
    expect(outRows).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const c = coarsenPosition({ lat: Number(row[latAt]), lon: Number(row[lonAt]) }, 1000);
      expect(outRows[i]).toEqual([c.lat.toFixed(7), c.lon.toFixed(7)]);
    });
    for (const row of rows) {
      expect(out.includes(row[latAt] as string)).toBe(false);
      expect(out.includes(row[lonAt] as string)).toBe(false);
    }
    expect(out.split('\r\n').length).toBe(input.toString('utf8').split('\r\n').length);
  });

  it('location dropped: no coordinate left, the header still reads as a flight log with no position', () => {
    const r = rewrite(input, DROP);
    const out = Buffer.from(r.bytes).toString('utf8');
    const [outHead, ...outRows] = table(out);
    expect(outHead).toEqual(['Latitude', 'Longitude']);
    expect(outRows).toHaveLength(rows.length);
    for (const row of outRows) expect(row).toEqual(['', '']);
    expect(r.notes.join()).toMatch(/headers kept/);
    const again = new Collector();
    analyseFlightLogCsv(new BufferSource(r.bytes), again);
    expect(again.findings).toEqual([]);
  });

  it('with everything kept, the output is the input, byte for byte', () => {
    const keepAll: Decide = () => ({ action: 'keep' });
    expect(Buffer.from(rewrite(input, keepAll).bytes).equals(input)).toBe(true);
  });
});

describe('flight-log CSV scrub, AirData-style export (by hand)', () => {
  const csv =
    '\ufefftime(millisecond),datetime(utc),latitude,longitude,altitude_above_seaLevel(feet),compass_heading(degrees),"battery sn",HOME.latitude,HOME.longitude\n' +
    '0,"2020-12-02 07:50:31",-44.69009395,170.42456545,1234.5,90,"SN,1",-44.7001,170.4001\n' +
    '100,2020-12-02 07:50:32,0,0,1234.5,90,"SN,1",-44.7001,170.4001,extra\n' +
    '\n' +
    '200,2020-12-02 07:50:33,-44.6901,n/a\n';

  it('default: home, serial, heading and offset columns go; date-only time; feet stay feet; quoting kept', () => {
    const out = Buffer.from(rewrite(Buffer.from(csv), DEFAULT).bytes).toString('utf8');
    const c = coarsenPosition({ lat: -44.69009395, lon: 170.42456545, alt: 1234.5 * 0.3048 }, 1000);
    // Feet with the decimals it takes to read back as the 100 m step (1312.3 ft would be 399.99 m).
    const feet = ((c.alt as number) / 0.3048).toFixed(6);
    expect(Math.abs(Number(feet) * 0.3048 - (c.alt as number))).toBeLessThan(1e-6);
    expect(out).toBe(
      '\ufeffdatetime(utc),latitude,longitude,altitude_above_seaLevel(feet)\n' +
        `"2020-12-02",${c.lat.toFixed(7)},${c.lon.toFixed(7)},${feet}\n` +
        // 0,0 is no fix: no finding asked about it, so its cells are emptied, not trusted.
        '2020-12-02,,,\n' +
        '\n' +
        // A latitude without a readable longitude is no position: emptied too.
        '2020-12-02,,\n',
    );
  });

  it('mapping: positions kept exactly, the distance from home goes with the home point (it locates it)', () => {
    const log =
      'time(millisecond),latitude,longitude,height_above_takeoff(feet),distance(feet),speed(mph)\n' +
      '0,52.3811000,4.9003000,300,730.4,10\n' +
      '100,52.3811275,4.9007483,300,747.2,10\n';
    const mapping = (extra = '') => decideFor(parsePolicy(`profile: mapping\n${extra}`, 'a.yaml'));
    const out = Buffer.from(rewrite(Buffer.from(log), mapping()).bytes).toString('utf8');
    const rows = table(out);
    // A time of milliseconds has no date to keep (date-only): it goes too.
    expect(rows[0]).toEqual(['latitude', 'longitude', 'height_above_takeoff(feet)', 'speed(mph)']);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
      ['52.3811000', '4.9003000'],
      ['52.3811275', '4.9007483'],
    ]);
    // Where the policy keeps the operator's place, the column stays as it was.
    const kept = Buffer.from(
      rewrite(Buffer.from(log), mapping('media:\n  location:\n    operator: keep\n')).bytes,
    ).toString('utf8');
    expect(table(kept).map((r) => r[3])).toEqual(['distance(feet)', '730.4', '747.2']);
    const found = new Collector();
    analyseFlightLogCsv(new BufferSource(Buffer.from(log)), found);
    expect(new Set(found.findings.filter((f) => f.tag === 'distance(feet)').map((f) => f.category))).toEqual(
      new Set(['location.operator']),
    );
  });

  it('an empty or headerless CSV throws the reader’s own error', () => {
    for (const bytes of [new Uint8Array(0), Buffer.from('a,b\n1,2\n')]) {
      let read: unknown;
      try {
        analyseFlightLogCsv(new BufferSource(bytes), new Collector());
      } catch (e) {
        read = e;
      }
      expect(read).toBeInstanceOf(AirlockError);
      expect(() => rewrite(bytes, DEFAULT)).toThrow((read as AirlockError).message);
    }
  });
});

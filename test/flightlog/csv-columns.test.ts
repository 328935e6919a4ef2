/**
 * Flight-log CSV columns the reader used to misread (D5 bracketed qualifiers and repeated pairs,
 * D6 quoted cells over line breaks, D7 launch point, place names, aircraft and pilot names,
 * D8 coordinates that do not parse, D11 CsvView/DatCon headers). Each CSV is written here with
 * planted digits, names and serials; the oracle is the clean text itself (is a planted string
 * still in it?) and the categories inspect gives each column.
 */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { analyseFlightLogCsv } from '../../src/media/flightlog/csv.js';
import { flightLogCsvRewriter } from '../../src/media/flightlog/rewrite-csv.js';
import { analyseSource } from '../../src/media/registry.js';
import { Collector } from '../../src/media/types.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/index.js';
import { decideFor, planFile } from '../../src/scrub/plan.js';
import { rewriterFor } from '../../src/scrub/registry.js';
import type { Decide } from '../../src/scrub/types.js';

const DEFAULT = decideFor(defaultPolicy());
const MAPPING = decideFor(parsePolicy('profile: mapping\n', 'a.yaml'));
/** The broadest keep list there is: it may keep "other" columns, never a control's. */
const MAPPING_KEEP_ALL = decideFor(parsePolicy('profile: mapping\nmedia:\n  keep: ["*"]\n', 'a.yaml'));
const DEFAULT_KEEP_ALL = decideFor(parsePolicy('media:\n  keep: ["*"]\n', 'a.yaml'));

const clean = (csv: string, decide: Decide): string =>
  Buffer.from(flightLogCsvRewriter.rewrite(new BufferSource(Buffer.from(csv)), decide).bytes).toString(
    'utf8',
  );

const inspect = (csv: string): Collector => {
  const out = new Collector();
  analyseFlightLogCsv(new BufferSource(Buffer.from(csv)), out);
  return out;
};

/** Every category inspect gives the findings whose tag names `column` (alone or in a position). */
const categoriesOf = (findings: readonly Finding[], column: string): Set<string> =>
  new Set(findings.filter((f) => f.tag.split('+').includes(column)).map((f) => f.category));

/** Planted strings found in `text`. */
const present = (text: string, planted: readonly string[]): string[] =>
  planted.filter((p) => text.includes(p));

// Planted values: drone track, and the operator's places, each with digits found nowhere else.
const DRONE = ['46.1234567', '7.7654321', '46.1234599', '7.7654399'];
const HOME = ['46.2220011', '7.3330022'];
const RC = ['46.4440033', '7.5550044'];

describe('D5: bracketed qualifiers and repeated pairs', () => {
  it('"Latitude (Home)" before the drone columns is the home point: mapping drops it and keeps the drone', () => {
    const csv =
      'Time,Latitude (Home),Longitude (Home),Latitude,Longitude,Altitude (m)\n' +
      `2020-12-02T07:50:31Z,${HOME[0]},${HOME[1]},${DRONE[0]},${DRONE[1]},40\n` +
      `2020-12-02T07:50:32Z,${HOME[0]},${HOME[1]},${DRONE[2]},${DRONE[3]},41\n`;
    const out = clean(csv, MAPPING_KEEP_ALL);
    expect(present(out, HOME)).toEqual([]);
    expect(present(out, DRONE)).toEqual(DRONE);
    const found = inspect(csv).findings;
    expect(categoriesOf(found, 'Latitude (Home)')).toEqual(new Set(['location.operator']));
    expect(categoriesOf(found, 'Latitude')).toEqual(new Set(['location.drone']));
  });

  it('[RC], Operator., Takeoff. and RTK. positions are never "other": a keep-all list keeps none of them', () => {
    const op = ['46.5550055', '7.6660066', '46.7770077', '7.8880088', '46.9990099', '7.1110011'];
    const csv =
      'Time,Latitude,Longitude,Latitude [RC],Longitude [RC],Operator.Latitude,Operator.Longitude,Takeoff.latitude,Takeoff.longitude,RTK.latitude,RTK.longitude\n' +
      `2020-12-02T07:50:31Z,${DRONE[0]},${DRONE[1]},${RC[0]},${RC[1]},${op.join(',')}\n`;
    for (const decide of [MAPPING_KEEP_ALL, DEFAULT_KEEP_ALL]) {
      const out = clean(csv, decide);
      expect(present(out, [...RC, ...op])).toEqual([]);
    }
    expect(present(clean(csv, MAPPING_KEEP_ALL), DRONE.slice(0, 2))).toEqual(DRONE.slice(0, 2));
    const found = inspect(csv).findings;
    for (const col of ['Latitude [RC]', 'Operator.Latitude', 'Takeoff.latitude', 'RTK.latitude'])
      expect(categoriesOf(found, col), col).toEqual(new Set(['location.operator']));
    expect(found.filter((f) => f.category === 'other')).toEqual([]);
  });

  it('a repeated latitude/longitude pair is reported, and neither pair is kept as the drone under mapping', () => {
    const csv =
      'datetime(utc),latitude,longitude,altitude_above_seaLevel(feet),latitude,longitude\n' +
      `2020-12-02 07:50:31,${DRONE[0]},${DRONE[1]},131,${HOME[0]},${HOME[1]}\n`;
    const r = inspect(csv);
    // The second pair's cells are in a finding: inspect is not silent about them.
    const cells = r.findings.flatMap((f) => f.ranges.map((g) => csv.slice(g.offset, g.offset + g.length)));
    expect(cells).toEqual(expect.arrayContaining([...HOME, ...DRONE.slice(0, 2)]));
    expect(r.findings.filter((f) => f.category === 'location.drone')).toEqual([]);
    expect(r.warnings.map((w) => w.name)).toContain('csv-ambiguous-position');
    // Which pair is the home point the header does not say: neither stays exactly.
    expect(present(clean(csv, MAPPING_KEEP_ALL), [...HOME, ...DRONE.slice(0, 2)])).toEqual([]);
  });
});

describe('D6: a quoted cell over a line break', () => {
  const csv =
    'datetime(utc),latitude,longitude,message,HOME.latitude,HOME.longitude\r\n' +
    `2020-12-02 07:50:31,${DRONE[0]},${DRONE[1]},"Home point updated\r\n` +
    `2020-12-02 07:50:31,${HOME[0]},${HOME[1]},operator at Prinsengracht 263",${HOME[0]},${HOME[1]}\r\n` +
    `2020-12-02 07:50:32,${DRONE[2]},${DRONE[3]},,${HOME[0]},${HOME[1]}\r\n`;

  it('is refused with an AirlockError at the opening quote, by the reader and the rewriter', () => {
    let err: unknown;
    try {
      inspect(csv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).offset).toBe(Buffer.from(csv).indexOf('"Home point'));
    expect(() => clean(csv, MAPPING)).toThrow(AirlockError);
  });

  it('so scrub withholds the file rather than keep the message text as a drone fix', () => {
    const policy = parsePolicy('profile: mapping\n', 'a.yaml');
    const result = analyseSource(new BufferSource(Buffer.from(csv)), 'multiline.csv');
    expect(result.format).toBe('flightlog-csv');
    const plan = planFile(result, policy, rewriterFor);
    expect(plan.kind).toBe('withhold');
  });

  it('a space before the opening quote is no way round it', () => {
    const spaced = csv.replace(',"Home point', ', "Home point');
    expect(() => inspect(spaced)).toThrow(AirlockError);
  });
});

describe('D7: launch point, place names, aircraft and pilot names', () => {
  it('PhantomHelp: DETAILS position is the operator, street/city/area place text, aircraftName identity, HOME.height the operator', () => {
    const place = ['Lindenweg 77', 'Zwolle', 'Overijssel'];
    const csv =
      'CUSTOM.date [local],OSD.latitude,OSD.longitude,OSD.height [ft],HOME.latitude,HOME.longitude,HOME.height [ft],RECOVER.aircraftName,RECOVER.aircraftSn,DETAILS.street,DETAILS.city,DETAILS.area,DETAILS.latitude,DETAILS.longitude\n' +
      `12/2/2020,${DRONE[0]},${DRONE[1]},1.5,${HOME[0]},${HOME[1]},987.6,Kees Air 2S,1ZNBJ7R00C0042,${place.join(',')},${RC[0]},${RC[1]}\n`;
    const found = inspect(csv).findings;
    expect(categoriesOf(found, 'DETAILS.latitude')).toEqual(new Set(['location.operator']));
    expect(categoriesOf(found, 'HOME.height [ft]')).toEqual(new Set(['location.operator']));
    expect(categoriesOf(found, 'RECOVER.aircraftName')).toEqual(new Set(['identity.device']));
    for (const col of ['DETAILS.street', 'DETAILS.city', 'DETAILS.area'])
      expect(categoriesOf(found, col), col).toEqual(new Set(['location.text']));
    for (const decide of [MAPPING_KEEP_ALL, DEFAULT_KEEP_ALL]) {
      const out = clean(csv, decide);
      expect(present(out, [...HOME, ...RC, '987.6', 'Kees Air', '1ZNBJ7R00C0042', ...place])).toEqual([]);
    }
    expect(present(clean(csv, MAPPING_KEEP_ALL), DRONE.slice(0, 2))).toEqual(DRONE.slice(0, 2));
  });

  it('AirData: home_latitude, "Home Latitude", pilot_lat are the operator; Flyer and user_email the person; "Aircraft Name" the device', () => {
    const pilot = ['46.8880088', '7.9990099'];
    const csv =
      'time(millisecond),datetime(utc),latitude,longitude,home_latitude,home_longitude,pilot_lat,pilot_lon,Home Latitude,Home Longitude,Flyer,user_email,Aircraft Name\n' +
      `0,2020-12-02 07:50:31,${DRONE[0]},${DRONE[1]},${HOME[0]},${HOME[1]},${pilot[0]},${pilot[1]},${RC[0]},${RC[1]},Anneke Jansma,anneke.jansma@example.org,Anneke's Mini\n`;
    const found = inspect(csv).findings;
    for (const col of ['home_latitude', 'pilot_lat', 'Home Latitude'])
      expect(categoriesOf(found, col), col).toEqual(new Set(['location.operator']));
    expect(categoriesOf(found, 'Flyer')).toEqual(new Set(['identity.person']));
    expect(categoriesOf(found, 'user_email')).toEqual(new Set(['identity.person']));
    expect(categoriesOf(found, 'Aircraft Name')).toEqual(new Set(['identity.device']));
    for (const decide of [MAPPING_KEEP_ALL, DEFAULT_KEEP_ALL]) {
      const out = clean(csv, decide);
      expect(present(out, [...HOME, ...pilot, ...RC, 'Anneke', 'jansma@example', "Anneke's Mini"])).toEqual(
        [],
      );
    }
  });
});

describe('D8: coordinates that do not parse', () => {
  const csv =
    'latitude,longitude,HOME.latitude,HOME.longitude\n' +
    `"${DRONE[0]?.replace('.', ',')}","${DRONE[1]?.replace('.', ',')}","${HOME[0]?.replace('.', ',')}","${HOME[1]?.replace('.', ',')}"\n`;

  it('inspect reports every comma-decimal cell under its column’s category; scrub empties them by default', () => {
    const found = inspect(csv).findings;
    expect(categoriesOf(found, 'latitude')).toEqual(new Set(['location.drone']));
    expect(categoriesOf(found, 'longitude')).toEqual(new Set(['location.drone']));
    expect(categoriesOf(found, 'HOME.latitude')).toEqual(new Set(['location.operator']));
    expect(categoriesOf(found, 'HOME.longitude')).toEqual(new Set(['location.operator']));
    // Each finding holds the cell's own text.
    expect(found.map((f) => (f.value.kind === 'text' ? f.value.text : ''))).toContain(
      DRONE[0]?.replace('.', ','),
    );
    const digits = [...DRONE.slice(0, 2), ...HOME].map((d) => d.split('.')[1] as string);
    expect(present(clean(csv, DEFAULT), digits)).toEqual([]);
    const mapped = clean(csv, MAPPING_KEEP_ALL);
    expect(present(mapped, digits.slice(2))).toEqual([]);
  });
});

describe('D11: CsvView/DatCon headers', () => {
  const csv =
    'Tick#,offsetTime,GPS(0):Lat,GPS(0):Long,GPS(0):heightMSL,HOME:Latitude,HOME:Longitude,HP:Lat,HP:Lon,RC:Lat,RC:Lon,General:aircraftSN\n' +
    `1000,0.0,${DRONE[0]},${DRONE[1]},40,${HOME[0]},${HOME[1]},${HOME[0]},${HOME[1]},${RC[0]},${RC[1]},08QDE5B0099887\n` +
    `1100,0.1,${DRONE[2]},${DRONE[3]},40,${HOME[0]},${HOME[1]},${HOME[0]},${HOME[1]},${RC[0]},${RC[1]},08QDE5B0099887\n`;

  it('GPS(n) is the drone, HOME:, HP: and RC: the operator', () => {
    const found = inspect(csv).findings;
    expect(categoriesOf(found, 'GPS(0):Lat')).toEqual(new Set(['location.drone']));
    for (const col of ['HOME:Latitude', 'HP:Lat', 'RC:Lat'])
      expect(categoriesOf(found, col), col).toEqual(new Set(['location.operator']));
  });

  it('mapping keeps the drone track and drops the operator even with a keep-all list; default coarsens the drone', () => {
    const mapped = clean(csv, MAPPING_KEEP_ALL);
    expect(present(mapped, DRONE)).toEqual(DRONE);
    expect(present(mapped, [...HOME, ...RC, '08QDE5B0099887'])).toEqual([]);
    const coarse = clean(csv, DEFAULT_KEEP_ALL);
    expect(present(coarse, [...DRONE, ...HOME, ...RC])).toEqual([]);
    // The drone's column is still there, coarsened (7 decimals).
    expect(coarse.split('\n')[0]).toContain('GPS(0):Lat');
    expect(coarse.split('\n')[1]).toMatch(/^[^,]*,?46\.\d{7},7\.\d{7}/);
  });
});

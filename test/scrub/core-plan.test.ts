/**
 * The planner: policy × finding → Decision, and file-level verdicts (withhold, copy, rewrite).
 * Expected values are the policy's documented defaults (issue 3) and hand-computed grid cells.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/model.js';
import type { AnalysisResult } from '../../src/media/registry.js';
import { defaultPolicy, type Policy } from '../../src/policy/index.js';
import { dateOnly } from '../../src/scrub/date-only.js';
import { decideFor, planFile } from '../../src/scrub/plan.js';
import type { Rewriter } from '../../src/scrub/types.js';

const f = (category: Finding['category'], tag: string, value: Finding['value']): Finding => ({
  category,
  tag,
  path: ['IFD0'],
  ranges: [{ offset: 10, length: 4 }],
  value,
});
const pos = (lat: number, lon: number, alt?: number): Finding['value'] => ({
  kind: 'position',
  position: alt === undefined ? { lat, lon } : { lat, lon, alt },
});
const text = (t: string): Finding['value'] => ({ kind: 'text', text: t });
const time = (t: string): Finding['value'] => ({ kind: 'time', text: t });
const num = (v: number): Finding['value'] => ({ kind: 'number', value: v, unit: 'm' });

describe('decideFor with the default policy', () => {
  const decide = decideFor(defaultPolicy());

  it('coarsens the drone position to the 1000 m grid cell centre, altitude to 100 m', () => {
    // 60.5N 10.3E → cell (6734, 564), worked out in core-coarsen.test.ts.
    expect(decide(f('location.drone', 'GPSPosition', pos(60.5, 10.3, 1252.12)))).toEqual({
      action: 'replace',
      value: { kind: 'position', position: { lat: 60.4967661, lon: 10.2969499, alt: 1300 } },
    });
  });

  it('rounds standalone drone altitudes (absolute and relative) to 100 m, keeps the altitude reference', () => {
    expect(decide(f('location.drone', 'drone-dji:AbsoluteAltitude', num(1252.12)))).toEqual({
      action: 'replace',
      value: { kind: 'number', value: 1300, unit: 'm' },
    });
    expect(decide(f('location.drone', 'drone-dji:RelativeAltitude', num(32.1)))).toEqual({
      action: 'replace',
      value: { kind: 'number', value: 0, unit: 'm' },
    });
    expect(decide(f('location.drone', 'GPSAltitudeRef', { kind: 'number', value: 1 }))).toEqual({
      action: 'keep',
    });
  });

  it('drops location data the grid does not define (a speed, a datum)', () => {
    expect(decide(f('location.drone', 'GPSSpeed', { kind: 'number', value: 3 }))).toEqual({ action: 'drop' });
    expect(decide(f('location.drone', 'GPSMapDatum', text('WGS-84')))).toEqual({ action: 'drop' });
  });

  it('drops operator and target positions, place names, serials, people, attitude, thumbnails, thermal', () => {
    for (const x of [
      f('location.operator', 'HOME', pos(1, 2)),
      f('location.target', 'drone-dji:LRFTargetLat', pos(1, 2)),
      f('location.text', 'City', text('Oslo')),
      f('identity.device', 'SerialNumber', text('0K8TFBK0020618')),
      f('identity.person', 'Artist', text('Ian Britton')),
      f('infrastructure', 'drone-dji:NTRIPHost', text('rtk.example')),
      f('attitude', 'drone-dji:GimbalYawDegree', text('-127.1')),
      f('imagery.embedded', 'ThumbnailImage', { kind: 'block', size: 21841 }),
      f('imagery.thermal', 'APP3', { kind: 'block', size: 1000 }),
      f('other', 'ExposureTime', num(0.003)),
      f('opaque', 'AEDebugInfo', { kind: 'block', size: 256 }),
    ]) {
      expect(decide(x), x.tag).toEqual({ action: 'drop' });
    }
  });

  it('keeps camera model and display data', () => {
    expect(decide(f('camera.model', 'Make', text('DJI')))).toEqual({ action: 'keep' });
    expect(decide(f('display', 'Orientation', num(1)))).toEqual({ action: 'keep' });
  });

  it('cuts times to the date in the carrier notation, drops times without a date', () => {
    expect(decide(f('time', 'DateTimeOriginal', time('2019:10:03 09:10:11')))).toEqual({
      action: 'replace',
      value: { kind: 'time', text: '2019:10:03 00:00:00' },
    });
    expect(decide(f('time', 'xmp:CreateDate', time('2005-08-03T18:59:18-04:00')))).toEqual({
      action: 'replace',
      value: { kind: 'time', text: '2005-08-03' },
    });
    expect(decide(f('time', 'DateTime', time('2022-05-01 15:01:58,531,716')))).toEqual({
      action: 'replace',
      value: { kind: 'time', text: '2022-05-01' },
    });
    expect(decide(f('time', 'GPSDateStamp', time('2019:10:03')))).toEqual({ action: 'keep' });
    expect(decide(f('time', 'GPSTimeStamp', time('14:58:24')))).toEqual({ action: 'drop' });
    expect(decide(f('time', 'SubSecTimeOriginal', time('890')))).toEqual({ action: 'drop' });
  });
});

describe('dateOnly', () => {
  it('handles IPTC compact dates, US dates and rejects digit runs that are not dates', () => {
    expect(dateOnly('20020620')).toBe('20020620');
    expect(dateOnly('12/2/2020 7:50:31 AM')).toBe('12/2/2020');
    expect(dateOnly('0.3')).toBeNull();
    expect(dateOnly('123456789')).toBeNull();
  });
});

describe('decideFor with other policies', () => {
  it('drop-location (a zone) drops every location finding, even one the policy keeps', () => {
    const p = defaultPolicy();
    p.media.location.drone = { action: 'keep' };
    const decide = decideFor(p, { dropLocation: true });
    expect(decide(f('location.drone', 'GPSPosition', pos(1, 2)))).toEqual({ action: 'drop' });
    expect(decide(f('location.text', 'City', text('x')))).toEqual({ action: 'drop' });
    expect(decide(f('camera.model', 'Make', text('DJI')))).toEqual({ action: 'keep' });
  });

  it('location drop removes the position and its altitudes', () => {
    const p = defaultPolicy();
    p.media.location.drone = { action: 'drop' };
    const decide = decideFor(p);
    expect(decide(f('location.drone', 'GPSPosition', pos(1, 2)))).toEqual({ action: 'drop' });
    expect(decide(f('location.drone', 'GPSAltitude', num(100)))).toEqual({ action: 'drop' });
  });

  it('time: keep and drop are passed through', () => {
    const p = defaultPolicy();
    p.media.time = 'keep';
    expect(decideFor(p)(f('time', 'DateTimeOriginal', time('2019:10:03 09:10:11')))).toEqual({
      action: 'keep',
    });
    p.media.time = 'drop';
    expect(decideFor(p)(f('time', 'DateTimeOriginal', time('2019:10:03 09:10:11')))).toEqual({
      action: 'drop',
    });
  });

  it('the keep list keeps an "other" tag', () => {
    const p = defaultPolicy();
    p.media.keep = ['ExposureTime'];
    expect(decideFor(p)(f('other', 'ExposureTime', num(0.003)))).toEqual({ action: 'keep' });
  });
});

describe('planFile', () => {
  const fake: Rewriter = { id: 'tiff', rewrite: () => ({ bytes: new Uint8Array(), notes: [] }) };
  const lookup = (format: string): Rewriter | undefined => (format === 'tiff' ? fake : undefined);
  const result = (over: Partial<AnalysisResult>): AnalysisResult => ({
    format: 'tiff',
    status: 'read',
    findings: [],
    warnings: [],
    facts: {},
    ...over,
  });
  const withZone = (action: 'withhold' | 'drop-location'): Policy => {
    const p = defaultPolicy();
    p.zones = [
      {
        name: 'Substation',
        action,
        roles: ['drone', 'target'],
        shapes: [{ type: 'circle', center: { lat: 60.5, lon: 10.3 }, radius: 500 }],
      },
    ];
    return p;
  };

  it('withholds what was not read, only partly read, or has no rewriter', () => {
    const p = defaultPolicy();
    expect(
      planFile(
        result({ format: null, status: 'not-read', reason: 'PNG image: not yet supported' }),
        p,
        lookup,
      ),
    ).toMatchObject({
      kind: 'withhold',
      why: 'unsupported',
      detail: 'PNG image: not yet supported',
    });
    const partial = result({
      status: 'partial',
      findings: [f('camera.model', 'Make', text('DJI'))],
      error: { code: 'AIRLOCK_ERR_TRUNCATED', message: 'IFD: data ends early', offset: 812 },
    });
    expect(planFile(partial, p, lookup)).toMatchObject({
      kind: 'withhold',
      why: 'unreadable',
      detail: 'IFD: data ends early at offset 812 (AIRLOCK_ERR_TRUNCATED)',
    });
    expect(planFile(result({ format: 'jpeg' }), p, lookup)).toMatchObject({
      kind: 'withhold',
      why: 'unsupported',
    });
  });

  it('withholds flight records by default and copies them when the policy says copy', () => {
    const p = defaultPolicy();
    expect(planFile(result({ format: 'flight-record' }), p, lookup)).toMatchObject({
      kind: 'withhold',
      why: 'flight-record',
    });
    p.media.flightRecords = 'copy';
    expect(planFile(result({ format: 'flight-record' }), p, lookup)).toMatchObject({ kind: 'copy' });
  });

  it('withholds a file whose drone position lies in a withhold zone, naming the zone', () => {
    const plan = planFile(
      result({ findings: [f('location.drone', 'GPSPosition', pos(60.5005, 10.3005))] }),
      withZone('withhold'),
      lookup,
    );
    expect(plan).toMatchObject({
      kind: 'withhold',
      why: 'zone',
      zones: [{ zone: 'Substation', role: 'drone' }],
    });
  });

  it('drops the location of a file in a drop-location zone and rewrites the rest', () => {
    const findings = [
      f('location.drone', 'GPSPosition', pos(60.5005, 10.3005)),
      f('camera.model', 'Make', text('DJI')),
    ];
    const plan = planFile(result({ findings }), withZone('drop-location'), lookup);
    expect(plan.kind).toBe('rewrite');
    if (plan.kind !== 'rewrite') return;
    expect(plan.planned.map((x) => x.decision.action)).toEqual(['drop', 'keep']);
    expect(plan.zones).toEqual([{ zone: 'Substation', role: 'drone', action: 'drop-location' }]);
  });

  it('rewrites a file outside every zone with per-finding decisions', () => {
    const plan = planFile(
      result({ findings: [f('location.drone', 'GPSPosition', pos(-33.8688, 151.2093))] }),
      withZone('withhold'),
      lookup,
    );
    expect(plan.kind).toBe('rewrite');
    if (plan.kind !== 'rewrite') return;
    expect(plan.planned[0]?.decision).toEqual({
      action: 'replace',
      value: { kind: 'position', position: { lat: -33.8708229, lon: 151.214062 } },
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { Category, Finding } from '../../src/findings/model.js';
import { CATEGORIES } from '../../src/findings/model.js';
import { defaultPolicy, mediaAction, parsePolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';

/** A finding of `category`: a location one holds a position (what `coarsen` applies to). */
const finding = (category: Category, tag = 'Tag', value?: Finding['value']): Finding => ({
  category,
  tag,
  path: ['APP1 Exif', 'IFD0'],
  ranges: [{ offset: 0, length: 1 }],
  value:
    value ??
    (category.startsWith('location.') && category !== 'location.text'
      ? { kind: 'position', position: { lat: 52.1, lon: 4.3 } }
      : { kind: 'text', text: 'x' }),
});

describe('mediaAction under the default policy', () => {
  const p = defaultPolicy();
  // The defaults, category by category.
  const expected: Record<Category, string> = {
    'location.drone': 'coarsen',
    'location.operator': 'drop',
    'location.target': 'drop',
    'location.text': 'drop',
    infrastructure: 'drop',
    'identity.device': 'drop',
    'identity.person': 'drop',
    'camera.model': 'keep',
    'camera.calibration': 'drop',
    time: 'date-only',
    attitude: 'drop',
    'imagery.embedded': 'drop',
    'imagery.thermal': 'drop',
    face: 'keep',
    display: 'keep',
    opaque: 'drop',
    other: 'drop',
  };
  it('covers every category', () => {
    expect(Object.keys(expected).sort()).toEqual([...CATEGORIES].sort());
  });
  for (const c of CATEGORIES) {
    it(`${c} → ${expected[c]}`, () => expect(mediaAction(finding(c), p).action).toBe(expected[c]));
  }
  it('says how far a drone position is coarsened', () => {
    expect(mediaAction(finding('location.drone', 'GPSLatitude'), p)).toEqual({
      action: 'coarsen',
      reason: 'coarsened to 1000 m',
    });
  });
});

describe('coarsen, where the grid has no value for a finding', () => {
  const p = defaultPolicy();
  it.each([
    ['a distance from home', finding('location.operator', 'D', { kind: 'number', value: 698.7, unit: 'm' })],
    [
      'an altitude written as a text',
      finding('location.drone', 'exif:GPSAltitude', { kind: 'text', text: '80/1' }),
    ],
    ['a lone latitude', finding('location.drone', 'GPSLatitude', { kind: 'number', value: 52.1 })],
    [
      'a position off the globe',
      finding('location.drone', 'GPS', { kind: 'position', position: { lat: 91, lon: 4 } }),
    ],
  ])('%s: says drop, as scrub does', (_what, f) => {
    const coarsen = parsePolicy('media:\n  location: {operator: {coarsen: 500}}\n', 'a.yaml');
    const policy = f.category === 'location.operator' ? coarsen : p;
    const d = mediaAction(f, policy);
    expect(d.action).toBe('drop');
    expect(d.reason).toMatch(/grid has no value for it/);
    expect(decideFor(policy)(f)).toEqual({ action: 'drop' });
  });
  it('an altitude number is coarsened (rounded), as scrub does', () => {
    const f = finding('location.drone', 'GPSAltitude', { kind: 'number', value: 1234, unit: 'm' });
    expect(mediaAction(f, p).action).toBe('coarsen');
    expect(decideFor(p)(f)).toMatchObject({ action: 'replace' });
  });
});

describe('mediaAction follows the file', () => {
  it('every control, flipped', () => {
    const p = parsePolicy(
      [
        'media:',
        '  location: {drone: drop, operator: keep, target: {coarsen: 10}, text: keep}',
        '  identity: {device: keep, person: keep, infrastructure: keep}',
        '  camera: {model: drop, calibration: keep}',
        '  time: drop',
        '  attitude: keep',
        '  imagery: {embedded: keep, thermal: keep}',
        '  faces: withhold',
        '',
      ].join('\n'),
      'a.yaml',
    );
    const got = (c: Category) => mediaAction(finding(c), p).action;
    expect(got('location.drone')).toBe('drop');
    expect(got('location.operator')).toBe('keep');
    expect(got('location.target')).toBe('coarsen');
    expect(got('location.text')).toBe('keep');
    expect(got('identity.device')).toBe('keep');
    expect(got('identity.person')).toBe('keep');
    expect(got('infrastructure')).toBe('keep');
    expect(got('camera.model')).toBe('drop');
    expect(got('camera.calibration')).toBe('keep');
    expect(got('time')).toBe('drop');
    expect(got('attitude')).toBe('keep');
    expect(got('imagery.embedded')).toBe('keep');
    expect(got('imagery.thermal')).toBe('keep');
    expect(got('face')).toBe('withhold');
  });
  it('the mapping profile keeps the exact drone position', () => {
    expect(mediaAction(finding('location.drone'), parsePolicy('profile: mapping\n', 'a.yaml')).action).toBe(
      'keep',
    );
  });
});

describe('the keep list (an allowlist for what no control covers)', () => {
  const p = parsePolicy("media:\n  keep: ['ICC_Profile', 'exif:*', 'APP4*']\n", 'a.yaml');
  it('an exact tag', () => {
    expect(mediaAction(finding('other', 'ICC_Profile'), p)).toEqual({
      action: 'keep',
      reason: 'keep list: ICC_Profile',
    });
    expect(mediaAction(finding('other', 'ICC_Profile2'), p).action).toBe('drop');
    expect(mediaAction(finding('other', 'icc_profile'), p).action).toBe('drop');
  });
  it("'prefix:*' and 'APP4*' globs", () => {
    expect(mediaAction(finding('other', 'exif:LensInfo'), p).action).toBe('keep');
    expect(mediaAction(finding('opaque', 'APP4'), p).action).toBe('keep');
    expect(mediaAction(finding('opaque', 'APP4 DJI'), p).action).toBe('keep');
    expect(mediaAction(finding('opaque', 'APP5'), p).action).toBe('drop');
    expect(mediaAction(finding('other', 'xmp:exif:LensInfo'), p).action).toBe('drop');
  });
  it('regex characters in patterns are literal', () => {
    const q = parsePolicy("media:\n  keep: ['a.b', '(x)*']\n", 'a.yaml');
    expect(mediaAction(finding('other', 'aXb'), q).action).toBe('drop');
    expect(mediaAction(finding('other', '(x)yz'), q).action).toBe('keep');
  });
  it('cannot undo a control: keep: [*] leaves serials and positions dropped', () => {
    const q = parsePolicy("media:\n  keep: ['*']\n", 'a.yaml');
    expect(mediaAction(finding('identity.device', 'SerialNumber'), q).action).toBe('drop');
    expect(mediaAction(finding('location.operator', 'HomeLatitude'), q).action).toBe('drop');
    expect(mediaAction(finding('other', 'Anything'), q).action).toBe('keep');
  });
  it('display data is kept whatever the keep list says', () => {
    expect(mediaAction(finding('display', 'Orientation'), defaultPolicy())).toEqual({
      action: 'keep',
      reason: 'needed to display the picture',
    });
  });
});
